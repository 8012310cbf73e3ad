/**
 * Per-row VM semantics: hand-checked edge cases (RFC 9669 §4–§5, kernel behaviour) on both engines,
 * and, for every arithmetic, jump and memory row of the table, agreement of interpreter and JIT over
 * a grid of edge operands (0, ±1, INT32_MIN/MAX, 2^63, shift counts at and beyond the width, ...).
 */
import { describe, expect, it } from "vitest";
import { INSNS, makeInsn, insnSpec, splitImm64 } from "../../core/isa/index.ts";
import type { Insn, InsnSpec } from "../../core/isa/index.ts";
import { r0Of, runBoth } from "./support.ts";

const hex = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}`;
const U64 = (v: bigint) => BigInt.asUintN(64, v);

/** `lddw dst, a; lddw src, b; <op>; exit` with r0 = dst after. */
function binary(op: string, a: bigint, b: bigint | number): bigint {
  const src = typeof b === "number" ? String(b) : "%r2";
  return r0Of(`lddw %r0, ${hex(a)}
    lddw %r2, ${typeof b === "bigint" ? hex(b) : "0"}
    ${op} %r0, ${src}
    exit`);
}

describe("ALU edge cases (RFC 9669 §4.1)", () => {
  const cases: [string, bigint, bigint | number, bigint][] = [
    ["add32", 0xffffffffn, 1, 0n], // wraps, upper half zeroed
    ["add32", 0xdeadbeef00000001n, 1n, 2n], // 32-bit ops ignore and clear the upper half
    ["add", 0xffffffffn, 1, 0x100000000n], // carry into the high half
    ["sub", 0n, 1, U64(-1n)],
    ["mul", 0x100000001n, 0x100000001n, 0x200000001n],
    ["mul32", 0x80000000n, -1, 0x80000000n], // INT_MIN * -1 wraps
    ["mul", 0xffffffffffffffffn, 0xffffffffffffffffn, 1n],
    ["div", 7n, 0n, 0n], // unsigned division by zero → 0
    ["div32", 0xffffffff00000007n, 0n, 0n],
    ["mod", 7n, 0n, 7n], // modulo by zero → dst unchanged
    ["mod32", 0xffffffff00000007n, 0n, 7n], // ... with the upper half zeroed for 32-bit
    ["div", U64(-1n), 2, 0x7fffffffffffffffn],
    ["div", 100n, -1, 0n], // imm sign-extended to 2^64-1 for ALU64
    ["div32", 0xffffffffn, 2, 0x7fffffffn],
    ["sdiv", U64(-(1n << 63n)), -1, U64(-(1n << 63n))], // INT64_MIN / -1 = INT64_MIN
    ["sdiv32", 0x80000000n, -1, 0x80000000n],
    ["sdiv", U64(-7n), 2, U64(-3n)], // truncates toward zero
    ["sdiv", 5n, 0n, 0n],
    ["smod", U64(-(1n << 63n)), -1, 0n],
    ["smod32", 0x80000000n, -1, 0n],
    ["smod", U64(-7n), 2, U64(-1n)], // sign follows the dividend
    ["smod", 7n, -2, 1n],
    ["smod", U64(-5n), 0n, U64(-5n)], // signed mod by zero → dst unchanged
    ["smod32", 0xfffffffffffffffbn, 0n, 0xfffffffbn],
    ["lsh", 1n, 64n, 1n], // shift counts are masked: 64 & 63 = 0
    ["lsh", 1n, 63, 1n << 63n],
    ["lsh32", 1n, 32n, 1n], // 32 & 31 = 0
    ["lsh32", 1n, 31, 0x80000000n],
    ["rsh", 1n << 63n, 63, 1n],
    ["rsh32", 0xffffffff80000000n, 31, 1n],
    ["arsh", 1n << 63n, 63, U64(-1n)],
    ["arsh32", 0x80000000n, 31, 0xffffffffn],
    ["arsh32", 0xffffffff80000000n, 36n, 0xf8000000n], // 36 & 31 = 4
    ["arsh", 0x8000000000000000n, 68n, 0xf800000000000000n],
    ["xor32", 0xffffffffffffffffn, 0, 0xffffffffn],
    ["mov32", 0n, -1, 0xffffffffn], // mov32 zero-extends
    ["mov", 0n, -1, U64(-1n)], // mov64 sign-extends the imm
  ];
  for (const [op, a, b, want] of cases) {
    it(`${op} ${hex(a)}, ${typeof b === "bigint" ? hex(b) : b} = ${hex(want)}`, () => {
      expect(hex(binary(op, a, b))).toBe(hex(want));
    });
  }

  it("neg, movsx, byte swaps", () => {
    expect(r0Of("lddw %r0, 0x8000000000000000\nneg %r0\nexit")).toBe(1n << 63n);
    expect(r0Of("lddw %r0, 0x1\nneg %r0\nexit")).toBe(U64(-1n));
    expect(r0Of("lddw %r0, 0x100000000\nneg %r0\nexit")).toBe(0xffffffff00000000n);
    expect(r0Of("lddw %r0, 0xffffffff00000001\nneg32 %r0\nexit")).toBe(0xffffffffn);
    expect(r0Of("mov %r1, 0x80\nmovsx864 %r0, %r1\nexit")).toBe(U64(-128n));
    expect(r0Of("mov %r1, 0x8000\nmovsx1632 %r0, %r1\nexit")).toBe(0xffff8000n);
    expect(r0Of("lddw %r1, 0x180000000\nmovsx3264 %r0, %r1\nexit")).toBe(U64(-(1n << 31n)));
    expect(r0Of("lddw %r0, 0x1122334455667788\nbe16 %r0\nexit")).toBe(0x8877n);
    expect(r0Of("lddw %r0, 0x1122334455667788\nbe32 %r0\nexit")).toBe(0x88776655n);
    expect(r0Of("lddw %r0, 0x1122334455667788\nbe64 %r0\nexit")).toBe(0x8877665544332211n);
    expect(r0Of("lddw %r0, 0x1122334455667788\nle16 %r0\nexit")).toBe(0x7788n);
    expect(r0Of("lddw %r0, 0x1122334455667788\nle32 %r0\nexit")).toBe(0x55667788n);
    expect(r0Of("lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit")).toBe(0x8877665544332211n);
  });

  it("sign-extending loads", () => {
    const load = (st: string, ld: string) => r0Of(`${st}\n${ld} %r0, [%r10-8]\nexit`);
    expect(load("stw [%r10-8], -2", "ldxsw")).toBe(U64(-2n));
    expect(load("sth [%r10-8], 0x8001", "ldxsh")).toBe(U64(-0x7fffn));
    expect(load("sth [%r10-8], 0x8001", "ldxh")).toBe(0x8001n);
    expect(load("stb [%r10-8], 0x7f", "ldxsb")).toBe(0x7fn);
    expect(load("stdw [%r10-8], -1", "ldxdw")).toBe(U64(-1n));
  });

  it("JMP32 compares the low halves only; 64-bit jumps sign-extend the imm", () => {
    expect(r0Of("lddw %r1, 0x100000000\nmov %r0, 1\njeq32 %r1, 0, +1\nmov %r0, 2\nexit")).toBe(1n);
    expect(r0Of("lddw %r1, 0x100000000\nmov %r0, 1\njeq %r1, 0, +1\nmov %r0, 2\nexit")).toBe(2n);
    expect(r0Of("mov %r1, -1\nmov %r0, 1\njeq %r1, -1, +1\nmov %r0, 2\nexit")).toBe(1n);
    expect(r0Of("mov32 %r1, -1\nmov %r0, 1\njeq %r1, -1, +1\nmov %r0, 2\nexit")).toBe(2n);
    expect(r0Of("mov %r1, -1\nmov %r0, 1\njsgt32 %r1, 0, +1\nmov %r0, 2\nexit")).toBe(2n);
    expect(r0Of("mov %r1, -1\nmov %r0, 1\njgt32 %r1, 0, +1\nmov %r0, 2\nexit")).toBe(1n);
  });

  it("atomics: fetch forms return the old value, cmpxchg compares with r0", () => {
    const base = "stdw [%r10-8], 10\nmov %r1, 5\n";
    expect(
      r0Of(
        `${base}lock fetch add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nlsh %r0, 8\nor %r0, %r1\nexit`,
      ),
    ).toBe((15n << 8n) | 10n);
    expect(
      r0Of(
        `${base}mov %r0, 10\nlock cmpxchg [%r10-8], %r1\nldxdw %r2, [%r10-8]\nlsh %r2, 8\nor %r0, %r2\nexit`,
      ),
    ).toBe((5n << 8n) | 10n);
    expect(
      r0Of(
        `${base}mov %r0, 9\nlock cmpxchg [%r10-8], %r1\nldxdw %r2, [%r10-8]\nlsh %r2, 8\nor %r0, %r2\nexit`,
      ),
    ).toBe((10n << 8n) | 10n);
    expect(
      r0Of("stdw [%r10-8], -1\nmov %r1, 1\nlock fetch add32 [%r10-8], %r1\nmov %r0, %r1\nexit"),
    ).toBe(0xffffffffn);
  });
});

/** Edge operands for the per-row grid. */
const EDGES: bigint[] = [
  0n,
  1n,
  U64(-1n),
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  1n << 63n,
  (1n << 63n) - 1n,
  U64(-(1n << 31n)),
  31n,
  32n,
  63n,
  64n,
  0x123456789abcdef0n,
  U64(-7n),
  3n,
];
const IMMS = [0, 1, -1, 2, 31, 32, 63, 64, -2147483648, 2147483647, 7, -3];

function lddw(dst: number, v: bigint): Insn {
  return makeInsn(insnSpec("lddw"), { dst, ...splitImm64(v) });
}

/** dst=r0 (value a), src=r2 (value b); apply the row; exit. Branches set r0 to a marker. */
function gridProgram(spec: InsnSpec, a: bigint, b: bigint, imm: number): Insn[] {
  const fields = { dst: 0, src: 2, imm, off: spec.offMatch ?? 0 };
  const head = [lddw(0, a), lddw(2, b)];
  const exit = makeInsn(insnSpec("exit"));
  if (spec.kind === "jcond") {
    const marker = makeInsn(insnSpec("mov64_imm"), { dst: 0, imm: 0x77 });
    return [...head, makeInsn(spec, { ...fields, off: 1 }), exit, marker, exit];
  }
  const fieldsFor = spec.kind === "end" ? { dst: 0 } : fields;
  return [...head, makeInsn(spec, fieldsFor), exit];
}

describe("every arithmetic and jump row: interpreter and JIT agree on edge operands", () => {
  const rows = INSNS.filter((s) => ["alu", "mov", "neg", "movsx", "end", "jcond"].includes(s.kind));
  for (const spec of rows) {
    it(spec.name, () => {
      for (const a of EDGES) {
        if (spec.source === "imm") for (const imm of IMMS) runBoth(gridProgram(spec, a, 0n, imm));
        else for (const b of EDGES) runBoth(gridProgram(spec, a, b, 0));
      }
    });
  }
});

describe("every memory row: interpreter and JIT agree at stack offsets", () => {
  const rows = INSNS.filter((s) => ["ldx", "st", "stx", "atomic"].includes(s.kind));
  for (const spec of rows) {
    it(spec.name, () => {
      for (const v of EDGES) {
        const setup = [
          lddw(1, 0x8899aabbccddeeffn),
          makeInsn(insnSpec("stxdw"), { dst: 10, src: 1, off: -8 }),
          makeInsn(insnSpec("stxdw"), { dst: 10, src: 1, off: -16 }),
          lddw(0, v),
          lddw(2, v ^ 0x5555n),
        ];
        const fields =
          spec.kind === "ldx"
            ? { dst: 3, src: 10, off: -8 }
            : {
                dst: 10,
                src: 2,
                off: -8,
                imm: spec.kind === "st" ? Number(BigInt.asIntN(32, v)) : (spec.immMatch ?? 0),
              };
        // r0 = value loaded/stored xor the two stack slots, so memory effects show in r0.
        const tail = [
          makeInsn(spec, fields),
          makeInsn(insnSpec("ldxdw"), { dst: 4, src: 10, off: -8 }),
          makeInsn(insnSpec("xor64_reg"), { dst: 0, src: 4 }),
          makeInsn(insnSpec("xor64_reg"), { dst: 0, src: 3 }),
          makeInsn(insnSpec("xor64_reg"), { dst: 0, src: 2 }),
          makeInsn(insnSpec("exit")),
        ];
        const o = runBoth([...setup, ...tail]);
        expect("r0" in o).toBe(true);
      }
    });
  }
});
