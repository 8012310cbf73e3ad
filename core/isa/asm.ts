/**
 * The assembler: text in the disassembler's syntax (llvm-objdump style, decimal or hex numbers) to
 * instructions.
 *
 * Consumes source text; produces `Insn[]` (insn.ts). There is no hand-written per-opcode parser: each
 * row's `syntax` template (syntax.ts) is compiled once into an anchored regular expression whose
 * placeholders capture loosely (any identifier for a register, any number), and the captured text is
 * then checked per placeholder, so a near miss gets a precise message ("bad register r11") instead of
 * "unknown instruction". When several rows match (`w1 += w2` matches add32 and add64), the register
 * letters decide.
 *
 * Accepted besides instructions: labels (`name:`, usable wherever a jump/call target or `func(...)`
 * goes), comments (`;`, `#`, `//`), and objdump's decorations (a leading `12:` slot number, a raw bytes
 * column, a trailing `<sym+0x10>` annotation), so `llvm-objdump -d` output can be pasted in.
 *
 * Invariant: for every valid instruction, assemble(formatInsn(i)) yields i (test/isa/roundtrip.test.ts).
 */
import type { Insn } from "./insn.ts";
import { makeInsn, splitImm64 } from "./insn.ts";
import { REG_COUNT } from "./opcode.ts";
import {
  TEMPLATES,
  hasAlu32Variant,
  parseNumber,
  pseudoByName,
  PSEUDO_SYNTAX,
  registerPrefix,
  type TemplatePart,
} from "./syntax.ts";
import { INSNS, type InsnSpec } from "./table.ts";

/** An assembler error: where (1-based line and column, optional file) and what. */
export class AsmError extends Error {
  constructor(
    /** The problem, without the location. */
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly file?: string,
  ) {
    super(`${file !== undefined ? `${file}:` : ""}${line}:${column}: ${reason}`);
    this.name = "AsmError";
  }
}

/** Assembler options. */
export interface AsmOptions {
  /** File name used in error messages (`prog.s:3:7: ...`). */
  readonly file?: string;
}

type Hole = TemplatePart & { kind: "hole" };

interface CompiledRow {
  readonly spec: InsnSpec;
  readonly regex: RegExp;
  /** Each hole with the index of its first capture group. */
  readonly holes: readonly { readonly hole: Hole; readonly group: number }[];
}

const NUM = "(?:0[xX][0-9a-fA-F]+|[0-9]+)";
const IDENT = "[A-Za-z_][A-Za-z0-9_]*";
const LABEL = "[A-Za-z_.][A-Za-z0-9_.]*";

/** Capture pattern and group count of each placeholder. */
const HOLE_PATTERNS: Readonly<Record<Hole["name"], { re: string; groups: number }>> = {
  dst: { re: `(${IDENT})`, groups: 1 },
  src: { re: `(${IDENT})`, groups: 1 },
  imm: { re: `([+-]?${NUM})`, groups: 1 },
  off: { re: `(?:\\s*([+-])\\s*(${NUM}))?`, groups: 2 },
  immoff: { re: `(?:\\s*([+-])\\s*(${NUM}))?`, groups: 2 },
  target: { re: `([+-]\\s*${NUM}|${LABEL})`, groups: 1 },
  pctarget: { re: `(pc\\s*[+-]\\s*${NUM}|${LABEL})`, groups: 1 },
  imm64: { re: `([+-]?${NUM}|${IDENT}\\s*\\([^()]*\\)(?:\\s*[+-]\\s*${NUM})?)`, groups: 1 },
};

const isWordChar = (c: string) => /[A-Za-z0-9_]/.test(c);
const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * Compiles a template: literal characters match themselves; whitespace is optional around
 * punctuation and required between two words where the template has a space.
 */
function compileRow(spec: InsnSpec): CompiledRow {
  let re = "^";
  let group = 1;
  let prevWordy: boolean | null = null; // null at the start
  let pendingSpace = false;
  const holes: { hole: Hole; group: number }[] = [];
  const separator = (nextWordy: boolean) => {
    if (prevWordy === null) return "";
    if (prevWordy && nextWordy) return pendingSpace ? "\\s+" : "";
    return "\\s*";
  };
  for (const part of TEMPLATES[spec.id]!) {
    if (part.kind === "lit") {
      for (const c of part.text) {
        if (c === " ") {
          pendingSpace = true;
          continue;
        }
        re += separator(isWordChar(c)) + escapeChar(c);
        prevWordy = isWordChar(c);
        pendingSpace = false;
      }
    } else {
      const p = HOLE_PATTERNS[part.name];
      if (part.name !== "off" && part.name !== "immoff") re += separator(true);
      re += p.re;
      holes.push({ hole: part, group });
      group += p.groups;
      prevWordy = true;
      pendingSpace = false;
    }
  }
  return { spec, regex: new RegExp(`${re}$`, "d"), holes };
}

const COMPILED: readonly CompiledRow[] = INSNS.map(compileRow);

/** A label reference waiting for the label's slot. */
interface Fixup {
  readonly label: string;
  readonly column: number;
  readonly field: "off" | "imm";
}

interface Fields {
  dst?: number;
  src?: number;
  off?: number;
  imm?: number;
  imm2?: number;
}

/** A problem found while checking one candidate row; `column` is 0-based within the line. */
interface Problem {
  readonly column: number;
  readonly message: string;
}

class CandidateError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

const fail = (column: number, message: string): never => {
  throw new CandidateError({ column, message });
};

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;

function parseSigned(text: string, column: number): bigint {
  const t = text.replace(/\s+/g, "");
  const neg = t.startsWith("-");
  const body = t.startsWith("-") || t.startsWith("+") ? t.slice(1) : t;
  const v = parseNumber(body);
  if (v === undefined) fail(column, `bad number '${text}'`);
  return neg ? -v! : v!;
}

/** Range-checks a value and returns it as a signed 32-bit number (unsigned inputs wrap). */
function toInt32(v: bigint, allowUnsigned: boolean, column: number, what: string, text: string) {
  const max = allowUnsigned ? UINT32_MAX : INT32_MAX;
  if (v < INT32_MIN || v > max) {
    const range = allowUnsigned ? "a 32-bit value" : "a signed 32-bit value";
    const hint =
      !allowUnsigned && v > INT32_MAX && v <= UINT32_MAX
        ? " (64-bit operations sign-extend their 32-bit immediate; load the constant with `rN = ... ll`)"
        : "";
    fail(column, `${what} ${text} out of range: expected ${range}${hint}`);
  }
  return Number(BigInt.asIntN(32, v));
}

function toInt16(v: bigint, column: number, what: string, text: string): number {
  if (v < -32768n || v > 32767n) {
    fail(column, `${what} ${text} out of range: expected a signed 16-bit value (-32768..32767)`);
  }
  return Number(v);
}

/** Operations whose imm is used as 32 bits wide may be written unsigned (`w1 = 0xffffffff`). */
function allowsUnsignedImm(spec: InsnSpec): boolean {
  return spec.width === 32 || (spec.kind === "st" && spec.memSize <= 4);
}

function setRegister(spec: InsnSpec, hole: Hole, text: string, column: number, f: Fields): void {
  const m = /^([rw])([0-9]+)$/.exec(text);
  if (!m) fail(column, `bad register '${text}': expected r0-r10 (w0-w10 for 32-bit operands)`);
  const num = Number(m![2]);
  if (num >= REG_COUNT) fail(column, `bad register '${text}': registers are r0-r10`);
  const want = registerPrefix(spec, hole.isAddress, false);
  const either = !hole.isAddress && hasAlu32Variant(spec);
  if (m![1] !== want && !either) {
    if (hole.isAddress) fail(column, `an address register is 64-bit: write r${num}, not ${text}`);
    const bits = want === "w" ? "32" : "64";
    fail(column, `${bits}-bit operand: write ${want}${num}, not ${text}`);
  }
  const field = hole.name as "dst" | "src";
  if (f[field] !== undefined && f[field] !== num) {
    fail(column, `expected the same register as before (${m![1]}${f[field]}), found ${text}`);
  }
  f[field] = num;
}

function setTarget(
  spec: InsnSpec,
  text: string,
  column: number,
  f: Fields,
  fixups: Fixup[],
  numberText: string | undefined,
): void {
  const field = spec.target ?? "imm";
  if (numberText === undefined) {
    fixups.push({ label: text, column, field });
    return;
  }
  const v = parseSigned(numberText, column);
  f[field] =
    field === "off"
      ? toInt16(v, column, "jump offset", text)
      : toInt32(v, false, column, "target offset", text);
}

function setImm64(spec: InsnSpec, text: string, column: number, f: Fields, fixups: Fixup[]): void {
  const pm = new RegExp(`^(${IDENT})\\s*\\(\\s*([^()]*?)\\s*\\)(?:\\s*([+-])\\s*(${NUM}))?$`).exec(
    text,
  );
  if (!pm) {
    const v = parseSigned(text, column);
    if (v < -(2n ** 63n) || v > 2n ** 64n - 1n) {
      fail(column, `constant ${text} out of range: expected a 64-bit value`);
    }
    Object.assign(f, splitImm64(v), { src: 0 });
    return;
  }
  const [, name, arg, sign, offset] = pm;
  const p = pseudoByName(name!);
  if (!p) {
    const known = PSEUDO_SYNTAX.map((s) => s.name).join(", ");
    fail(column, `unknown lddw pseudo source '${name}': expected one of ${known}`);
  }
  f.src = p!.src;
  if (p!.isPcRelative) {
    const isNum = /^[+-]/.test(arg!);
    if (!isNum && !new RegExp(`^${LABEL}$`).test(arg!)) {
      fail(column, `${name}(...) takes a pc-relative offset (+5) or a label, not '${arg}'`);
    }
    setTarget(spec, arg!, column, f, fixups, isNum ? arg : undefined);
  } else {
    f.imm = toInt32(parseSigned(arg!, column), true, column, `${name} argument`, arg!);
  }
  f.imm2 = offset
    ? toInt32(parseSigned(sign! + offset, column), true, column, "offset", offset)
    : 0;
}

/** Checks one matched row's captured operands; returns its fields or throws CandidateError. */
function interpret(row: CompiledRow, m: RegExpExecArray, base: number, fixups: Fixup[]): Fields {
  const f: Fields = {};
  const spec = row.spec;
  for (const { hole, group } of row.holes) {
    const text = m[group];
    const column = base + (m.indices?.[group]?.[0] ?? 0);
    switch (hole.name) {
      case "dst":
      case "src":
        setRegister(spec, hole, text!, column, f);
        break;
      case "imm":
        f.imm = toInt32(
          parseSigned(text!, column),
          allowsUnsignedImm(spec),
          column,
          "immediate",
          text!,
        );
        break;
      case "off":
      case "immoff": {
        if (text === undefined) {
          f[hole.name === "off" ? "off" : "imm"] = 0;
          break;
        }
        const v = parseSigned(text + m[group + 1], column);
        const shown = `${text}${m[group + 1]}`;
        if (hole.name === "off") f.off = toInt16(v, column, "offset", shown);
        else f.imm = toInt32(v, false, column, "offset", shown);
        break;
      }
      case "target":
        setTarget(spec, text!, column, f, fixups, /^[+-]/.test(text!) ? text : undefined);
        break;
      case "pctarget": {
        const num = /^pc\s*([+-].*)$/.exec(text!);
        setTarget(spec, text!, column, f, fixups, num ? num[1] : undefined);
        break;
      }
      case "imm64":
        setImm64(spec, text!, column, f, fixups);
        break;
    }
  }
  return f;
}

interface Parsed {
  readonly spec: InsnSpec;
  readonly fields: Fields;
  readonly fixups: readonly Fixup[];
}

/** Parses one instruction (already stripped of labels/comments) starting at 0-based column `base`. */
function parseInsn(body: string, base: number): Parsed | Problem {
  let best: Problem | undefined;
  for (const row of COMPILED) {
    const m = row.regex.exec(body);
    if (!m) continue;
    const fixups: Fixup[] = [];
    try {
      return { spec: row.spec, fields: interpret(row, m, base, fixups), fixups };
    } catch (e) {
      if (!(e instanceof CandidateError)) throw e;
      if (!best || e.problem.column > best.column) best = e.problem;
    }
  }
  return best ?? { column: base, message: `unknown instruction '${body}'` };
}

/** Removes a comment (`;`, `#` or `//` to the end of the line). */
function stripComment(line: string): string {
  const at = line.search(/;|#|\/\//);
  return at < 0 ? line : line.slice(0, at);
}

/**
 * Assembles a program. Throws `AsmError` (line:column and a message) for an unknown instruction, a
 * bad register, an out-of-range number, or an undefined or duplicate label.
 */
export function assemble(text: string, opts: AsmOptions = {}): Insn[] {
  const err = (line: number, col0: number, message: string) =>
    new AsmError(message, line, col0 + 1, opts.file);
  const labels = new Map<string, number>();
  const pending: { parsed: Parsed; slot: number; line: number }[] = [];
  let slot = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    let s = stripComment(raw);
    // objdump decorations: a trailing `<sym+0x8>`, a leading `  12:` and the raw bytes column.
    s = s.replace(/\s+<[^<>\s]+>\s*$/, "");
    let at = 0;
    const skip = (re: RegExp) => {
      const m = re.exec(s.slice(at));
      if (m) at += m[0].length;
      return m;
    };
    if (skip(/^\s*[0-9]+:/)) skip(/^\s*(?:[0-9a-fA-F]{2}[ \t]+)+/);
    for (
      let m = skip(/^\s*([A-Za-z_.][A-Za-z0-9_.]*)\s*:/);
      m;
      m = skip(/^\s*([A-Za-z_.][A-Za-z0-9_.]*)\s*:/)
    ) {
      const name = m[1]!;
      if (labels.has(name))
        throw err(line, at - m[0].length + m[0].indexOf(name), `duplicate label '${name}'`);
      labels.set(name, slot);
    }
    skip(/^\s*/);
    const body = s.slice(at).trimEnd();
    if (body === "") return;
    if (body.startsWith("."))
      throw err(line, at, `assembler directives are not supported: '${body}'`);
    const parsed = parseInsn(body, at);
    if (!("spec" in parsed)) throw err(line, parsed.column, parsed.message);
    pending.push({ parsed, slot, line });
    slot += parsed.spec.kind === "lddw" ? 2 : 1;
  });
  return pending.map(({ parsed, slot: here, line }) => {
    const fields = { ...parsed.fields };
    for (const fx of parsed.fixups) {
      const target = labels.get(fx.label);
      if (target === undefined) throw err(line, fx.column, `undefined label '${fx.label}'`);
      const delta = target - (here + 1);
      if (fx.field === "off" && (delta < -32768 || delta > 32767)) {
        throw err(
          line,
          fx.column,
          `label '${fx.label}' is ${delta} slots away: too far for a 16-bit jump offset (use gotol)`,
        );
      }
      fields[fx.field] = delta;
    }
    return makeInsn(parsed.spec, fields);
  });
}
