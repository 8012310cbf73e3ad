/**
 * `toMatchBytecodeGolden` in this process, with the matcher state vitest passes (`testPath`,
 * `snapshotState.snapshotUpdateState`): relative goldens resolve against the test file; "all"
 * (vitest -u) writes; other modes compare; wrong input says what to pass; the update hint carries
 * the build options the CLI needs to make the same golden.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { MatcherState } from "vitest";
import { compileProbe, toMatchBytecodeGolden } from "../../testing/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-matcher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const state = (mode: "all" | "new" | "none") =>
  ({
    testPath: join(dir, "x.test.ts"),
    snapshotState: { snapshotUpdateState: mode },
  }) as unknown as MatcherState;

describe("toMatchBytecodeGolden", () => {
  it("writes under update mode 'all' only, next to the test file, and then matches", async () => {
    const probe = await compileProbe(join(ROOT, "examples/sockfilter.ts"), { mcpu: 2 });
    const missing = toMatchBytecodeGolden.call(state("new"), probe, "g/sock.bpf.golden");
    expect(missing.pass).toBe(false);
    expect(existsSync(join(dir, "g/sock.bpf.golden"))).toBe(false);
    expect(missing.message()).toContain(`--golden ${join(dir, "g/sock.bpf.golden")} --mcpu v2)`);
    const written = toMatchBytecodeGolden.call(state("all"), probe, "g/sock.bpf.golden");
    expect(written.pass).toBe(true);
    expect(readFileSync(join(dir, "g/sock.bpf.golden"), "utf8")).toBe(probe.golden);
    expect(toMatchBytecodeGolden.call(state("none"), probe, "g/sock.bpf.golden").pass).toBe(true);
    const v3 = await compileProbe(join(ROOT, "examples/sockfilter.ts"));
    const r = toMatchBytecodeGolden.call(state("none"), v3, "g/sock.bpf.golden");
    expect(r.pass).toBe(false);
    expect(r.message()).toContain("made with tsbpf 0.1.0, mcpu v2; this is tsbpf 0.1.0, mcpu v3");
  });

  it("says what it expects when given something else", async () => {
    const p = compileProbe(join(ROOT, "examples/sockfilter.ts"));
    const r = toMatchBytecodeGolden.call(state("none"), p, "x.bpf.golden");
    expect(r.pass).toBe(false);
    expect(r.message()).toBe(
      'toMatchBytecodeGolden expects the result of `await compileProbe("probe.ts")` from tsbpf/test, got a Promise (add `await`)',
    );
    await p;
  });
});
