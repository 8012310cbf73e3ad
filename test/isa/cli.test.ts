/**
 * `tsbpf asm` / `tsbpf disasm` end to end through bin/tsbpf.js: a round trip, and clean errors.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/tsbpf.js");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-asm-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsbpf(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tsbpf asm / disasm", () => {
  it("assembles to raw bytecode and disassembles it back", () => {
    const src = join(dir, "p.s");
    writeFileSync(src, "top: r0 = 0\n  if r1 > 3 goto top ; loop\n  r1 = map_fd(3) ll\n  exit\n");
    const out = join(dir, "p.bin");
    expect(tsbpf("asm", src, "-o", out)).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(out).length).toBe(5 * 8);
    const r = tsbpf("disasm", out, "--hex");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe("r0 = 0x0\nif r1 > 0x3 goto -0x2\nr1 = map_fd(0x3) ll\nexit\n");
  });

  it("reports assembler errors as file:line:col without a stack trace", () => {
    const src = join(dir, "bad.s");
    writeFileSync(src, "r0 = 0\n  r1 += r11\n");
    const r = tsbpf("asm", src, "-o", join(dir, "bad.bin"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${src}:2:9: bad register 'r11'`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("reports malformed bytecode and missing files cleanly", () => {
    const bin = join(dir, "short.bin");
    writeFileSync(bin, new Uint8Array(12));
    const r = tsbpf("disasm", bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/instruction 1: program length 12 is not a multiple of 8/);
    const missing = tsbpf("disasm", join(dir, "nope.bin"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.bin: no such file/);
  });
});
