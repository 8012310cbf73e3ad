/**
 * Bad input to the real CLI (bin/tsbpf.js) gives one clean line on stderr and exit 1, never a stack
 * trace or an "internal error": an unwritable `build -o`, a binary file given to `build` or `asm`,
 * and `run --vm` without an input or with live-only flags.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectOneLine, tsbpf } from "../build/support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-cli-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIREWALL = "examples/xdp-firewall.ts";

describe("tsbpf build: unusable paths", () => {
  it("an output path that is a directory is one line, not an internal error", () => {
    const out = join(dir, "outdir");
    mkdirSync(out);
    const line = expectOneLine(tsbpf(["build", FIREWALL, "-o", out]));
    expect(line).toBe(`tsbpf build: cannot write ${out}: is a directory`);
  });

  it("an output path in a missing directory is one line (text output too)", () => {
    const out = join(dir, "missing", "x.s");
    const line = expectOneLine(tsbpf(["build", FIREWALL, "--emit", "asm", "-o", out]));
    expect(line).toBe(`tsbpf build: cannot write ${out}: no such file`);
  });

  it("a binary file (an executable) is refused instead of echoed as TypeScript errors", () => {
    const line = expectOneLine(tsbpf(["build", "/bin/ls"]));
    expect(line).toMatch(/^tsbpf build: \/bin\/ls is binary, not TypeScript or IR source/);
  });
});

describe("tsbpf asm: binary input", () => {
  it("an executable is refused in one line instead of quoted back as an unknown instruction", () => {
    const line = expectOneLine(tsbpf(["asm", "/bin/ls", "-o", join(dir, "ls.bin")]));
    expect(line).toBe("tsbpf: /bin/ls is binary, not assembly text (bytecode: tsbpf disasm)");
  });
});

describe("tsbpf run --vm: missing or misplaced inputs", () => {
  it("a packet program run without --packet says which input is missing", () => {
    const line = expectOneLine(tsbpf(["run", FIREWALL, "--vm"]));
    expect(line).toMatch(/^tsbpf run: .*unmapped.*; no input given: pass --packet/);
  });

  it.each([
    ["--duration", "3"],
    ["--iface", "lo"],
    ["--cgroup", "/sys/fs/cgroup"],
    ["--tc-direction", "egress"],
  ])("%s is rejected with --vm rather than silently ignored", (flag, value) => {
    const line = expectOneLine(tsbpf(["run", FIREWALL, "--vm", flag, value]));
    expect(line).toBe(
      "tsbpf run: --duration/--iface/--tc-direction/--prometheus/--cgroup/--netns/--sockmap/--netfilter are for live probes; --vm runs each program --repeat times",
    );
  });
});

describe("a file that is not an ELF object", () => {
  const bad = join(dir, "notes.o");
  writeFileSync(bad, "eighteen bytes...\n");

  it.each([
    ["vm run", ["vm", "run", bad]],
    ["run --vm", ["run", bad, "--vm"]],
    ["prog load", ["prog", "load", bad]],
    ["objdump", ["objdump", bad]],
  ])("%s: 'not an ELF file' (not 'truncated'), naming the file", (_, args) => {
    const line = expectOneLine(tsbpf(args));
    expect(line).toMatch(new RegExp(`^tsbpf[a-z ]*: ${bad}: not an ELF file`));
  });
});
