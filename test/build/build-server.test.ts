/**
 * The build server (cli/build-server.ts, started by bin/tsbpf.js after a cold `tsbpf build`): a
 * build it serves prints what the cold path prints (diagnostics with file:line:col, usage errors,
 * commander's errors), exits with the same code and writes the same bytes, relative to the client's
 * working directory; a commander error does not end the server; builds started together are
 * served one at a time. The cache directory is a temporary one (TSBPF_CACHE_DIR), removed at the
 * end, which also ends the server (its socket is gone).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { answers } from "../../cli/build-server.ts";
import { BIN, ROOT, tsbpf, type RunResult } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-server-"));
const cache = join(dir, "cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = { ...process.env, TSBPF_CACHE_DIR: cache };
delete env.TSBPF_NO_SERVER;
delete env.TSBPF_DEBUG;
const cold: NodeJS.ProcessEnv = { ...env, TSBPF_NO_SERVER: "1" };
const served: NodeJS.ProcessEnv = { ...env, TSBPF_DEBUG: "1" };
const SERVED_LINE = /^tsbpf: launcher: built by the build server .*\n/m;

/** Waits (20 s at most) until the build server listens in the cache directory. */
async function serverUp(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const sockets = readdirSync(cache).filter((n) => /^server-.*\.sock$/.test(n));
    for (const s of sockets) if (await answers(join(cache, s))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no build server started");
}

/** A served run's output without the launcher's debug line, after checking that it was served. */
function servedRun(args: string[], cwd = ROOT): RunResult {
  const r = tsbpf(args, { env: served, cwd });
  expect(r.stderr, "built by the server").toMatch(SERVED_LINE);
  return { ...r, stderr: r.stderr.replace(SERVED_LINE, "") };
}

/** Output with the build time ("built x.o: 23 insns in 412 ms") taken out. */
const untimed = (r: RunResult) => ({ ...r, stderr: r.stderr.replace(/ in \d+ ms$/m, " in N ms") });

describe("tsbpf build through the build server", () => {
  it("prints, exits and writes exactly what the cold path does", async () => {
    const work = join(dir, "work");
    mkdirSync(work);
    writeFileSync(
      join(work, "bad.ts"),
      'import { xdp, XDP_PASS } from "tsbpf";\n' +
        "export const p = xdp((ctx) => { const x: string = 1; return XDP_PASS; });\n",
    );
    const cases: { args: string[]; cwd: string }[] = [
      { args: ["build", "examples/xdp-counter.ts", "-o", join(dir, "OUT.o")], cwd: ROOT },
      { args: ["build", "bad.ts", "-o", "bad.o"], cwd: work },
      { args: ["build", "missing.ts"], cwd: work },
      { args: ["build", "--bogus", "bad.ts"], cwd: work },
      { args: ["build", join(ROOT, "examples/xdp-counter.ts"), "--emit", "asm"], cwd: work },
    ];
    const expected = cases.map((c) => {
      const args = c.args.map((a) => a.replace("OUT", "cold"));
      return untimed(tsbpf(args, { env: cold, cwd: c.cwd }));
    });
    expect(expected[1]!.stderr).toMatch(/^bad\.ts:2:39: error TS2322: /);

    // The first build without TSBPF_NO_SERVER is cold and starts the server.
    expect(
      tsbpf(["build", "examples/xdp-counter.ts", "-o", join(dir, "first.o")], { env }).code,
    ).toBe(0);
    await serverUp();
    cases.forEach((c, k) => {
      const args = c.args.map((a) => a.replace("OUT", "served"));
      const got = untimed(servedRun(args, c.cwd));
      const named = { ...got, stderr: got.stderr.replaceAll("served.o", "cold.o") };
      expect(named, args.join(" ")).toEqual(expected[k]);
    });
    const bytes = (name: string) => readFileSync(join(dir, `${name}.o`));
    expect(bytes("served").equals(bytes("cold"))).toBe(true);

    // Relative names are the client's: the input's name in line info, the output in `work`.
    writeFileSync(join(work, "ok.ts"), readFileSync(join(ROOT, "examples/xdp-counter.ts")));
    expect(tsbpf(["build", "ok.ts", "-o", "cold.o"], { env: cold, cwd: work }).code).toBe(0);
    expect(servedRun(["build", "ok.ts", "-o", "ok.o"], work).code).toBe(0);
    const inWork = (name: string) => readFileSync(join(work, name));
    expect(inWork("ok.o").equals(inWork("cold.o"))).toBe(true);

    // Builds started together are served one at a time, each with its own output.
    const together = ["runqlat", "xdp-nat", "tc-marker"];
    for (const ex of together)
      tsbpf(["build", `examples/${ex}.ts`, "-o", join(dir, `${ex}.cold.o`)], { env: cold });
    const runs = await Promise.all(
      together.map((ex) =>
        promisify(execFile)(
          process.execPath,
          [BIN, "build", `examples/${ex}.ts`, "-o", join(dir, `${ex}.served.o`)],
          { cwd: ROOT, env: served },
        ),
      ),
    );
    for (const r of runs) expect(r.stderr).toMatch(SERVED_LINE);
    for (const ex of together) expect(bytes(`${ex}.served`).equals(bytes(`${ex}.cold`))).toBe(true);
  }, 90_000);
});
