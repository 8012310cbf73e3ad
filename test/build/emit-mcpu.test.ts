/**
 * `tsbpf build --emit ir|ir-opt|asm|obj` and `--mcpu v1..v4` through the CLI, on a probe that has
 * sign-extending loads, i32 → i64 widening and a 32-bit compare.
 *
 * Per -mcpu level the object must only use instructions of that level (the table's `isa` column), and
 * like clang: v1 has no JMP32 and none of v2's jlt/jle/jslt/jsle; v1 and v2 have no JMP32 and no
 * ALU32 (class 0x04 apart from byte swaps); v3 uses JMP32 and ALU32; v4 uses sign-extending loads /
 * movsx. Each object loads in the kernel when root. Signed division
 * is refused below v4 with a diagnostic and compiled to `sdiv` at v4.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InsnClass, type InsnSpec } from "../../core/isa/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { run, tsbpf } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-emit-mcpu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROBE = `import { ArrayMap, i8, i16, i32, i64, u32, xdp } from "tsbpf";

interface Sample {
  a: i8;
  b: i16;
  c: i32;
  d: u32;
  total: i64;
}

const samples = new ArrayMap<Sample>({ maxEntries: 4 });

export const widths = xdp((ctx) => {
  const s = samples.lookup(0);
  if (s === null) return 2;
  const wide: i64 = i64(s.value.a) + i64(s.value.b) + i64(s.value.c);
  let n: u32 = s.value.d;
  if (n < 100) n = n * 3 + 1;
  s.value.d = n;
  s.value.total = wide;
  if (i32(wide) < 0) s.value.total = 0;
  return 2;
});

export const license = "GPL";
`;
writeFileSync(join(dir, "probe.ts"), PROBE);
writeFileSync(
  join(dir, "sdiv.ts"),
  PROBE.replace("s.value.total = wide;", "s.value.total = wide / i64(s.value.c | 1);"),
);

/** Builds in `dir`; returns the CLI result. */
function build(args: string[]) {
  return tsbpf(["build", ...args], { cwd: dir });
}

/** The instruction specs of every program in an object file. */
function specs(file: string): InsnSpec[] {
  const obj = readBpfObject(readFileSync(join(dir, file)));
  return [...obj.programs, ...obj.subprograms].flatMap((p) => p.insns.map((i) => i.spec));
}

const isJmp32 = (s: InsnSpec) => (s.kind === "jcond" || s.kind === "ja") && s.width === 32;
const isSignExtending = (s: InsnSpec) => s.kind === "movsx" || (s.kind === "ldx" && s.extBits > 0);
/** Class BPF_ALU (0x04) rows other than the byte swaps, which exist only in that class before v4. */
const isAlu32Class = (s: InsnSpec) => s.cls === InsnClass.ALU && s.kind !== "end";

describe("tsbpf build --emit", () => {
  it("ir, ir-opt and asm print text to stdout, or to -o", () => {
    const ir = build(["probe.ts", "--emit", "ir"]);
    expect(ir.code).toBe(0);
    expect(ir.stdout).toMatch(/^module "probe\.ts"\n/);
    expect(ir.stdout).toMatch(/^func @widths\(ptr\) -> i64 section "xdp"/m);
    const opt = build(["probe.ts", "--emit", "ir-opt"]);
    expect(opt.code).toBe(0);
    expect(opt.stdout).toMatch(/^module "probe\.ts"\n/);
    expect(opt.stdout).not.toBe(ir.stdout);
    const asm = build(["probe.ts", "--emit", "asm"]);
    expect(asm.code).toBe(0);
    expect(asm.stdout).toMatch(/^widths: +; section xdp\n/);
    expect(asm.stdout).toMatch(/^ +\d+: exit$/m);
    const toFile = build(["probe.ts", "--emit", "asm", "-o", "probe.s"]);
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe("");
    expect(readFileSync(join(dir, "probe.s"), "utf8")).toBe(asm.stdout);
  });

  it("obj writes <input>.o by default and reports the instruction count", () => {
    rmSync(join(dir, "probe.o"), { force: true });
    const r = build(["probe.ts"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^built probe\.o: (\d+) insns in \d+ ms\n$/);
    const bytes = readFileSync(join(dir, "probe.o"));
    expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    // Counted like the kernel and llvm-objdump: an lddw (a map reference here) is two slots.
    const count = Number(/: (\d+) insns/.exec(r.stderr)![1]);
    const all = specs("probe.o");
    expect(all.some((s) => s.kind === "lddw")).toBe(true);
    expect(count).toBe(all.length + all.filter((s) => s.kind === "lddw").length);
    if (hasCommand("llvm-objdump-19")) {
      const dump = execFileSync("llvm-objdump-19", ["-d", join(dir, "probe.o")], {
        encoding: "utf8",
      });
      // Every listed instruction shows its bytes: 8 per slot, 16 for an lddw.
      const lines = [...dump.matchAll(/^ *\d+:\t((?:[0-9a-f]{2} ?)+)\t/gm)];
      const bytes = lines.reduce((n, m) => n + m[1]!.trim().split(" ").length, 0);
      expect(count).toBe(bytes / 8);
    }
  });
});

describe.each([1, 2, 3, 4] as const)("tsbpf build --mcpu v%d", (v) => {
  const file = `probe-v${v}.o`;
  it("uses only instructions of that ISA level, like clang", () => {
    const r = build(["probe.ts", "--mcpu", `v${v}`, "-o", file]);
    expect(r.code, r.stderr).toBe(0);
    const all = specs(file);
    for (const s of all) expect(s.isa, s.mnemonic).toBeLessThanOrEqual(v);
    if (v < 3) expect(all.filter(isJmp32).map((s) => s.mnemonic)).toEqual([]);
    // clang enables alu32 only from v3: v1/v2 objects hold no 32-bit ALU instruction at all.
    if (v < 3) expect(all.filter(isAlu32Class).map((s) => s.name)).toEqual([]);
    else expect(all.some(isAlu32Class)).toBe(true);
    if (v === 1) expect(all.filter((s) => /^(jlt|jle|jslt|jsle)/.test(s.op))).toEqual([]);
    if (v >= 3) expect(all.some(isJmp32)).toBe(true);
    expect(all.some(isSignExtending)).toBe(v === 4);
  });

  it("loads in the kernel", (ctx) => {
    const ok = hasKernelBpf() && hasCommand("bpftool", ["version"]);
    if (!capability("root + bpftool", ok, `--mcpu v${v} kernel load`)) return ctx.skip();
    const pin = `/sys/fs/bpf/tsbpf-mcpu-${process.pid}-v${v}`;
    try {
      const r = run("bpftool", ["prog", "load", join(dir, file), pin]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      rmSync(pin, { force: true });
    }
  });
});

describe("signed division", () => {
  it("is refused below v4 with a diagnostic naming the fix", () => {
    const r = build(["sdiv.ts", "--mcpu", "v3", "-o", "sdiv-v3.o"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^sdiv\.ts:20:19: error TSB\d{4}: signed division needs -mcpu v4 or later \(compiling for v3\); use unsigned operands or --mcpu v4$/m,
    );
    expect(existsSync(join(dir, "sdiv-v3.o"))).toBe(false);
  });

  it("compiles to sdiv at v4", () => {
    const r = build(["sdiv.ts", "--mcpu", "v4", "-o", "sdiv-v4.o"]);
    expect(r.code, r.stderr).toBe(0);
    expect(specs("sdiv-v4.o").some((s) => s.op === "sdiv")).toBe(true);
  });
});
