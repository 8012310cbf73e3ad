/**
 * No silent loss under a burst: 3000 opens of one uniquely named file in a tight C loop
 * (bench/consumer/burst.c, ~1 µs apart) against `tsbpf run examples/opensnoop.ts`, whose 1 MiB
 * ring holds ~3500 of its records (at 256 KiB, ~880, the run lost records whenever other test files
 * kept both cores busy for a few ms; how fast the reader drains is measured side by side with
 * libbpf in `npm run bench:consumer`): every one of the 3000 must reach stdout, in `--json` and
 * text mode, as strings, and the run's summary must agree (the consumer drains each wake-up's every record while
 * printing, see runtime/user/live-session.ts). The burst runs at nice 19 so the consumer is not
 * starved of a CPU by the producer itself on a two-core machine.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clangForFixtures } from "../support/kernel-setup.ts";
import { expectNothingLeft, expectRan, liveReady, ROOT, runExample, uniqueTag } from "./support.ts";

const SENT = 3000;
const live = liveReady("the opensnoop burst test");
const clang = live ? clangForFixtures("the opensnoop burst test") : undefined;

describe.runIf(live && clang)("a burst of opens under tsbpf run examples/opensnoop.ts", () => {
  let dir: string;
  let burst: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-burst-"));
    burst = join(dir, "burst");
    execFileSync(clang!, ["-O2", "-o", burst, join(ROOT, "bench/consumer/burst.c")]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fire = (file: string) => () => {
    execFileSync("nice", ["-n", "19", burst, file, String(SENT)]);
  };

  it(`--json: all ${SENT} records arrive, and the summary says none was lost`, async () => {
    const file = join(dir, uniqueTag("burst_json"));
    closeSync(openSync(file, "w"));
    const out = await runExample(
      "opensnoop",
      ["--duration", "3", "--json"],
      ["traceOpenat"],
      fire(file),
    );
    expectRan(out, ["traceOpenat"]);
    const docs = out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; map?: string; data?: { filename?: string } });
    const received = docs.filter((d) => d.type === "event" && d.data?.filename === file).length;
    const summary = docs.find((d) => d.type === "summary" && d.map === "events") as
      { records: number; lost: number } | undefined;
    console.log(`[burst] --json: received ${received} of ${SENT} sent`);
    expect(received).toBe(SENT);
    expect(summary?.lost).toBe(0);
    expect(summary?.records).toBe(docs.filter((d) => d.type === "event").length);
    expect(docs.some((d) => d.type === "lost")).toBe(false);
    expectNothingLeft(out);
  }, 60_000);

  it(`text: all ${SENT} records arrive with their file names as strings`, async () => {
    const file = join(dir, uniqueTag("burst_text"));
    closeSync(openSync(file, "w"));
    const out = await runExample("opensnoop", ["--duration", "3"], ["traceOpenat"], fire(file));
    expectRan(out, ["traceOpenat"]);
    const lines = out.stdout.split("\n").filter((l) => l.startsWith("events: {"));
    const received = lines.filter((l) => l.endsWith(`.filename = ${file} }`)).length;
    console.log(`[burst] text: received ${received} of ${SENT} sent`);
    expect(received).toBe(SENT);
    // A reused ring slot leaves older, longer names after the NUL: still printed as strings.
    expect(lines.filter((l) => /\.filename = \[/.test(l))).toEqual([]);
    expect(out.stderr).not.toContain("events lost");
    expectNothingLeft(out);
  }, 60_000);
});
