/**
 * The reference interpreter's own machinery: the pre-decoded form (one semantic operation per table
 * row), the generic `Memory` path (any implementation, not only VmMemory), 64-bit multiplication on
 * register halves against BigInt, and the order of errors both engines report when an instruction has
 * two problems at once.
 */
import { describe, expect, it } from "vitest";
import { assembleText } from "../../core/conformance/index.ts";
import { INSNS, insnSpec, makeInsn, splitImm64 } from "../../core/isa/index.ts";
import type { Insn } from "../../core/isa/index.ts";
import { Sem, decodeProgram } from "../../runtime/vm/interpreter-decode.ts";
import { createMemory, interpret, VmError, type Memory } from "../../runtime/vm/index.ts";
import { runBoth } from "./support.ts";

describe("pre-decoded form", () => {
  it("gives every table row an operation, with dense operation numbers", () => {
    const values = Object.values(Sem).sort((a, b) => a - b);
    expect(values).toEqual(values.map((_, i) => i));
    const insns = INSNS.filter((s) => s.kind !== "lddw").map((s) =>
      makeInsn(s, { dst: 1, src: 2 }),
    );
    const d = decodeProgram(insns);
    expect(d.slots).toBe(insns.length);
    expect(d.sem[d.slots]).toBe(Sem.OffEnd);
    for (let pc = 0; pc < d.slots; pc++) {
      const op = insns[pc]!.spec.op;
      expect(d.sem[pc] === Sem.Fail, `${insns[pc]!.spec.name}`).toBe(op === "call_kfunc");
    }
  });

  it("marks the second slot of an lddw unreachable and records jump targets", () => {
    const d = decodeProgram(assembleText("lddw %r0, 1\nja -2\nja +0\nexit"));
    expect(d.sem[1]).toBe(Sem.Fail);
    expect([...d.tgt]).toEqual([-1, -1, -1, 4, -1, -1]);
  });
});

/** A Memory that delegates to a VmMemory but is not one (the interpreter's generic path). */
function foreignMemory(): Memory {
  const inner = createMemory();
  return {
    map: (b, o) => inner.map(b, o),
    unmap: (r) => inner.unmap(r),
    resolve: (a, s, w) => inner.resolve(a, s, w),
    region: (id) => inner.region(id),
    read: (a, l) => inner.read(a, l),
    write: (a, d) => inner.write(a, d),
  };
}

describe("generic Memory path", () => {
  const program = `
    stdw [%r10-8], 0x1234
    mov %r1, 5
    lock add [%r10-8], %r1
    ldxdw %r0, [%r10-8]
    stxb [%r10-1], %r0
    ldxb %r2, [%r10-1]
    add %r0, %r2
    exit`;

  it("runs loads, stores and atomics on any Memory implementation", () => {
    const insns = assembleText(program);
    const viaSlots = interpret({ name: "a", insns }, createMemory(), new Map());
    const viaRegions = interpret({ name: "b", insns }, foreignMemory(), new Map());
    expect(viaRegions).toEqual(viaSlots);
    expect(viaRegions.r0).toBe(0x1239n + 0x39n);
  });

  it("reports the same faults", () => {
    const insns = assembleText("ldxw %r0, [%r10+0]\nexit");
    const errorOf = (memory: Memory) => {
      try {
        interpret({ name: "x", insns }, memory, new Map());
      } catch (e) {
        if (e instanceof VmError) return e.message;
      }
      return "no error";
    };
    const message = errorOf(createMemory());
    expect(message).toMatch(/^invalid read of 4 bytes at 0x.*out of bounds of stack frame 0/);
    expect(errorOf(foreignMemory())).toBe(message);
  });
});

describe("64-bit arithmetic on register halves", () => {
  it("multiplies exactly like BigInt over edge and random operands", () => {
    const edges = [0n, 1n, 2n, 0xffffn, 0x10000n, 0xffffffffn, 0x100000000n, 1n << 63n, -1n, -2n];
    let x = 0x9e3779b97f4a7c15n;
    const random = Array.from({ length: 40 }, () => {
      x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n);
      return x;
    });
    const values = [...edges, ...random].map((v) => BigInt.asUintN(64, v));
    for (const a of values) {
      for (const b of values.slice(0, 20)) {
        const insns: Insn[] = [
          makeInsn(insnSpec("lddw"), { dst: 0, ...splitImm64(a) }),
          makeInsn(insnSpec("lddw"), { dst: 1, ...splitImm64(b) }),
          makeInsn(insnSpec("mul64_reg"), { dst: 0, src: 1 }),
          makeInsn(insnSpec("exit")),
        ];
        const r = interpret({ name: "m", insns }, createMemory(), new Map());
        expect(r.r0, `${a} * ${b}`).toBe(BigInt.asUintN(64, a * b));
      }
    }
  });
});

describe("errors of instructions with two problems (both engines agree)", () => {
  const error = (insns: Insn[]) => {
    const o = runBoth([...insns, makeInsn(insnSpec("exit"))]);
    if (!("error" in o)) throw new Error("expected an error");
    return o.error;
  };

  it("reports an unresolved lddw before its destination register", () => {
    expect(error([makeInsn(insnSpec("lddw"), { dst: 10, src: 1 })])).toBe(
      "lddw with unresolved pseudo source 1 (load the object first) (at instruction 0)",
    );
  });

  it("reports a load's or an atomic's fault before the register it writes", () => {
    const ldx = makeInsn(insnSpec("ldxdw"), { dst: 10, src: 1 });
    expect(error([ldx])).toBe(
      "invalid read of 8 bytes at 0x0: address is unmapped (at instruction 0)",
    );
    const fetch = INSNS.find((s) => s.op === "atomic_fetch_add" && s.width === 64)!;
    const atomic = makeInsn(fetch, { dst: 1, src: 10 });
    expect(error([atomic])).toBe(
      "invalid write of 8 bytes at 0x0: address is unmapped (at instruction 0)",
    );
    const inBounds = makeInsn(fetch, { dst: 10, src: 10, off: -8 });
    expect(error([inBounds])).toBe("r10 (frame pointer) is read-only (at instruction 0)");
  });
});
