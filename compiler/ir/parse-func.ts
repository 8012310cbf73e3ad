/**
 * Function bodies of the IR text: the `func @name(...) -> ... {` header, stack slots, blocks with
 * their parameters, and instructions, into a `Func`.
 *
 * Consumes the lines of one function (from its header to its closing `}`); produces the `Func` with
 * value and block numbers exactly as written (gaps filled with dead placeholders outside the layout)
 * and instruction ids assigned in layout order. Name resolution (undefined values, blocks) is checked
 * here; semantic invariants are the verifier's job.
 */
import type {
  Block,
  BlockCall,
  BlockId,
  Func,
  Inst,
  InstData,
  InstId,
  IrType,
  Span,
  StackSlot,
  Value,
  ValueId,
} from "./types.ts";
import { parseInstData } from "./parse-inst.ts";
import { IrParseError, Line, irType, lex, numbered } from "./parse-line.ts";
import { defaultSpan } from "./print.ts";

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

/** Parses lines `start` (the header) to `end` (the closing brace) as one function. */
export function parseFuncLines(
  lines: string[],
  start: number,
  end: number,
  moduleFile?: string,
): Func {
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
    d.op === "coreconst" ||
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
