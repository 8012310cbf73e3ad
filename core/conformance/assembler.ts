/**
 * Assembler for the bpf_conformance / ubpf test syntax, driven by the instruction table's `mnemonic`.
 *
 * Consumes assembly lines (`mov32 %r0, 0`, `ldxw %r0, [%r1+4]`, `stw [%r1+4], 5`, `jeq %r1, 0, +2`,
 * `ja32 label`, `lddw %r0, 0x...`, `call 5`, `call local func1`, `call %r2`, `lock fetch add32
 * [%r10-4], %r1`, `movsx832 %r0, %r1`, `be16 %r0`, `exit`, `label:`); produces `Insn[]` (core/isa).
 *
 * The mnemonic (one to three words) selects table rows; the operand kinds (register or immediate)
 * select the row's `source`; the row's `kind` decides the operand shape. Aliases of the suite's
 * assembler: a `64` suffix on ALU mnemonics, `swapN` for `bswapN`, `call %rN` for `callx`,
 * `call runtime N` for a kfunc call. Labels count slots (lddw takes two); as upstream, the first
 * `exit` also defines the label `exit` unless the program defines it.
 *
 * Invariants: every user mistake is an `AsmError` naming the line; immediates are range-checked
 * (32-bit: signed decimal or unsigned hex; offsets 16-bit) rather than silently truncated.
 */
import { INSNS, makeInsn, splitImm64 } from "../isa/index.ts";
import type { Insn, InsnKind, InsnSpec } from "../isa/index.ts";

/** A mistake in assembly source. */
export class AsmError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "AsmError";
  }
}

/** One source line to assemble. */
export interface AsmLine {
  readonly text: string;
  readonly line: number;
}

const BY_MNEMONIC: ReadonlyMap<string, readonly InsnSpec[]> = (() => {
  const m = new Map<string, InsnSpec[]>();
  for (const s of INSNS) m.set(s.mnemonic, [...(m.get(s.mnemonic) ?? []), s]);
  return m;
})();

/** Maps the suite's alternative spellings to table mnemonics. */
function canonicalMnemonic(m: string): string {
  if (BY_MNEMONIC.has(m)) return m;
  const swap = /^swap(16|32|64)$/.exec(m);
  if (swap) return `bswap${swap[1]}`;
  if (m === "call runtime") return "call kfunc";
  if (m.endsWith("64")) {
    const base = m.slice(0, -2);
    const rows = BY_MNEMONIC.get(base);
    if (rows?.some((r) => r.kind === "alu" || r.kind === "neg" || r.kind === "mov")) return base;
  }
  return m;
}

function parseRegister(t: string, line: number): number {
  const m = /^%?r(\d+)$/.exec(t);
  if (!m || Number(m[1]) > 15)
    throw new AsmError(`expected a register (%r0–%r10), got "${t}"`, line);
  return Number(m[1]);
}

const isRegister = (t: string) => /^%?r\d+$/.test(t);

function parseInteger(t: string, line: number): bigint {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(t);
  if (!m) throw new AsmError(`expected a number, got "${t}"`, line);
  const v = BigInt(m[2]!);
  return m[1] === "-" ? -v : v;
}

/** A 32-bit immediate: signed decimal, or hex up to 0xffffffff (taken as its bit pattern). */
function parseImm32(t: string, line: number): number {
  const v = parseInteger(t, line);
  const hex = /0x/i.test(t);
  const ok = hex ? v >= -0x80000000n && v <= 0xffffffffn : v >= -0x80000000n && v <= 0x7fffffffn;
  if (!ok) throw new AsmError(`immediate ${t} does not fit in 32 bits`, line);
  return Number(BigInt.asIntN(32, v));
}

function parseOffset(t: string, line: number): number {
  const v = parseInteger(t, line);
  if (v < -0x8000n || v > 0xffffn || (!/0x/i.test(t) && v > 0x7fffn)) {
    throw new AsmError(`offset ${t} does not fit in 16 bits`, line);
  }
  return Number(BigInt.asIntN(16, v));
}

/** `[%r1+4]`, `[%r10-8]`, `[%r2]` → register and offset. */
function parseMemory(t: string, line: number): { reg: number; off: number } {
  const m = /^\[\s*(%?r\d+)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?\s*\]$/i.exec(t);
  if (!m) throw new AsmError(`expected a memory operand like [%r1+4], got "${t}"`, line);
  return { reg: parseRegister(m[1]!, line), off: m[2] ? parseOffset(`${m[2]}${m[3]}`, line) : 0 };
}

/** A jump target: `+N` / `-N` (relative slots) or a label resolved after the first pass. */
type Target = { rel: number } | { label: string };

function parseTarget(t: string, line: number): Target {
  if (/^[+-]/.test(t)) return { rel: Number(parseInteger(t, line)) };
  if (!/^[A-Za-z_.][\w.]*$/.test(t))
    throw new AsmError(`expected a label or +N/-N, got "${t}"`, line);
  return { label: t };
}

interface Pending {
  readonly spec: InsnSpec;
  readonly fields: { dst?: number; src?: number; off?: number; imm?: number; imm2?: number };
  /** A label whose slot distance goes into `off` (jumps) or `imm` (ja32, call local). */
  readonly target: Target | null;
  readonly line: number;
}

type Shape = (ops: string[], line: number) => Omit<Pending, "spec" | "line">;

const need = (ops: string[], n: number, what: string, line: number) => {
  if (ops.length !== n) {
    throw new AsmError(
      `expected ${n} operand${n === 1 ? "" : "s"} (${what}), got ${ops.length}`,
      line,
    );
  }
};

/** Operand shape of each instruction kind. */
const SHAPES: Readonly<Record<InsnKind, Shape>> = {
  alu: (o, l) => (need(o, 2, "dst, src", l), dstSrc(o, l)),
  mov: (o, l) => (need(o, 2, "dst, src", l), dstSrc(o, l)),
  movsx: (o, l) => (need(o, 2, "dst, src", l), dstSrc(o, l)),
  neg: (o, l) => (need(o, 1, "dst", l), { fields: { dst: parseRegister(o[0]!, l) }, target: null }),
  end: (o, l) => (need(o, 1, "dst", l), { fields: { dst: parseRegister(o[0]!, l) }, target: null }),
  lddw: (o, l) => {
    need(o, 2, "dst, imm64", l);
    const v = parseInteger(o[1]!, l);
    if (v < -(1n << 63n) || v > 0xffffffffffffffffn) {
      throw new AsmError(`immediate ${o[1]} does not fit in 64 bits`, l);
    }
    return { fields: { dst: parseRegister(o[0]!, l), ...splitImm64(v) }, target: null };
  },
  ldx: (o, l) => {
    need(o, 2, "dst, [src+off]", l);
    const m = parseMemory(o[1]!, l);
    return { fields: { dst: parseRegister(o[0]!, l), src: m.reg, off: m.off }, target: null };
  },
  st: (o, l) => {
    need(o, 2, "[dst+off], imm", l);
    const m = parseMemory(o[0]!, l);
    return { fields: { dst: m.reg, off: m.off, imm: parseImm32(o[1]!, l) }, target: null };
  },
  stx: (o, l) => memSrc(o, l),
  atomic: (o, l) => memSrc(o, l),
  ldabs: (o, l) => (need(o, 1, "imm", l), { fields: { imm: parseImm32(o[0]!, l) }, target: null }),
  ldind: (o, l) => {
    need(o, 2, "src, imm", l);
    return { fields: { src: parseRegister(o[0]!, l), imm: parseImm32(o[1]!, l) }, target: null };
  },
  jcond: (o, l) => {
    need(o, 3, "dst, src, target", l);
    const { fields } = dstSrc(o, l);
    return { fields, target: parseTarget(o[2]!, l) };
  },
  ja: (o, l) => (need(o, 1, "target", l), { fields: {}, target: parseTarget(o[0]!, l) }),
  call: (o, l) => {
    need(o, 1, "target", l);
    if (/^(0x[0-9a-f]+|\d+)$/i.test(o[0]!)) {
      return { fields: { imm: parseImm32(o[0]!, l) }, target: null };
    }
    return { fields: {}, target: parseTarget(o[0]!, l) };
  },
  callx: (o, l) => (
    need(o, 1, "register", l),
    { fields: { dst: parseRegister(o[0]!, l) }, target: null }
  ),
  exit: (o, l) => (need(o, 0, "none", l), { fields: {}, target: null }),
};

function dstSrc(o: string[], l: number): Omit<Pending, "spec" | "line"> {
  const dst = parseRegister(o[0]!, l);
  const s = o[1]!;
  return {
    fields: isRegister(s) ? { dst, src: parseRegister(s, l) } : { dst, imm: parseImm32(s, l) },
    target: null,
  };
}

function memSrc(o: string[], l: number): Omit<Pending, "spec" | "line"> {
  need(o, 2, "[dst+off], src", l);
  const m = parseMemory(o[0]!, l);
  return { fields: { dst: m.reg, off: m.off, src: parseRegister(o[1]!, l) }, target: null };
}

/** Splits a line into words: mnemonic words first, then operands (commas are separators). */
function tokenize(text: string): string[] {
  // Keep `[%r1 + 4]` in one piece, then split on commas / whitespace.
  const squashed = text.replace(/\[[^\]]*\]/g, (m) => m.replace(/\s+/g, ""));
  return squashed.split(/[\s,]+/).filter((t) => t !== "");
}

/** Picks the row for a mnemonic and its operands; returns the operands that remain. */
function selectRow(words: string[], line: number): { spec: InsnSpec; ops: string[] } {
  for (const n of [3, 2, 1]) {
    if (words.length < n) continue;
    const name = canonicalMnemonic(words.slice(0, n).join(" "));
    const rows = BY_MNEMONIC.get(name);
    if (!rows) continue;
    const ops = words.slice(n);
    if (name === "call" && ops.length === 1 && isRegister(ops[0]!)) {
      return { spec: BY_MNEMONIC.get("callx")![0]!, ops };
    }
    const kinds = ops.map((t) => (isRegister(t) ? "reg" : "imm"));
    // Rows with a reg/imm choice take it from the last operand that is not a target or memory.
    const pick =
      rows.length === 1
        ? rows[0]!
        : rows.find((r) => {
            const key = r.kind === "jcond" ? kinds[1] : kinds[kinds.length - 1];
            return r.source === key;
          });
    if (!pick) throw new AsmError(`no form of ${name} takes operands ${ops.join(", ")}`, line);
    return { spec: pick, ops };
  }
  throw new AsmError(`unknown mnemonic "${words.slice(0, 2).join(" ")}"`, line);
}

/** Assembles lines of the suite's syntax into instructions. */
export function assemble(lines: readonly AsmLine[]): Insn[] {
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  let slot = 0;
  let firstExit: number | null = null;
  for (const { text, line } of lines) {
    const code = text.replace(/[#;].*$/, "").trim();
    if (code === "") continue;
    const label = /^([A-Za-z_.][\w.]*):$/.exec(code);
    if (label) {
      if (labels.has(label[1]!)) throw new AsmError(`duplicate label "${label[1]}"`, line);
      labels.set(label[1]!, slot);
      continue;
    }
    const words = tokenize(code);
    const { spec, ops } = selectRow(words, line);
    const shaped = SHAPES[spec.kind](ops, line);
    if (spec.kind === "exit" && firstExit === null) firstExit = slot;
    pending.push({ spec, line, ...shaped });
    slot += spec.kind === "lddw" ? 2 : 1;
  }
  if (firstExit !== null && !labels.has("exit")) labels.set("exit", firstExit);
  const out: Insn[] = [];
  slot = 0;
  for (const p of pending) {
    const fields = { ...p.fields };
    if (p.target) {
      let rel: number;
      if ("rel" in p.target) rel = p.target.rel;
      else {
        const at = labels.get(p.target.label);
        if (at === undefined) throw new AsmError(`undefined label "${p.target.label}"`, p.line);
        rel = at - slot - 1;
      }
      const inImm = p.spec.kind === "call" || (p.spec.kind === "ja" && p.spec.source === "imm");
      if (inImm) fields.imm = rel;
      else {
        if (rel < -0x8000 || rel > 0x7fff) {
          throw new AsmError(`jump distance ${rel} does not fit in 16 bits (use ja32)`, p.line);
        }
        fields.off = rel;
      }
    }
    out.push(makeInsn(p.spec, fields));
    slot += p.spec.kind === "lddw" ? 2 : 1;
  }
  return out;
}

/** Assembles a multi-line string (line numbers from 1). */
export function assembleText(text: string): Insn[] {
  return assemble(text.split("\n").map((t, i) => ({ text: t, line: i + 1 })));
}
