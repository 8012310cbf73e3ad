/**
 * Invariants of the instruction table (core/isa/table.ts) and of the decoder's error reporting.
 */
import { describe, expect, it } from "vitest";
import {
  BytecodeError,
  INSNS,
  TEMPLATES,
  decodeProgram,
  encodeProgram,
  lookupSpec,
  parseTemplate,
  type InsnSpec,
} from "../../core/isa/index.ts";
import { instancesOf } from "./instances.ts";

/** Two rows overlap when some raw slot satisfies both rows' match constraints. */
function overlaps(a: InsnSpec, b: InsnSpec): boolean {
  const compatible = (x: number | null, y: number | null) => x === null || y === null || x === y;
  return (
    a.opcode === b.opcode &&
    compatible(a.srcMatch, b.srcMatch) &&
    compatible(a.offMatch, b.offMatch) &&
    compatible(a.immMatch, b.immMatch)
  );
}

describe("instruction table invariants", () => {
  it("ids are indices", () => {
    INSNS.forEach((s, i) => expect(s.id).toBe(i));
  });

  it("names are unique, and so are mnemonic + source", () => {
    expect(new Set(INSNS.map((s) => s.name)).size).toBe(INSNS.length);
    expect(new Set(INSNS.map((s) => `${s.mnemonic}/${s.source}`)).size).toBe(INSNS.length);
  });

  it("no two rows decode the same bytes", () => {
    const clashes: string[] = [];
    for (let i = 0; i < INSNS.length; i++) {
      for (let j = i + 1; j < INSNS.length; j++) {
        if (overlaps(INSNS[i]!, INSNS[j]!)) clashes.push(`${INSNS[i]!.name} / ${INSNS[j]!.name}`);
      }
    }
    expect(clashes).toEqual([]);
  });

  it("every instance decodes to its own row", () => {
    for (const spec of INSNS) {
      for (const insn of instancesOf(spec)) {
        expect(lookupSpec(spec.opcode, insn.src, insn.off, insn.imm)?.name).toBe(spec.name);
      }
    }
  });

  it("every syntax template parses, and prints every field the row does not fix", () => {
    for (const spec of INSNS) {
      const holes = new Set(
        TEMPLATES[spec.id]!.flatMap((p) => (p.kind === "hole" ? [p.name] : [])),
      );
      const printed = {
        dst: holes.has("dst"),
        src: holes.has("src") || holes.has("imm64"),
        off: holes.has("off") || (holes.has("target") && spec.fields.includes("off")),
        imm:
          holes.has("imm") ||
          holes.has("immoff") ||
          holes.has("imm64") ||
          holes.has("pctarget") ||
          (holes.has("target") && !spec.fields.includes("off")),
      };
      const fixed = { dst: null, src: spec.srcMatch, off: spec.offMatch, imm: spec.immMatch };
      for (const f of spec.fields) {
        expect(printed[f] || fixed[f] !== null, `${spec.name}: field ${f}`).toBe(true);
      }
    }
  });

  it("register roles name only fields the row uses, and the target field is one of them", () => {
    for (const s of INSNS) {
      for (const r of [...s.reads, ...s.writes]) {
        if (r === "dst" || r === "src") expect(s.fields, `${s.name} ${r}`).toContain(r);
      }
      if (s.target !== null) expect(s.fields, s.name).toContain(s.target);
      // A row with a register field but no role for it would leave the field unrenamed by the
      // register allocator: only calls (src is the call kind) and lddw (src is the pseudo source)
      // carry a src that is not a register.
      if (s.fields.includes("src") && !s.reads.includes("src") && !s.writes.includes("src"))
        expect(["call", "lddw"], s.name).toContain(s.kind);
    }
  });

  it("roles and targets of representative rows (RFC 9669 §4, §5)", () => {
    const row = (name: string) => INSNS.find((s) => s.name === name)!;
    expect(row("add64_reg")).toMatchObject({
      reads: ["src", "dst"],
      writes: ["dst"],
      target: null,
    });
    expect(row("mov64_imm")).toMatchObject({ reads: [], writes: ["dst"] });
    expect(row("stxw")).toMatchObject({ reads: ["src", "dst"], writes: [] });
    expect(row("atomic_fetch_add64")).toMatchObject({ reads: ["dst", "src"], writes: ["src"] });
    expect(row("atomic_add32")).toMatchObject({ writes: [] });
    expect(row("atomic_cmpxchg64")).toMatchObject({ reads: ["dst", "src", "r0"], writes: ["r0"] });
    expect(row("ldabsw")).toMatchObject({
      reads: ["r6"],
      writes: ["r0"],
      clobbers: [1, 2, 3, 4, 5],
    });
    expect(row("call_helper")).toMatchObject({ reads: ["args"], writes: ["r0"], target: null });
    expect(row("call_local").target).toBe("imm");
    expect(row("jeq64_imm")).toMatchObject({ reads: ["dst"], target: "off" });
    expect(row("ja").target).toBe("off");
    expect(row("ja32").target).toBe("imm");
    expect(row("exit")).toMatchObject({ reads: ["r0"], writes: [] });
  });

  it("rejects unknown placeholders", () => {
    expect(() => parseTemplate("{dst} = {bogus}")).toThrow(/unknown placeholder \{bogus\}/);
  });
});

describe("decoder errors name the slot", () => {
  const good = encodeProgram(instancesOf(INSNS.find((s) => s.name === "mov64_imm")!).slice(0, 3));

  it("length not a multiple of 8", () => {
    const bytes = new Uint8Array([...good, 0x95, 0]);
    expect(() => decodeProgram(bytes)).toThrow(BytecodeError);
    expect(() => decodeProgram(bytes)).toThrow(/instruction 3: program length 26/);
  });

  it("unknown opcode", () => {
    const bytes = new Uint8Array([...good, 0xff, 0, 0, 0, 0, 0, 0, 0]);
    try {
      decodeProgram(bytes);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BytecodeError);
      expect((e as BytecodeError).slot).toBe(3);
      expect((e as Error).message).toMatch(/unknown opcode 0xff/);
    }
  });

  it("an opcode whose src/off/imm selects no row (sdiv with off 2)", () => {
    const bytes = new Uint8Array([...good, 0x3f, 0x21, 2, 0, 0, 0, 0, 0]);
    expect(() => decodeProgram(bytes)).toThrow(/instruction 3: unknown opcode 0x3f/);
  });

  it("truncated lddw", () => {
    const bytes = new Uint8Array([...good, 0x18, 1, 0, 0, 5, 0, 0, 0]);
    expect(() => decodeProgram(bytes)).toThrow(/instruction 3: lddw is missing its second slot/);
  });

  it("lddw whose second slot is not zero but for imm", () => {
    const bytes = new Uint8Array([0x18, 1, 0, 0, 5, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(() => decodeProgram(bytes)).toThrow(/instruction 1: second slot of lddw/);
  });
});
