/**
 * The instruction table: every eBPF instruction variant of RFC 9669 (cpu v1–v4), plus the legacy packet
 * loads and ubpf's `callx`, as one readonly array of plain records.
 *
 * Consumes the field constants of `opcode.ts`; produces `INSNS`, which the encoder/decoder, disassembler,
 * assemblers, validator, VM and instruction selector all read. Nobody else keeps a per-opcode switch.
 *
 * Invariants established (checked by test/isa/table.test.ts):
 * - each row is identified by (opcode, srcMatch, offMatch, immMatch); no two rows overlap;
 * - `mnemonic` + `source` is unique (the conformance assembler's key), and so is `name`.
 *
 * Rows are generated from the products the ISA is built from (operations × source × width), so that one
 * row is one real variant; the generation is deterministic and the order is stable (ids are indices).
 */
import {
  ATOMIC_FETCH,
  AluCode,
  AtomicOp,
  CallSrc,
  CLASS_MASK,
  InsnClass,
  JmpCode,
  Mode,
  Size,
  Source,
} from "./opcode.ts";

/** What an instruction does, at the granularity that decides its operands and syntax. */
export type InsnKind =
  | "alu" // dst = dst OP src/imm
  | "neg" // dst = -dst
  | "mov" // dst = src/imm
  | "movsx" // dst = sign-extend(src, extBits)
  | "end" // byte swap / endianness conversion of dst
  | "lddw" // dst = 64-bit immediate (two slots), possibly a pseudo source
  | "ldx" // dst = *(size *)(src + off), zero- or sign-extended
  | "st" // *(size *)(dst + off) = imm
  | "stx" // *(size *)(dst + off) = src
  | "atomic" // atomic read-modify-write at dst + off with src
  | "ldabs" // r0 = ntoh(packet[imm]) (legacy)
  | "ldind" // r0 = ntoh(packet[src + imm]) (legacy)
  | "jcond" // if dst OP src/imm goto +off
  | "ja" // goto +off (or +imm for the 32-bit form)
  | "call" // call helper / local function / kfunc
  | "callx" // call the helper whose number is in a register (ubpf; outside RFC 9669)
  | "exit";

/** The semantic operation a row performs; the VM and the instruction selector key on it. */
export type InsnOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "sdiv"
  | "or"
  | "and"
  | "lsh"
  | "rsh"
  | "neg"
  | "mod"
  | "smod"
  | "xor"
  | "mov"
  | "movsx"
  | "arsh"
  | "le"
  | "be"
  | "bswap"
  | "lddw"
  | "load"
  | "store"
  | "atomic_add"
  | "atomic_or"
  | "atomic_and"
  | "atomic_xor"
  | "atomic_fetch_add"
  | "atomic_fetch_or"
  | "atomic_fetch_and"
  | "atomic_fetch_xor"
  | "atomic_xchg"
  | "atomic_cmpxchg"
  | "ldabs"
  | "ldind"
  | "ja"
  | "jeq"
  | "jgt"
  | "jge"
  | "jset"
  | "jne"
  | "jsgt"
  | "jsge"
  | "jlt"
  | "jle"
  | "jslt"
  | "jsle"
  | "call_helper"
  | "call_local"
  | "call_kfunc"
  | "callx"
  | "exit";

/** Conformance groups of RFC 9669 §2.4 (plus `callx`, the bpf_conformance suite's extra group). */
export type ConformanceGroup =
  "base32" | "base64" | "atomic32" | "atomic64" | "divmul32" | "divmul64" | "packet" | "callx";

/** An instruction field that carries meaning for a row; fields not listed must be zero. */
export type InsnField = "dst" | "src" | "off" | "imm";

/**
 * A register an instruction reads or writes: the register named by its `dst` or `src` field, a fixed
 * register (`r0`: results, cmpxchg's comparand; `r6`: the skb of legacy packet loads), or `args`, the
 * argument registers r1–r5 of a call (how many of them a call really reads is the caller's knowledge).
 */
export type RegRole = "dst" | "src" | "r0" | "r6" | "args";

/**
 * The field a row's jump or local-call target is computed from: the target slot is pc + 1 + that
 * field (RFC 9669 §4.2, §4.3.2), or null when the row does not transfer control to a slot.
 */
export type TargetField = "off" | "imm" | null;

/** One instruction variant. */
export interface InsnSpec {
  /** Index of this row in `INSNS`. */
  readonly id: number;
  /** Unique descriptive name, e.g. `add64_reg`, `ldxw`, `jeq32_imm`, `atomic_fetch_add64`. */
  readonly name: string;
  /** The opcode byte. */
  readonly opcode: number;
  /** The instruction class (low three opcode bits). */
  readonly cls: number;
  /** Value the src field must hold to select this row (calls), or null. */
  readonly srcMatch: number | null;
  /** Value the offset field must hold to select this row (sdiv/smod, movsx), or null. */
  readonly offMatch: number | null;
  /** Value the imm field must hold to select this row (atomics, endianness), or null. */
  readonly immMatch: number | null;
  readonly kind: InsnKind;
  readonly op: InsnOp;
  /** Where the second operand comes from. */
  readonly source: "imm" | "reg" | "none";
  /** Operation width in bits: 32 for ALU/JMP32 and 32-bit atomics, else 64. */
  readonly width: 32 | 64;
  /** Memory access size in bytes (loads, stores, atomics, packet loads), else 0. */
  readonly memSize: 0 | 1 | 2 | 4 | 8;
  /** Bits that are sign-extended (movsx, sign-extending loads) or swapped (end), else 0. */
  readonly extBits: 0 | 8 | 16 | 32 | 64;
  /** Fields that carry meaning; the others must be zero. */
  readonly fields: readonly InsnField[];
  /** Mnemonic in the bpf_conformance / ubpf assembler syntax (`add32`, `ldxw`, `lock fetch add`). */
  readonly mnemonic: string;
  /**
   * Syntax in `llvm-objdump -d` / kernel verifier-log form. Placeholders: `{dst}` `{src}` (register,
   * printed `wN` for 32-bit operands), `{imm}`, `{off}` (` + 4` / ` - 4`), `{target}` (`+3` / `-2`),
   * `{pctarget}` (`pc+3`: local calls, which llvm-objdump cannot tell from helper calls), `{immoff}`
   * (like `{off}` but from imm and omitted when zero: legacy packet loads), `{imm64}` (lddw constant or
   * pseudo source). The disassembler fills them; the assembler matches them (core/isa/syntax.ts).
   */
  readonly syntax: string;
  /** Lowest `-mcpu` version that has this instruction. */
  readonly isa: 1 | 2 | 3 | 4;
  readonly group: ConformanceGroup;
  /**
   * Registers read, in the order a bad register is reported (the reference semantics the VM's
   * engines share: ALU and stores name `src` before `dst`, jumps and atomics `dst` first).
   */
  readonly reads: readonly RegRole[];
  /** Registers written (r10 must never be among the field registers a row writes). */
  readonly writes: readonly RegRole[];
  /** Registers overwritten besides `writes`: r1–r5 for calls and legacy packet loads, else none. */
  readonly clobbers: readonly number[];
  /** Where the jump / local-call target comes from (see `TargetField`). */
  readonly target: TargetField;
}

type Row = Omit<InsnSpec, "id">;

/** r1–r5: the argument registers, which a call leaves undefined (RFC 9669 §4.3.1). */
export const CALLER_SAVED_ARGS: readonly number[] = Object.freeze([1, 2, 3, 4, 5]);

/** What a row reads, writes, clobbers and jumps by, from the products it is generated from. */
type RoleFields = Pick<InsnSpec, "reads" | "writes" | "clobbers" | "target">;

function rolesOf(kind: InsnKind, op: InsnOp, source: InsnSpec["source"]): RoleFields {
  const src: RegRole[] = source === "reg" ? ["src"] : [];
  const none: readonly number[] = [];
  const plain = (reads: RegRole[], writes: RegRole[]): RoleFields => ({
    reads,
    writes,
    clobbers: none,
    target: null,
  });
  switch (kind) {
    case "alu":
      return plain([...src, "dst"], ["dst"]);
    case "neg":
    case "end":
      return plain(["dst"], ["dst"]);
    case "mov":
    case "movsx":
      return plain(src, ["dst"]);
    case "lddw":
      return plain([], ["dst"]);
    case "ldx":
      return plain(["src"], ["dst"]);
    case "st":
      return plain(["dst"], []);
    case "stx":
      return plain(["src", "dst"], []);
    case "atomic":
      if (op === "atomic_cmpxchg") return plain(["dst", "src", "r0"], ["r0"]);
      return plain(
        ["dst", "src"],
        op === "atomic_xchg" || op.startsWith("atomic_fetch_") ? ["src"] : [],
      );
    case "ldabs":
    case "ldind":
      // The kernel's legacy packet loads read the skb from r6 and clobber r1–r5 like a call.
      return { reads: [...src, "r6"], writes: ["r0"], clobbers: CALLER_SAVED_ARGS, target: null };
    case "jcond":
      return { ...plain(["dst", ...src], []), target: "off" };
    case "ja":
      return { ...plain([], []), target: source === "imm" ? "imm" : "off" };
    case "call":
      return {
        reads: ["args"],
        writes: ["r0"],
        clobbers: CALLER_SAVED_ARGS,
        target: op === "call_local" ? "imm" : null,
      };
    case "callx":
      return { reads: ["dst", "args"], writes: ["r0"], clobbers: CALLER_SAVED_ARGS, target: null };
    case "exit":
      return plain(["r0"], []);
  }
}

const ALU_OPS: readonly {
  op: InsnOp;
  code: number;
  sym: string;
  off?: number;
  isa?: 1 | 4;
  divmul?: boolean;
  ubpf: string;
}[] = [
  { op: "add", code: AluCode.ADD, sym: "+=", ubpf: "add" },
  { op: "sub", code: AluCode.SUB, sym: "-=", ubpf: "sub" },
  { op: "mul", code: AluCode.MUL, sym: "*=", ubpf: "mul", divmul: true },
  { op: "div", code: AluCode.DIV, sym: "/=", ubpf: "div", divmul: true },
  { op: "sdiv", code: AluCode.DIV, sym: "s/=", ubpf: "sdiv", off: 1, isa: 4, divmul: true },
  { op: "or", code: AluCode.OR, sym: "|=", ubpf: "or" },
  { op: "and", code: AluCode.AND, sym: "&=", ubpf: "and" },
  { op: "lsh", code: AluCode.LSH, sym: "<<=", ubpf: "lsh" },
  { op: "rsh", code: AluCode.RSH, sym: ">>=", ubpf: "rsh" },
  { op: "mod", code: AluCode.MOD, sym: "%=", ubpf: "mod", divmul: true },
  { op: "smod", code: AluCode.MOD, sym: "s%=", ubpf: "smod", off: 1, isa: 4, divmul: true },
  { op: "xor", code: AluCode.XOR, sym: "^=", ubpf: "xor" },
  { op: "arsh", code: AluCode.ARSH, sym: "s>>=", ubpf: "arsh" },
];

const JMP_OPS: readonly { op: InsnOp; code: number; sym: string; isa: 1 | 2 }[] = [
  { op: "jeq", code: JmpCode.JEQ, sym: "==", isa: 1 },
  { op: "jgt", code: JmpCode.JGT, sym: ">", isa: 1 },
  { op: "jge", code: JmpCode.JGE, sym: ">=", isa: 1 },
  { op: "jset", code: JmpCode.JSET, sym: "&", isa: 1 },
  { op: "jne", code: JmpCode.JNE, sym: "!=", isa: 1 },
  { op: "jsgt", code: JmpCode.JSGT, sym: "s>", isa: 1 },
  { op: "jsge", code: JmpCode.JSGE, sym: "s>=", isa: 1 },
  { op: "jlt", code: JmpCode.JLT, sym: "<", isa: 2 },
  { op: "jle", code: JmpCode.JLE, sym: "<=", isa: 2 },
  { op: "jslt", code: JmpCode.JSLT, sym: "s<", isa: 2 },
  { op: "jsle", code: JmpCode.JSLE, sym: "s<=", isa: 2 },
];

const SIZES: readonly { size: number; bytes: 1 | 2 | 4 | 8; suffix: string }[] = [
  { size: Size.B, bytes: 1, suffix: "b" },
  { size: Size.H, bytes: 2, suffix: "h" },
  { size: Size.W, bytes: 4, suffix: "w" },
  { size: Size.DW, bytes: 8, suffix: "dw" },
];

const ATOMIC_OPS: readonly {
  op: InsnOp;
  imm: number;
  ubpf: string;
  syntax: (w: 32 | 64) => string;
}[] = [
  ...(["add", "or", "and", "xor"] as const).flatMap((name) => {
    const imm = AtomicOp[name.toUpperCase() as "ADD" | "OR" | "AND" | "XOR"];
    const sym = { add: "+=", or: "|=", and: "&=", xor: "^=" }[name];
    return [
      {
        op: `atomic_${name}` as InsnOp,
        imm,
        ubpf: `lock ${name}`,
        syntax: (w: 32 | 64) => `lock *(u${w} *)({dst}{off}) ${sym} {src}`,
      },
      {
        op: `atomic_fetch_${name}` as InsnOp,
        imm: imm | ATOMIC_FETCH,
        ubpf: `lock fetch ${name}`,
        syntax: (w: 32 | 64) => `{src} = atomic_fetch_${name}((u${w} *)({dst}{off}), {src})`,
      },
    ];
  }),
  {
    op: "atomic_xchg",
    imm: AtomicOp.XCHG,
    ubpf: "lock xchg",
    syntax: (w) =>
      w === 64 ? "{src} = xchg_64({dst}{off}, {src})" : "{src} = xchg32_32({dst}{off}, {src})",
  },
  {
    op: "atomic_cmpxchg",
    imm: AtomicOp.CMPXCHG,
    ubpf: "lock cmpxchg",
    syntax: (w) =>
      w === 64
        ? "r0 = cmpxchg_64({dst}{off}, r0, {src})"
        : "w0 = cmpxchg32_32({dst}{off}, w0, {src})",
  },
];

function base(width: 32 | 64): ConformanceGroup {
  return width === 32 ? "base32" : "base64";
}

/** What a row states: its identity and syntax; every other field has a default in `row`. */
type RowInput = Pick<Row, "name" | "opcode" | "kind" | "syntax"> & Partial<Row>;

/**
 * Builds a row from what differs. Defaults: `cls` from the opcode's class bits, no src/off/imm match,
 * `op` = `kind`, no second operand, 64-bit, no memory access or extension, only `dst` meaningful,
 * `mnemonic` = `name`, cpu v1, and the base group of the width; register roles and the target field
 * always follow from kind, op and source (`rolesOf`). The keys are written in `InsnSpec`
 * order so that the rows (and their JSON) keep one shape.
 */
function row(r: RowInput): Row {
  const width = r.width ?? 64;
  const op = r.op ?? (r.kind as InsnOp);
  const source = r.source ?? "none";
  return {
    name: r.name,
    opcode: r.opcode,
    cls: r.cls ?? r.opcode & CLASS_MASK,
    srcMatch: r.srcMatch ?? null,
    offMatch: r.offMatch ?? null,
    immMatch: r.immMatch ?? null,
    kind: r.kind,
    op,
    source,
    width,
    memSize: r.memSize ?? 0,
    extBits: r.extBits ?? 0,
    fields: r.fields ?? ["dst"],
    mnemonic: r.mnemonic ?? r.name,
    syntax: r.syntax,
    isa: r.isa ?? 1,
    group: r.group ?? base(width),
    ...rolesOf(r.kind, op, source),
  };
}

/** The opcode source bit, the fields and the syntax operand of a second operand from imm or a register. */
interface Operand {
  readonly source: "imm" | "reg";
  readonly bit: number;
  readonly fields: readonly InsnField[];
  readonly text: string;
}

const OPERANDS: readonly Operand[] = [
  { source: "imm", bit: Source.K, fields: ["imm"], text: "{imm}" },
  { source: "reg", bit: Source.X, fields: ["src"], text: "{src}" },
];

/** One row per source of the second operand (imm, then reg), each stating what `make` gives it. */
function sourceRows(make: (o: Operand) => RowInput): Row[] {
  return OPERANDS.map((o) => row({ source: o.source, ...make(o) }));
}

function aluRows(): Row[] {
  const rows: Row[] = [];
  for (const width of [32, 64] as const) {
    const cls = width === 32 ? InsnClass.ALU : InsnClass.ALU64;
    const sfx = width === 32 ? "32" : "";
    for (const a of ALU_OPS) {
      rows.push(
        ...sourceRows((o) => ({
          name: `${a.op}${width}_${o.source}`,
          opcode: a.code | o.bit | cls,
          offMatch: a.off ?? (a.op === "div" || a.op === "mod" ? 0 : null),
          kind: "alu",
          op: a.op,
          width,
          fields: ["dst", ...o.fields],
          mnemonic: `${a.ubpf}${sfx}`,
          syntax: `{dst} ${a.sym} ${o.text}`,
          isa: a.isa ?? 1,
          group: a.divmul ? (width === 32 ? "divmul32" : "divmul64") : base(width),
        })),
      );
    }
    rows.push(
      row({
        name: `neg${width}`,
        opcode: AluCode.NEG | Source.K | cls,
        kind: "neg",
        width,
        mnemonic: `neg${sfx}`,
        syntax: "{dst} = -{dst}",
      }),
    );
    rows.push(
      ...sourceRows((o) => ({
        name: `mov${width}_${o.source}`,
        opcode: AluCode.MOV | o.bit | cls,
        offMatch: o.source === "reg" ? 0 : null,
        kind: "mov",
        width,
        fields: ["dst", ...o.fields],
        mnemonic: `mov${sfx}`,
        syntax: `{dst} = ${o.text}`,
      })),
    );
    for (const bits of width === 32 ? ([8, 16] as const) : ([8, 16, 32] as const)) {
      rows.push(
        row({
          name: `movsx${width}_${bits}`,
          opcode: AluCode.MOV | Source.X | cls,
          offMatch: bits,
          kind: "movsx",
          source: "reg",
          width,
          extBits: bits,
          fields: ["dst", "src", "off"],
          mnemonic: `movsx${bits}${width}`,
          syntax: `{dst} = (s${bits}){src}`,
          isa: 4,
        }),
      );
    }
  }
  // Byte swaps: ALU|END with src bit LE/BE, and ALU64|END (src 0) as the unconditional bswap (v4).
  const ends: { op: InsnOp; opcode: number; isa: 1 | 4 }[] = [
    { op: "le", opcode: AluCode.END | Source.K | InsnClass.ALU, isa: 1 },
    { op: "be", opcode: AluCode.END | Source.X | InsnClass.ALU, isa: 1 },
    { op: "bswap", opcode: AluCode.END | Source.K | InsnClass.ALU64, isa: 4 },
  ];
  for (const e of ends) {
    for (const bits of [16, 32, 64] as const) {
      rows.push(
        row({
          name: `${e.op}${bits}`,
          opcode: e.opcode,
          immMatch: bits,
          kind: "end",
          op: e.op,
          extBits: bits,
          fields: ["dst", "imm"],
          syntax: `{dst} = ${e.op}${bits} {dst}`,
          isa: e.isa,
          group: "base32",
        }),
      );
    }
  }
  return rows;
}

function memoryRows(): Row[] {
  const rows: Row[] = [
    row({
      name: "lddw",
      opcode: InsnClass.LD | Mode.IMM | Size.DW,
      kind: "lddw",
      source: "imm",
      fields: ["dst", "src", "imm"],
      syntax: "{dst} = {imm64} ll",
    }),
  ];
  for (const s of SIZES) {
    const bits = s.bytes * 8;
    // Shared by the plain loads and stores of this size: 8-byte accesses are base64, the rest base32.
    const mem = { memSize: s.bytes, group: s.bytes === 8 ? "base64" : "base32" } as const;
    const load = { kind: "ldx", op: "load", source: "reg", fields: ["dst", "src", "off"] } as const;
    rows.push(
      row({
        ...mem,
        ...load,
        name: `ldx${s.suffix}`,
        opcode: InsnClass.LDX | Mode.MEM | s.size,
        syntax: `{dst} = *(u${bits} *)({src}{off})`,
      }),
    );
    if (s.bytes !== 8) {
      rows.push(
        row({
          ...load,
          name: `ldxs${s.suffix}`,
          opcode: InsnClass.LDX | Mode.MEMSX | s.size,
          memSize: s.bytes,
          extBits: bits as 8 | 16 | 32,
          syntax: `{dst} = *(s${bits} *)({src}{off})`,
          isa: 4,
        }),
      );
    }
    // `st` stores an imm, `stx` a register.
    rows.push(
      ...sourceRows((o) => ({
        ...mem,
        name: `${o.source === "imm" ? "st" : "stx"}${s.suffix}`,
        opcode: (o.source === "imm" ? InsnClass.ST : InsnClass.STX) | Mode.MEM | s.size,
        kind: o.source === "imm" ? "st" : "stx",
        op: "store",
        fields: o.source === "imm" ? ["dst", "off", "imm"] : ["dst", "src", "off"],
        syntax: `*(u${bits} *)({dst}{off}) = ${o.text}`,
      })),
    );
  }
  for (const width of [32, 64] as const) {
    for (const a of ATOMIC_OPS) {
      rows.push(
        row({
          name: `${a.op}${width}`,
          opcode: InsnClass.STX | Mode.ATOMIC | (width === 32 ? Size.W : Size.DW),
          immMatch: a.imm,
          kind: "atomic",
          op: a.op,
          source: "reg",
          width,
          memSize: width === 32 ? 4 : 8,
          fields: ["dst", "src", "off", "imm"],
          mnemonic: `${a.ubpf}${width === 32 ? "32" : ""}`,
          syntax: a.syntax(width),
          // Plain atomic add is the classic `xadd` of v1; the rest arrived with v3 (kernel 5.12).
          isa: a.op === "atomic_add" ? 1 : 3,
          group: width === 32 ? "atomic32" : "atomic64",
        }),
      );
    }
  }
  for (const s of SIZES) {
    if (s.bytes === 8) continue; // the kernel never had an 8-byte packet load
    const packet = { memSize: s.bytes, group: "packet" } as const;
    rows.push(
      row({
        ...packet,
        name: `ldabs${s.suffix}`,
        opcode: InsnClass.LD | Mode.ABS | s.size,
        kind: "ldabs",
        source: "imm",
        fields: ["imm"],
        syntax: `r0 = *(u${s.bytes * 8} *)skb[{imm}]`,
      }),
      row({
        ...packet,
        name: `ldind${s.suffix}`,
        opcode: InsnClass.LD | Mode.IND | s.size,
        kind: "ldind",
        source: "reg",
        fields: ["src", "imm"],
        syntax: `r0 = *(u${s.bytes * 8} *)skb[{src}{immoff}]`,
      }),
    );
  }
  return rows;
}

function jumpRows(): Row[] {
  const rows: Row[] = [];
  for (const width of [64, 32] as const) {
    const cls = width === 32 ? InsnClass.JMP32 : InsnClass.JMP;
    const sfx = width === 32 ? "32" : "";
    for (const j of JMP_OPS) {
      rows.push(
        ...sourceRows((o) => ({
          name: `${j.op}${width}_${o.source}`,
          opcode: j.code | o.bit | cls,
          kind: "jcond",
          op: j.op,
          width,
          fields: o.source === "imm" ? ["dst", "off", "imm"] : ["dst", "src", "off"],
          mnemonic: `${j.op}${sfx}`,
          syntax: `if {dst} ${j.sym} ${o.text} goto {target}`,
          isa: width === 32 ? 3 : j.isa,
        })),
      );
    }
  }
  rows.push(
    row({
      name: "ja",
      opcode: JmpCode.JA | InsnClass.JMP,
      kind: "ja",
      fields: ["off"],
      syntax: "goto {target}",
      group: "base32",
    }),
    row({
      name: "ja32",
      opcode: JmpCode.JA | InsnClass.JMP32,
      kind: "ja",
      source: "imm",
      width: 32,
      fields: ["imm"],
      syntax: "gotol {target}",
      isa: 4,
    }),
  );
  const calls: { op: InsnOp; src: number; syntax: string; mnemonic: string }[] = [
    { op: "call_helper", src: CallSrc.HELPER, syntax: "call {imm}", mnemonic: "call" },
    { op: "call_local", src: CallSrc.LOCAL, syntax: "call {pctarget}", mnemonic: "call local" },
    { op: "call_kfunc", src: CallSrc.KFUNC, syntax: "call kfunc {imm}", mnemonic: "call kfunc" },
  ];
  for (const c of calls) {
    rows.push(
      row({
        name: c.op,
        opcode: JmpCode.CALL | Source.K | InsnClass.JMP,
        srcMatch: c.src,
        kind: "call",
        op: c.op,
        source: "imm",
        fields: ["src", "imm"],
        mnemonic: c.mnemonic,
        syntax: c.syntax,
        group: "base32",
      }),
    );
  }
  rows.push(
    // ubpf's callx (not in RFC 9669): the register named by dst holds a helper number. LLVM encodes
    // its `callx rN` the same way (register in the dst field, imm 0).
    row({
      name: "callx",
      opcode: JmpCode.CALL | Source.X | InsnClass.JMP,
      kind: "callx",
      source: "reg",
      syntax: "callx {dst}",
      group: "callx",
    }),
    row({
      name: "exit",
      opcode: JmpCode.EXIT | InsnClass.JMP,
      kind: "exit",
      fields: [],
      syntax: "exit",
      group: "base32",
    }),
  );
  return rows;
}

/** Every instruction variant, indexed by `id`. */
export const INSNS: readonly InsnSpec[] = Object.freeze(
  [...aluRows(), ...memoryRows(), ...jumpRows()].map((r, id) => Object.freeze({ id, ...r })),
);

/** Rows by name (`add64_reg`, `ldxw`, ...). */
export const INSN_BY_NAME: ReadonlyMap<string, InsnSpec> = new Map(INSNS.map((s) => [s.name, s]));

/** Rows sharing each opcode byte, in table order; the decoder picks among them by src/off/imm. */
export const INSNS_BY_OPCODE: readonly (readonly InsnSpec[])[] = (() => {
  const out: InsnSpec[][] = Array.from({ length: 256 }, () => []);
  for (const s of INSNS) out[s.opcode]!.push(s);
  return out;
})();

/** Looks up a row by name; throws for a name that is not in the table (a programming error). */
export function insnSpec(name: string): InsnSpec {
  const s = INSN_BY_NAME.get(name);
  if (!s) throw new Error(`no instruction named ${name}`);
  return s;
}
