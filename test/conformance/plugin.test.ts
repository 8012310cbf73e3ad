/**
 * Spawns bin/tsbpf-conformance-plugin the way the bpf_conformance runner does (program hex on stdin,
 * memory hex as argv[1], options after it) on a few corpus files, plus its error behaviour.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDataFile, programOf } from "../../core/conformance/index.ts";
import { encodeProgram } from "../../core/isa/index.ts";
import { CONFORMANCE_DIR, REPO_ROOT } from "./suite.ts";

const PLUGIN = join(REPO_ROOT, "bin/tsbpf-conformance-plugin");

/** The runner's "base16" framing: two hex digits and two spaces per byte. */
function base16(bytes: Uint8Array): string {
  return [...bytes].map((b) => `${b.toString(16).padStart(2, "0")}  `).join("");
}

function runPlugin(stdin: string, args: string[]) {
  const r = spawnSync(PLUGIN, args, { input: stdin, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("conformance plugin executable", () => {
  for (const name of ["ldxh-all.data", "mem-len.data", "call_local.data", "lock_cmpxchg.data"]) {
    for (const opts of [[], ["--interpret"]]) {
      it(`${name} ${opts.join(" ")}`, () => {
        const data = parseDataFile(readFileSync(join(CONFORMANCE_DIR, name), "utf8"));
        const args = [...(data.mem ? [base16(data.mem)] : []), ...opts];
        const r = runPlugin(`${base16(encodeProgram(programOf(data)))}\n`, args);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        // The runner parses stdout with stoull(s, 16).
        expect(BigInt(`0x${r.stdout.trim()}`)).toBe(data.result ?? 0n);
      });
    }
  }

  it("reports a faulting program as one line and a non-zero exit", () => {
    // ldxw r0, [r1+0] with no memory: r1 is NULL.
    const r = runPlugin("61  10  00  00  00  00  00  00  95  00  00  00  00  00  00  00  \n", []);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/invalid read of 4 bytes at 0x0: address is unmapped/);
  });

  it("stops an endless loop with its own budget", () => {
    const r = runPlugin("05  00  ff  ff  00  00  00  00  \n", ["--budget", "1000"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/instruction budget exhausted \(1000 instructions\)/);
  });

  it("rejects malformed hex and unknown options cleanly", () => {
    expect(runPlugin("zz\n", []).stderr).toMatch(/program: byte 0 is "zz"/);
    const r = runPlugin("95  00  00  00  00  00  00  00  \n", ["--frobnicate"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown plugin option "--frobnicate"/);
  });
});
