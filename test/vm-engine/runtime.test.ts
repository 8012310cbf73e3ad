/**
 * Memory, control flow, calls and runtime errors: each behaviour checked on both engines, which must
 * also agree on the exact error text and instruction number.
 */
import { describe, expect, it } from "vitest";
import { assembleText } from "../../core/conformance/index.ts";
import {
  MAX_TAIL_CALLS,
  VmError,
  createMemory,
  getEngine,
  runJit,
} from "../../runtime/vm/index.ts";
import type { EngineProgram, HelperTable, Memory } from "../../runtime/vm/index.ts";
import { errorOf, r0Of, runBoth } from "./support.ts";

describe("VmMemory", () => {
  it("maps regions at id << 32, resolves, reads and writes through the caller's buffer", () => {
    const m = createMemory();
    const buf = new Uint8Array([1, 2, 3, 4]);
    const r = m.map(buf, { writable: true, kind: "input", name: "input" });
    expect(r.id).toBeGreaterThanOrEqual(1);
    expect(r.base).toBe(BigInt(r.id) << 32n);
    expect(m.resolve(r.base + 1n, 2, false)).toEqual({ region: r, offset: 1 });
    m.write(r.base + 2n, new Uint8Array([9]));
    expect(buf[2]).toBe(9);
    expect([...m.read(r.base, 4)]).toEqual([1, 2, 9, 4]);
  });

  it("names address, size, region and direction in errors", () => {
    const m = createMemory();
    const ro = m.map(new Uint8Array(8), { writable: false, kind: "context", name: "ctx" });
    expect(() => m.resolve(ro.base + 6n, 4, false)).toThrow(
      `invalid read of 4 bytes at 0x${(ro.base + 6n).toString(16)}: out of bounds of ctx (offset 6, size 8)`,
    );
    expect(() => m.write(ro.base, new Uint8Array(1))).toThrow(
      /invalid write of 1 byte at .*: ctx is read-only/,
    );
    expect(() => m.read(0n, 1)).toThrow("invalid read of 1 byte at 0x0: address is unmapped");
    m.unmap(ro);
    expect(m.region(ro.id)).toBeUndefined();
    expect(() => m.read(ro.base, 1)).toThrow(VmError);
    expect(() => m.read(ro.base, 1)).toThrow(/unmapped/);
  });
});

describe("control flow and errors (identical on both engines)", () => {
  it("counts executed instructions and stops at the budget", () => {
    const loop = "mov %r0, 0\nL:\nadd %r0, 1\njne %r0, 100, L\nexit";
    expect(runBoth(loop)).toMatchObject({ r0: 100n, executed: 202 });
    expect(errorOf(loop, undefined, { budget: 50 })).toBe(
      "instruction budget exhausted (50 instructions) (at instruction 2)",
    );
    expect(errorOf("ja -1", undefined, { budget: 1000 })).toMatch(/budget exhausted \(1000/);
  });

  it("rejects running off the end, bad jumps, r10 writes and bad registers", () => {
    expect(errorOf("mov %r0, 1")).toBe(
      "execution ran off the end of the program (at instruction 1)",
    );
    expect(errorOf("ja +5\nexit")).toMatch(
      /jump to slot 6, outside the program .*\(at instruction 0\)/,
    );
    expect(errorOf("ja +1\nlddw %r0, 1\nexit")).toMatch(/jump to slot 2, .*inside an lddw/);
    expect(errorOf("mov %r0, 0\nmov %r10, 1\nexit")).toBe(
      "r10 (frame pointer) is read-only (at instruction 1)",
    );
    expect(errorOf("mov %r0, %r11\nexit")).toBe("invalid register r11 (at instruction 0)");
    expect(errorOf("stxdw [%r10+0], %r1\nexit")).toMatch(
      /invalid write of 8 bytes at 0x[0-9a-f]+: out of bounds of stack frame 0 \(offset 512, size 512\) \(at instruction 0\)/,
    );
    expect(errorOf("ldxdw %r0, [%r1+0]\nexit")).toMatch(
      /invalid read of 8 bytes at 0x0: address is unmapped/,
    );
  });

  it("keeps r6–r9 callee-saved and gives each call a fresh frame", () => {
    const src = `
      mov %r6, 6
      stdw [%r10-8], 42
      call local f
      ldxdw %r1, [%r10-8]
      add %r0, %r1
      add %r0, %r6
      exit
    f:
      stdw [%r10-8], 1000
      mov %r6, 100
      mov %r0, %r10
      exit`;
    const r0 = r0Of(src);
    // r0 = callee's r10 (frame 1 top) + 42 + 6: the caller's stack and r6 survived the call.
    expect(r0 & 0xffffffffn).toBe(512n + 48n);
    expect(r0 >> 32n).toBeGreaterThan(0n);
  });

  it("limits call depth to 8 frames like the kernel", () => {
    expect(errorOf("f:\ncall local f\nexit")).toBe(
      "call depth limit exceeded (max 8 frames) (at instruction 0)",
    );
    const seven =
      "call local a\nexit\na:\ncall local b\nexit\nb:\ncall local c\nexit\nc:\ncall local d\nexit\nd:\ncall local e\nexit\ne:\ncall local f\nexit\nf:\ncall local g\nexit\ng:\nmov %r0, 7\nexit";
    expect(r0Of(seven)).toBe(7n);
  });
});

describe("helpers, callx, tail calls, packet loads", () => {
  const seen: bigint[][] = [];
  const helpers: HelperTable = new Map([
    [7, { name: "sum", fn: (c) => (seen.push([...c.args]), c.args.reduce((a, b) => a + b) - 1n) }],
  ]);

  it("passes r1–r5 unsigned and returns r0 (two's complement wraps)", () => {
    seen.length = 0;
    const r0 = r0Of(
      "mov %r1, -1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 7\nexit",
      helpers,
    );
    expect(seen[0]).toEqual([2n ** 64n - 1n, 2n, 3n, 4n, 5n]);
    expect(r0).toBe(12n); // (2^64 - 1 + 14 - 1) mod 2^64
    expect(
      r0Of(
        "mov %r1, 1\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\nmov %r9, 7\ncall %r9\nexit",
        helpers,
      ),
    ).toBe(0n);
  });

  it("reports unknown helpers and kfuncs", () => {
    expect(errorOf("call 99\nexit")).toBe("unknown helper 99 (at instruction 0)");
    expect(errorOf("lddw %r3, 0x100000007\ncall %r3\nexit", helpers)).toBe(
      "unknown helper 4294967303 (at instruction 2)",
    );
    expect(errorOf("call kfunc 3\nexit")).toMatch(/kfunc call 3 is not supported/);
  });

  it("switches programs on tail calls and refuses after MAX_TAIL_CALLS", () => {
    for (const kind of ["interpreter", "jit"] as const) {
      let calls = 0;
      const target: EngineProgram = {
        name: "again",
        insns: assembleText("mov %r6, %r1\ncall 12\nadd %r0, 1000\nexit"),
      };
      const tail: HelperTable = new Map([
        [12, { name: "tail", fn: (c) => (calls++, c.tailCall(target), 0n) }],
      ]);
      const r = getEngine(kind).run(target, createMemory(), tail, { args: [77n] });
      // MAX_TAIL_CALLS accepted, then the refused one returns -ENOENT and the program continues.
      expect(calls).toBe(MAX_TAIL_CALLS + 1);
      expect(r.r0).toBe(BigInt.asUintN(64, -2n + 1000n));
      expect(r.executed).toBe(2 * (MAX_TAIL_CALLS + 1) + 2);
    }
  });

  it("legacy packet loads read the ctx region big-endian and exit with 0 out of range", () => {
    for (const kind of ["interpreter", "jit"] as const) {
      const memory: Memory = createMemory();
      const pkt = memory.map(new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a]), {
        writable: false,
        kind: "packet",
        name: "packet",
      });
      const run = (src: string) =>
        getEngine(kind).run({ name: "p", insns: assembleText(src) }, memory, new Map(), {
          args: [pkt.base],
        }).r0;
      expect(run("ldabsh 1\nexit")).toBe(0x3456n);
      expect(run("mov %r2, 1\nldindw %r2, 0\nexit")).toBe(0x3456789an);
      expect(run("mov %r0, 5\nldabsw 2\nmov %r0, 9\nexit")).toBe(0n);
    }
  });

  it("the JIT asks for a VmMemory", () => {
    const foreign = { ...createMemory() } as unknown as Memory;
    expect(() => runJit({ name: "x", insns: assembleText("exit") }, foreign, new Map())).toThrow(
      /needs a VmMemory/,
    );
  });
});
