/**
 * The startup snapshot (bin/tsbpf-snapshot.cjs, built by bin/tsbpf.js in the background after a
 * cold `tsbpf build` that found none): a build started from it prints, exits and writes exactly
 * what the same build does in the launcher's own process (TSBPF_NO_SNAPSHOT=1), for objects, text
 * output, TypeScript and tsbpf errors and usage errors. The cache directory is a temporary one
 * (TSBPF_CACHE_DIR), removed at the end. The stdlib check that runs on each start from a snapshot
 * (`dropStaleStdlib`) is tested in test/frontend/persistent-project.test.ts. A snapshot that is
 * truncated or has lost its fingerprint file is removed and the build runs in its own process with
 * no error and the same bytes, and the builder makes a new one; TSBPF_NO_SNAPSHOT=1 never uses it.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, tsbpf, type RunResult } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-snapshot-"));
const cache = join(dir, "cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: cache, TSBPF_NO_SERVER: "1" };
delete env.TSBPF_NO_SNAPSHOT;
delete env.TSBPF_DEBUG;
const inProcess: NodeJS.ProcessEnv = { ...env, TSBPF_NO_SNAPSHOT: "1" };
const viaSnapshot: NodeJS.ProcessEnv = { ...env, TSBPF_DEBUG: "1" };
const SNAPSHOT_LINE = /^tsbpf: launcher: built from the startup snapshot .*\n/m;

/** Waits (90 s at most: the builder runs at the lowest priority) for the snapshot file. */
async function snapshotMade(): Promise<void> {
  for (let i = 0; i < 900; i++) {
    if (readdirSync(cache).some((n) => /^snapshot-[0-9a-f]+\.blob$/.test(n))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no startup snapshot made");
}

/** Output with the build time ("built x.o: 23 insns in 412 ms") taken out. */
const untimed = (r: RunResult) => ({ ...r, stderr: r.stderr.replace(/ in \d+ ms$/m, " in N ms") });

describe("tsbpf build from the startup snapshot", () => {
  it("prints, exits and writes exactly what an in-process build does", async () => {
    const work = join(dir, "work");
    mkdirSync(work);
    writeFileSync(
      join(work, "ts-error.ts"),
      'import { xdp, XDP_PASS } from "tsbpf";\n' +
        "export const p = xdp((ctx) => { const x: string = 1; return XDP_PASS; });\n",
    );
    writeFileSync(
      join(work, "tsb-error.ts"),
      'import { u32, u64, xdp, XDP_PASS } from "tsbpf";\n' +
        "export const p = xdp((ctx) => {\n" +
        "  const n: u64 = 300;\n" +
        "  const k: u32 = n;\n" +
        "  return k > 1 ? XDP_PASS : XDP_PASS;\n" +
        "});\n" +
        'export const license = "GPL";\n',
    );
    const cases: { args: string[]; cwd: string }[] = [
      { args: ["build", "examples/xdp-counter.ts", "-o", join(dir, "OUT-xdp.o")], cwd: ROOT },
      { args: ["build", "examples/runqlat.ts", "-o", join(dir, "OUT-runqlat.o")], cwd: ROOT },
      { args: ["build", "examples/tc-marker.ts", "-o", join(dir, "OUT-tc.o")], cwd: ROOT },
      { args: ["build", "ts-error.ts", "-o", "bad.o"], cwd: work },
      { args: ["build", "tsb-error.ts", "-o", "bad.o"], cwd: work },
      { args: ["build", "missing.ts"], cwd: work },
      { args: ["build", "--bogus", "ts-error.ts"], cwd: work },
      { args: ["build", join(ROOT, "examples/xdp-counter.ts"), "--emit", "asm"], cwd: work },
    ];
    const run = (e: NodeJS.ProcessEnv, tag: string) =>
      cases.map((c) =>
        untimed(
          tsbpf(
            c.args.map((a) => a.replace("OUT", tag)),
            { env: e, cwd: c.cwd },
          ),
        ),
      );

    // The first build finds no snapshot: it builds in its own process and starts the builder.
    expect(
      tsbpf(["build", "examples/xdp-counter.ts", "-o", join(dir, "first.o")], { env }).code,
    ).toBe(0);
    await snapshotMade();
    const expected = run(inProcess, "own");
    expect(expected[3]!.stderr).toMatch(/^ts-error\.ts:2:39: error TS2322: /);
    expect(expected[4]!.stderr).toMatch(/^tsb-error\.ts:4:\d+: error TSB2001: /);
    const got = run(viaSnapshot, "snap").map((r, k) => {
      expect(r.stderr, cases[k]!.args.join(" ")).toMatch(SNAPSHOT_LINE);
      return { ...r, stderr: r.stderr.replace(SNAPSHOT_LINE, "").replaceAll("snap-", "own-") };
    });
    expect(got).toEqual(expected);
    for (const name of ["xdp", "runqlat", "tc"]) {
      const bytes = (tag: string) => readFileSync(join(dir, `${tag}-${name}.o`));
      expect(bytes("snap").equals(bytes("own")), name).toBe(true);
    }
  }, 180_000);

  it("a damaged snapshot falls back to the in-process build, is removed and made again", async () => {
    // Run after the test above, in the same cache: its snapshot is there.
    const blob = () => readdirSync(cache).find((n) => /^snapshot-[0-9a-f]+\.blob$/.test(n));
    const name = blob();
    expect(name).toBeDefined();
    const file = join(cache, name!);
    const build = (e: NodeJS.ProcessEnv, out: string) =>
      untimed(tsbpf(["build", "examples/syscount.ts", "-o", join(dir, out)], { env: e }));
    const ref = build(inProcess, "ref.o");
    expect(ref.code, ref.stderr).toBe(0);
    const same = (out: string) =>
      readFileSync(join(dir, out)).equals(readFileSync(join(dir, "ref.o")));

    // TSBPF_NO_SNAPSHOT=1 does not start from the snapshot even with TSBPF_DEBUG=1.
    const off = build({ ...viaSnapshot, TSBPF_NO_SNAPSHOT: "1" }, "off.o");
    expect(off.stderr).not.toMatch(/launcher: .*snapshot/);
    expect(same("off.o")).toBe(true);

    // Truncated (Node dies starting from it), its header overwritten (Node prints a failed
    // assertion), its fingerprint file gone: each is removed unused and the build prints no error.
    const damages = [
      () => truncateSync(file, 1 << 20),
      () => writeFileSync(file, Buffer.alloc(8), { flag: "r+" }),
      () => rmSync(`${file}.sum`),
    ];
    for (const damage of damages) {
      await snapshotMade();
      expect(blob()).toBe(name);
      damage();
      const r = build(viaSnapshot, "damaged.o");
      expect(r.stderr).not.toMatch(SNAPSHOT_LINE);
      const launcher = /^tsbpf: launcher: .*\n/gm;
      expect({ ...r, stderr: r.stderr.replace(launcher, "") }).toEqual({
        ...ref,
        stderr: ref.stderr.replace("ref.o", "damaged.o"),
      });
      expect(same("damaged.o")).toBe(true);
      expect(existsSync(file) || existsSync(`${file}.sum`)).toBe(false);
    }
    await snapshotMade();
    const again = build(viaSnapshot, "again.o");
    expect(again.stderr).toMatch(SNAPSHOT_LINE);
    expect(same("again.o")).toBe(true);
  }, 240_000);
});
