/**
 * The IR parser: text (compiler/ir/README.md syntax, as printed by compiler/ir/print.ts) → `Module`.
 *
 * Consumes text, produces plain IR records; malformed text raises `IrParseError` with a line and
 * column. Value and block numbers are kept exactly as written so that printing the result gives the
 * same text back; numbers skipped in the text are filled with dead placeholders outside the layout
 * (a `const 0` instruction that no block lists, an empty block absent from the layout). Instruction
 * ids are not part of the text: they are assigned in layout order.
 *
 * The parser checks syntax and name resolution only (undefined values, blocks, slots); semantic
 * invariants are the verifier's job (compiler/ir/verify.ts).
 */
import type {
  AtomicOp,
  BinaryOp,
  Block,
  BlockCall,
  BlockId,
  Cond,
  Func,
  GlobalDecl,
  Inst,
  InstData,
  InstId,
  IrType,
  MapDecl,
  Module,
  SourceType,
  Span,
  StackSlot,
  Value,
  ValueId,
} from "./types.ts";
import { defaultSpan } from "./print.ts";

/** A syntax error in IR text, with its 1-based position. */
export class IrParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`${line}:${col}: ${message}`);
    this.name = "IrParseError";
  }
}

const IR_TYPES: ReadonlySet<string> = new Set(["i1", "i8", "i16", "i32", "i64", "ptr"]);
const BINOPS: ReadonlySet<string> = new Set([
  "add",
  "sub",
  "mul",
  "udiv",
  "sdiv",
  "urem",
  "srem",
  "and",
  "or",
  "xor",
  "shl",
  "lshr",
  "ashr",
]);
const CONDS: ReadonlySet<string> = new Set([
  "eq",
  "ne",
  "ult",
  "ule",
  "ugt",
  "uge",
  "slt",
  "sle",
  "sgt",
  "sge",
]);
const ATOMICS: ReadonlySet<string> = new Set(["add", "or", "and", "xor", "xchg"]);

type Tok = { kind: "word" | "num" | "str" | "punct"; text: string; col: number };

/** Splits one line into tokens; `;` starts a comment. */
function lex(line: string, lineNo: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === ";") {
      break; // comment to end of line
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (j >= line.length) throw new IrParseError("unterminated string", lineNo, i + 1);
      toks.push({ kind: "str", text: line.slice(i, j + 1), col: i + 1 });
      i = j + 1;
    } else if (c === "-" && line[i + 1] === ">") {
      toks.push({ kind: "punct", text: "->", col: i + 1 });
      i += 2;
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(line[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < line.length && /[0-9a-fA-Fx]/.test(line[j]!)) j++;
      toks.push({ kind: "num", text: line.slice(i, j), col: i + 1 });
      i = j;
    } else if (/[A-Za-z_$.]/.test(c)) {
      let j = i + 1;
      while (j < line.length && /[A-Za-z0-9_$.#]/.test(line[j]!)) j++;
      toks.push({ kind: "word", text: line.slice(i, j), col: i + 1 });
      i = j;
    } else if ("(){},:=!@-+".includes(c)) {
      toks.push({ kind: "punct", text: c, col: i + 1 });
      i++;
    } else {
      throw new IrParseError(`unexpected character '${c}'`, lineNo, i + 1);
    }
  }
  return toks;
}

/** A cursor over one line's tokens. */
class Line {
  private i = 0;
  constructor(
    readonly toks: Tok[],
    readonly lineNo: number,
    readonly width: number,
  ) {}
  get done(): boolean {
    return this.i >= this.toks.length;
  }
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  /** Fails at the token just consumed. */
  failPrev(message: string): never {
    const t = this.toks[Math.max(0, this.i - 1)];
    throw new IrParseError(message, this.lineNo, t ? t.col : 1);
  }
  fail(message: string): never {
    const t = this.toks[this.i];
    throw new IrParseError(message, this.lineNo, t ? t.col : this.width + 1);
  }
  next(what: string): Tok {
    const t = this.toks[this.i];
    if (t === undefined) this.fail(`expected ${what}, found end of line`);
    this.i++;
    return t;
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === "punct" && t.text === p;
  }
  isWord(w: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === "word" && t.text === w;
  }
  eat(p: string): boolean {
    if (this.isPunct(p) || this.isWord(p)) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(p: string): void {
    if (!this.eat(p)) this.fail(`expected '${p}'`);
  }
  word(what = "a name"): string {
    const t = this.peek();
    if (t?.kind !== "word") this.fail(`expected ${what}`);
    this.i++;
    return t.text;
  }
  str(): string {
    const t = this.peek();
    if (t?.kind !== "str") this.fail("expected a string");
    this.i++;
    try {
      return JSON.parse(t.text) as string;
    } catch {
      return this.fail("malformed string");
    }
  }
  bigint(): bigint {
    const t = this.peek();
    if (t?.kind !== "num") this.fail("expected a number");
    this.i++;
    try {
      return t.text.startsWith("-") ? -BigInt(t.text.slice(1)) : BigInt(t.text);
    } catch {
      return this.fail(`malformed number '${t.text}'`);
    }
  }
  int(): number {
    const b = this.bigint();
    if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail("number too large");
    }
    return Number(b);
  }
  end(): void {
    if (!this.done) this.fail(`unexpected '${this.peek()!.text}'`);
  }
  /** A `!"file":l:c` or `!l:c` span suffix, if present. */
  span(file: string): Span | null {
    if (!this.eat("!")) return null;
    let f = file;
    if (this.peek()?.kind === "str") {
      f = this.str();
      this.expect(":");
    }
    const line = this.int();
    this.expect(":");
    const col = this.int();
    return { file: f, line, col };
  }
}

function numbered(text: string, prefix: string, l: Line): number {
  if (!text.startsWith(prefix) || !/^[0-9]+$/.test(text.slice(prefix.length))) {
    l.fail(`expected ${prefix}<number>, found '${text}'`);
  }
  return Number(text.slice(prefix.length));
}

function irType(l: Line): IrType {
  const w = l.word("a type");
  if (!IR_TYPES.has(w)) l.failPrev(`unknown type '${w}'`);
  return w as IrType;
}

/** Parses a whole module. */
export function parseModule(text: string): Module {
  const lines = text.split("\n");
  let source = "";
  let license = "";
  const types: SourceType[] = [];
  const maps: MapDecl[] = [];
  const globals: GlobalDecl[] = [];
  const functions: Func[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    const l = new Line(lex(raw, i + 1), i + 1, raw.length);
    i++;
    if (l.done) continue;
    const kw = l.word("a declaration keyword");
    if (kw === "module") source = l.str();
    else if (kw === "license") license = l.str();
    else if (kw === "type") types.push(parseTypeDecl(l, types.length));
    else if (kw === "map") maps.push(parseMapDecl(l, source));
    else if (kw === "global") globals.push(parseGlobalDecl(l, source));
    else if (kw === "func") {
      const start = i - 1;
      let end = start;
      while (end < lines.length && lines[end]!.trim() !== "}") end++;
      if (end >= lines.length) throw new IrParseError("function without closing '}'", i, 1);
      functions.push(parseFuncLines(lines, start, end, source));
      i = end + 1;
      continue;
    } else l.fail(`unknown declaration '${kw}'`);
    l.end();
  }
  return { source, functions, maps, globals, types, license };
}

function typeRefOf(l: Line): number | null {
  if (l.eat("-")) return null;
  return numbered(l.word("a type reference"), "t", l);
}

function parseTypeDecl(l: Line, index: number): SourceType {
  if (numbered(l.word(), "t", l) !== index) l.fail(`types must be numbered in order (t${index})`);
  l.expect("=");
  const kind = l.word("a type kind");
  switch (kind) {
    case "int": {
      const name = l.str();
      const bits = l.int();
      if (![8, 16, 32, 64].includes(bits)) l.fail("int bits must be 8, 16, 32 or 64");
      const sign = l.word();
      return { kind: "int", name, bits: bits as 8 | 16 | 32 | 64, signed: sign === "signed" };
    }
    case "bool":
      return { kind: "bool" };
    case "array": {
      const element = typeRefOf(l);
      if (element === null) l.fail("array element type required");
      return { kind: "array", element, length: l.int() };
    }
    case "ptr":
      return { kind: "ptr", target: l.eat("void") ? null : typeRefOf(l) };
    case "struct": {
      const name = l.str();
      l.expect("size");
      const size = l.int();
      l.expect("align");
      const align = l.int();
      l.expect("{");
      const fields: { name: string; type: number; offset: number }[] = [];
      while (!l.eat("}")) {
        if (fields.length > 0) l.expect(",");
        const fname = l.str();
        const type = typeRefOf(l);
        if (type === null) l.fail("field type required");
        fields.push({ name: fname, type, offset: l.int() });
      }
      return { kind: "struct", name, size, align, fields };
    }
    default:
      return l.fail(`unknown type kind '${kind}'`);
  }
}

function parseMapDecl(l: Line, file: string): MapDecl {
  l.expect("@");
  const name = l.word();
  const kind = l.word("a map kind");
  l.expect("key");
  const keySize = l.int();
  l.expect("value");
  const valueSize = l.int();
  l.expect("max");
  const maxEntries = l.int();
  l.expect("flags");
  const flags = l.int();
  l.expect("ktype");
  const keyType = typeRefOf(l);
  l.expect("vtype");
  const valueType = typeRefOf(l);
  const span = l.span(file) ?? defaultSpan(file);
  return { name, kind, keySize, valueSize, maxEntries, flags, keyType, valueType, span };
}

function parseGlobalDecl(l: Line, file: string): GlobalDecl {
  l.expect("@");
  const name = l.word();
  const section = l.word("a section");
  if (section !== ".bss" && section !== ".data" && section !== ".rodata") {
    l.fail(`unknown global section '${section}'`);
  }
  l.expect("size");
  const size = l.int();
  l.expect("align");
  const align = l.int();
  l.expect("type");
  const type = typeRefOf(l);
  let init = new Uint8Array(size);
  if (l.eat("init")) {
    const t = l.next("hex bytes");
    const hex = t.text;
    if (!/^([0-9a-f]{2})*$/.test(hex) || hex.length !== size * 2) {
      l.fail(`init must be ${size} bytes of lowercase hex`);
    }
    init = new Uint8Array(Buffer.from(hex, "hex"));
  }
  const span = l.span(file) ?? defaultSpan(file);
  return { name, section, size, align, init, type, span };
}

/** Parses a single function from text (as printed by `printFunc`). */
export function parseFunc(text: string, moduleFile?: string): Func {
  const lines = text.split("\n");
  let start = 0;
  while (start < lines.length && lex(lines[start]!, start + 1).length === 0) start++;
  let end = lines.length - 1;
  while (end > start && lines[end]!.trim() !== "}") end--;
  if (start >= lines.length || end <= start) throw new IrParseError("expected a function", 1, 1);
  return parseFuncLines(lines, start, end, moduleFile);
}

interface PendingInst {
  data: InstData;
  result: ValueId | null;
  resultType: IrType | null;
  name?: string;
  span: Span;
  line: Line;
}

function parseFuncLines(lines: string[], start: number, end: number, moduleFile?: string): Func {
  const head = new Line(lex(lines[start]!, start + 1), start + 1, lines[start]!.length);
  head.expect("func");
  head.expect("@");
  const name = head.word();
  head.expect("(");
  const params: IrType[] = [];
  while (!head.eat(")")) {
    if (params.length > 0) head.expect(",");
    params.push(irType(head));
  }
  head.expect("->");
  const returns: IrType | null = head.eat("void") ? null : irType(head);
  const section = head.eat("section") ? head.str() : null;
  const proto = head.eat("proto") ? head.str() : undefined;
  const file = moduleFile ?? "";
  const span = head.span(file) ?? defaultSpan(file);
  head.expect("{");
  head.end();

  const values = new Map<number, Value>();
  const blockParams = new Map<number, ValueId[]>();
  const layoutOrder: { block: BlockId; insts: PendingInst[] }[] = [];
  const slots: StackSlot[] = [];
  let current: { block: BlockId; insts: PendingInst[] } | null = null;

  const defineValue = (l: Line, id: number, v: Value): void => {
    if (values.has(id)) l.fail(`value v${id} defined twice`);
    values.set(id, v);
  };
  /** `v3.name:i64` → [id, name, type] */
  const valueDef = (l: Line): { id: number; name?: string; type: IrType } => {
    const w = l.word("a value");
    const dot = w.indexOf(".");
    const id = numbered(dot < 0 ? w : w.slice(0, dot), "v", l);
    l.expect(":");
    const type = irType(l);
    return dot < 0 ? { id, type } : { id, name: w.slice(dot + 1), type };
  };

  for (let n = start + 1; n < end; n++) {
    const raw = lines[n]!;
    const l = new Line(lex(raw, n + 1), n + 1, raw.length);
    if (l.done) continue;
    if (l.isWord("slot")) {
      l.next("slot");
      if (numbered(l.word(), "s", l) !== slots.length) l.fail(`slots must be numbered in order`);
      l.expect("size");
      const size = l.int();
      l.expect("align");
      const align = l.int();
      if (![1, 2, 4, 8].includes(align)) l.fail("slot align must be 1, 2, 4 or 8");
      const slotName = l.peek()?.kind === "str" ? l.str() : undefined;
      l.end();
      slots.push({ size, align: align as 1 | 2 | 4 | 8, ...(slotName ? { name: slotName } : {}) });
      continue;
    }
    const first = l.peek()!;
    if (first.kind === "word" && /^b[0-9]+$/.test(first.text) && l.toks.at(-1)?.text === ":") {
      const block = numbered(l.word(), "b", l) as BlockId;
      if (blockParams.has(block)) l.fail(`block b${block} defined twice`);
      const ps: ValueId[] = [];
      if (l.eat("(")) {
        while (!l.eat(")")) {
          if (ps.length > 0) l.expect(",");
          const d = valueDef(l);
          defineValue(l, d.id, {
            type: d.type,
            def: { kind: "param", block, index: ps.length },
            ...(d.name !== undefined ? { name: d.name } : {}),
          });
          ps.push(d.id as ValueId);
        }
      }
      l.expect(":");
      l.end();
      blockParams.set(block, ps);
      current = { block, insts: [] };
      layoutOrder.push(current);
      continue;
    }
    if (current === null) return l.fail("instruction outside a block");
    let result: ValueId | null = null;
    let resultType: IrType | null = null;
    let resultName: string | undefined;
    if (first.kind === "word" && /^v[0-9]+/.test(first.text) && l.toks[1]?.text === ":") {
      const d = valueDef(l);
      result = d.id as ValueId;
      resultType = d.type;
      resultName = d.name;
      l.expect("=");
    }
    const data = parseInstData(l, slots.length);
    const ispan = l.span(span.file) ?? span;
    l.end();
    current.insts.push({ data, result, resultType, name: resultName, span: ispan, line: l });
  }

  // Assign instruction ids in layout order, then fill value and block gaps with dead placeholders.
  const insts: Inst[] = [];
  const layout: { block: BlockId; insts: InstId[] }[] = [];
  for (const b of layoutOrder) {
    const ids: InstId[] = [];
    for (const p of b.insts) {
      const id = insts.length as InstId;
      if (p.result !== null) {
        defineValue(p.line, p.result, {
          type: p.resultType!,
          def: { kind: "inst", inst: id },
          ...(p.name !== undefined ? { name: p.name } : {}),
        });
      }
      insts.push({ data: withResultType(p.data, p.resultType), result: p.result, span: p.span });
      ids.push(id);
    }
    layout.push({ block: b.block, insts: ids });
  }
  const maxValue = Math.max(-1, ...values.keys());
  const valueList: Value[] = [];
  for (let id = 0; id <= maxValue; id++) {
    let v = values.get(id);
    if (v === undefined) {
      const inst = insts.length as InstId;
      insts.push({ data: { op: "const", type: "i64", value: 0n }, result: id as ValueId, span });
      v = { type: "i64", def: { kind: "inst", inst } };
    }
    valueList.push(v);
  }
  const maxBlock = Math.max(-1, ...blockParams.keys());
  const blocks: Block[] = [];
  for (let id = 0; id <= maxBlock; id++) blocks.push({ params: blockParams.get(id) ?? [] });

  // Name resolution: every operand value and branch target must exist.
  for (const b of layoutOrder) {
    for (const p of b.insts) {
      checkRefs(p, values, blockParams);
    }
  }
  return {
    name,
    section,
    params,
    returns,
    values: valueList,
    insts,
    blocks,
    stackSlots: slots,
    layout,
    span,
    ...(proto !== undefined ? { btfProtoName: proto } : {}),
  };
}

/** const/zext/sext/trunc/load spell their type only as the result's type in the text. */
function withResultType(d: InstData, type: IrType | null): InstData {
  if (type === null) return d;
  if (
    d.op === "const" ||
    d.op === "zext" ||
    d.op === "sext" ||
    d.op === "trunc" ||
    d.op === "load"
  ) {
    return { ...d, type };
  }
  return d;
}

function checkRefs(p: PendingInst, values: Map<number, Value>, blocks: Map<number, unknown>): void {
  const d = p.data;
  const operand = (v: ValueId): void => {
    if (!values.has(v)) p.line.fail(`undefined value v${v}`);
  };
  const target = (c: BlockCall): void => {
    if (!blocks.has(c.block)) p.line.fail(`undefined block b${c.block}`);
    c.args.forEach(operand);
  };
  if (d.op === "br") target(d.target);
  else if (d.op === "condbr") {
    operand(d.cond);
    target(d.then);
    target(d.else);
  } else {
    for (const v of operandList(d)) operand(v);
  }
}

function operandList(d: InstData): ValueId[] {
  switch (d.op) {
    case "binary":
    case "icmp":
      return [d.lhs, d.rhs];
    case "select":
      return [d.cond, d.ifTrue, d.ifFalse];
    case "zext":
    case "sext":
    case "trunc":
    case "ptrtoint":
    case "inttoptr":
      return [d.arg];
    case "ptradd":
      return [d.base, d.offset];
    case "load":
      return [d.base];
    case "store":
    case "atomic":
      return [d.base, d.value];
    case "cmpxchg":
      return [d.base, d.expected, d.value];
    case "callhelper":
    case "call":
      return [...d.args];
    case "memcpy":
      return [d.dst, d.src];
    case "memset":
      return [d.dst];
    case "ret":
      return d.value === null ? [] : [d.value];
    default:
      return [];
  }
}

function valueRef(l: Line): ValueId {
  return numbered(l.word("a value"), "v", l) as ValueId;
}

function args(l: Line): ValueId[] {
  l.expect("(");
  const out: ValueId[] = [];
  while (!l.eat(")")) {
    if (out.length > 0) l.expect(",");
    out.push(valueRef(l));
  }
  return out;
}

function blockCall(l: Line): BlockCall {
  const block = numbered(l.word("a block"), "b", l) as BlockId;
  return { block, args: l.isPunct("(") ? args(l) : [] };
}

function sizeOf(l: Line, text: string, allowed: readonly number[]): number {
  const n = Number(text);
  if (!allowed.includes(n)) l.fail(`size must be one of ${allowed.join(", ")}`);
  return n;
}

function parseInstData(l: Line, slotCount: number): InstData {
  const opTok = l.word("an opcode");
  const parts = opTok.split(".");
  const op = parts[0]!;
  const comma = (): void => l.expect(",");
  if (BINOPS.has(op) && parts.length === 1) {
    const lhs = valueRef(l);
    comma();
    return { op: "binary", binop: op as BinaryOp, lhs, rhs: valueRef(l) };
  }
  switch (op) {
    case "const":
      return { op: "const", type: "i64", value: l.bigint() };
    case "icmp": {
      const cond = l.word("a condition");
      if (!CONDS.has(cond)) l.fail(`unknown condition '${cond}'`);
      const lhs = valueRef(l);
      comma();
      return { op: "icmp", cond: cond as Cond, lhs, rhs: valueRef(l) };
    }
    case "select": {
      const cond = valueRef(l);
      comma();
      const ifTrue = valueRef(l);
      comma();
      return { op: "select", cond, ifTrue, ifFalse: valueRef(l) };
    }
    case "zext":
    case "sext":
    case "trunc":
      return { op, type: "i64", arg: valueRef(l) };
    case "ptrtoint":
    case "inttoptr":
      return { op, arg: valueRef(l) };
    case "ptradd": {
      const base = valueRef(l);
      comma();
      return { op: "ptradd", base, offset: valueRef(l) };
    }
    case "load": {
      const spec = parts[1] ?? l.fail("expected load.<size> or load.s<size>");
      const signed = spec.startsWith("s");
      const size = sizeOf(l, signed ? spec.slice(1) : spec, [1, 2, 4, 8]) as 1 | 2 | 4 | 8;
      const base = valueRef(l);
      comma();
      return { op: "load", type: "i64", size, signed, base, offset: l.int() };
    }
    case "store": {
      const size = sizeOf(l, parts[1] ?? "", [1, 2, 4, 8]) as 1 | 2 | 4 | 8;
      const base = valueRef(l);
      comma();
      const offset = l.int();
      comma();
      return { op: "store", size, base, offset, value: valueRef(l) };
    }
    case "atomic": {
      const a = parts[1] ?? "";
      if (!ATOMICS.has(a)) l.fail(`unknown atomic operation '${a}'`);
      const fetch = parts[2] === "fetch";
      const size = sizeOf(l, parts[fetch ? 3 : 2] ?? "", [4, 8]) as 4 | 8;
      const base = valueRef(l);
      comma();
      const offset = l.int();
      comma();
      return { op: "atomic", atomic: a as AtomicOp, size, base, offset, value: valueRef(l), fetch };
    }
    case "cmpxchg": {
      const size = sizeOf(l, parts[1] ?? "", [4, 8]) as 4 | 8;
      const base = valueRef(l);
      comma();
      const offset = l.int();
      comma();
      const expected = valueRef(l);
      comma();
      return { op: "cmpxchg", size, base, offset, expected, value: valueRef(l) };
    }
    case "stackslot": {
      const slot = numbered(l.word("a slot"), "s", l);
      if (slot >= slotCount) l.fail(`undefined slot s${slot}`);
      return { op: "stackslot", slot };
    }
    case "mapref":
      l.expect("@");
      return { op: "mapref", map: l.word() };
    case "globaladdr": {
      l.expect("@");
      const global = l.word();
      comma();
      return { op: "globaladdr", global, offset: l.int() };
    }
    case "callhelper": {
      const w = l.word("helper#id");
      const hash = w.lastIndexOf("#");
      if (hash <= 0 || !/^[0-9]+$/.test(w.slice(hash + 1))) l.fail("expected name#id");
      return {
        op: "callhelper",
        helper: Number(w.slice(hash + 1)),
        name: w.slice(0, hash),
        args: args(l),
      };
    }
    case "call":
      l.expect("@");
      return { op: "call", callee: l.word(), args: args(l) };
    case "memcpy": {
      const dst = valueRef(l);
      comma();
      const src = valueRef(l);
      comma();
      const size = l.int();
      comma();
      l.expect("align");
      return { op: "memcpy", dst, src, size, align: l.int() };
    }
    case "memset": {
      const dst = valueRef(l);
      comma();
      const byte = l.int();
      comma();
      const size = l.int();
      comma();
      l.expect("align");
      return { op: "memset", dst, byte, size, align: l.int() };
    }
    case "br":
      return { op: "br", target: blockCall(l) };
    case "condbr": {
      const cond = valueRef(l);
      comma();
      const then = blockCall(l);
      comma();
      return { op: "condbr", cond, then, else: blockCall(l) };
    }
    case "ret": {
      const t = l.peek();
      if (t === undefined || (t.kind === "punct" && t.text === "!"))
        return { op: "ret", value: null };
      return { op: "ret", value: valueRef(l) };
    }
    case "unreachable":
      return { op: "unreachable" };
    default:
      return l.failPrev(`unknown opcode '${opTok}'`);
  }
}
