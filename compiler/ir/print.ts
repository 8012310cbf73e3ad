/**
 * The IR printer: `Module`/`Func` → the text syntax specified in compiler/ir/README.md.
 *
 * Consumes plain IR records; produces deterministic text that compiler/ir/parse.ts reads back, such
 * that `printModule(parseModule(printModule(m))) === printModule(m)` (passes are tested text-in,
 * text-out). Only blocks in the layout and instructions in their block's list are printed: entities
 * left outside the layout are dead by definition.
 *
 * Spans are abbreviated so hand-written IR stays short: an instruction's span is omitted when it
 * equals its function's span, and a file name is omitted when it equals the enclosing one.
 */
import type {
  Func,
  GlobalDecl,
  Inst,
  InstData,
  MapDecl,
  MapTemplate,
  Module,
  SourceType,
  Span,
  ValueId,
  BlockCall,
} from "./types.ts";

/** The default span of a declaration whose text gives none. */
export function defaultSpan(file: string): Span {
  return { file, line: 0, col: 0 };
}

/** Prints a whole module. */
export function printModule(m: Module): string {
  const out: string[] = [
    `module ${JSON.stringify(m.source)}`,
    `license ${JSON.stringify(m.license)}`,
  ];
  m.types.forEach((t, i) => out.push(`type t${i} = ${printSourceType(t)}`));
  for (const map of m.maps) out.push(printMap(map, m.source));
  for (const g of m.globals) out.push(printGlobal(g, m.source));
  for (const f of m.functions) out.push("", printFunc(f, m.source));
  return out.join("\n") + "\n";
}

function typeRef(t: number | null): string {
  return t === null ? "-" : `t${t}`;
}

/** ` typedef "ipv4_addr"` for a type emitted under a typedef name, else nothing. */
function typedefSuffix(name: string | undefined): string {
  return name === undefined ? "" : ` typedef ${JSON.stringify(name)}`;
}

function printSourceType(t: SourceType): string {
  switch (t.kind) {
    case "int":
      return `int ${JSON.stringify(t.name)} ${t.bits} ${t.signed ? "signed" : "unsigned"}${typedefSuffix(t.typedef)}`;
    case "bool":
      return "bool";
    case "array":
      return `array ${typeRef(t.element)} ${t.length}${typedefSuffix(t.typedef)}`;
    case "ptr":
      return `ptr ${t.target === null ? "void" : typeRef(t.target)}`;
    case "struct": {
      const fields = t.fields.map(
        (f) => `${JSON.stringify(f.name)} ${typeRef(f.type)} ${f.offset}`,
      );
      return `struct ${JSON.stringify(t.name)} size ${t.size} align ${t.align} { ${fields.join(", ")} }`;
    }
  }
}

/** Formats a declaration span suffix (` !"file":l:c`), empty for the default span. */
function declSpan(span: Span, file: string): string {
  if (span.file === file && span.line === 0 && span.col === 0) return "";
  return ` !${formatSpan(span, file)}`;
}

function formatSpan(span: Span, file: string): string {
  const prefix = span.file === file ? "" : `${JSON.stringify(span.file)}:`;
  return `${prefix}${span.line}:${span.col}`;
}

function printMap(m: MapDecl, file: string): string {
  return (
    `map @${m.name} ${mapShape(m)}${histogramText(m.histogram)}` +
    `${m.inner ? ` inner ${mapShape(m.inner)}` : ""}${valuesText(m.values)}` +
    `${m.pinning ? ` pin ${m.pinning}` : ""}${declSpan(m.span, file)}`
  );
}

/** `hash key 4 value 8 max 16 flags 0 ktype %1 vtype %2`: a map's (or inner template's) shape. */
function mapShape(m: MapTemplate): string {
  return (
    `${m.kind} key ${m.keySize} value ${m.valueSize} max ${m.maxEntries} ` +
    `flags ${m.flags} ktype ${typeRef(m.keyType)} vtype ${typeRef(m.valueType)}`
  );
}

/** ` values [@a, -, @b]`: a map's initial values, `-` for an empty slot. */
function valuesText(v: MapDecl["values"]): string {
  return v ? ` values [${v.map((n) => (n === null ? "-" : `@${n}`)).join(", ")}]` : "";
}

function histogramText(h: MapDecl["histogram"]): string {
  if (h === null) return "";
  return h.kind === "log2" ? " hist log2" : ` hist linear ${h.min} ${h.step}`;
}

function printGlobal(g: GlobalDecl, file: string): string {
  const zero = g.init.every((b) => b === 0);
  const init = zero
    ? ""
    : ` init ${Array.from(g.init, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  return (
    `global @${g.name} ${g.section} size ${g.size} align ${g.align} type ${typeRef(g.type)}` +
    `${init}${g.isStatic ? " static" : ""}${declSpan(g.span, file)}`
  );
}

/**
 * Prints one function. `moduleFile` is the module's source name (file names equal to it are
 * omitted from spans); alone, a function prints its file name in full.
 */
export function printFunc(f: Func, moduleFile = ""): string {
  const v = (id: ValueId): string => `v${id}`;
  const def = (id: ValueId): string => {
    const val = f.values[id];
    if (val === undefined) return `v${id}:?`;
    return `v${id}${val.name === undefined ? "" : "." + val.name}:${val.type}`;
  };
  const call = (c: BlockCall): string =>
    c.args.length === 0 ? `b${c.block}` : `b${c.block}(${c.args.map(v).join(", ")})`;
  const ret = f.returns === null ? "void" : f.returns;
  const section = f.section === null ? "" : ` section ${JSON.stringify(f.section)}`;
  const proto = f.btfProtoName === undefined ? "" : ` proto ${JSON.stringify(f.btfProtoName)}`;
  const lines: string[] = [
    `func @${f.name}(${f.params.join(", ")}) -> ${ret}${section}${proto}${declSpan(f.span, moduleFile)} {`,
  ];
  f.stackSlots.forEach((s, i) => {
    const name = s.name === undefined ? "" : ` ${JSON.stringify(s.name)}`;
    lines.push(`  slot s${i} size ${s.size} align ${s.align}${name}`);
  });
  for (const { block, insts } of f.layout) {
    const params = f.blocks[block]?.params ?? [];
    lines.push(params.length === 0 ? `b${block}:` : `b${block}(${params.map(def).join(", ")}):`);
    for (const instId of insts) {
      const inst = f.insts[instId];
      if (inst === undefined) {
        lines.push(`  <missing inst ${instId}>`);
        continue;
      }
      lines.push(`  ${printInst(inst, def, v, call)}${instSpan(inst, f.span)}`);
    }
  }
  lines.push("}");
  return lines.join("\n");
}

function instSpan(inst: Inst, fspan: Span): string {
  const s = inst.span;
  if (s.file === fspan.file && s.line === fspan.line && s.col === fspan.col) return "";
  return ` !${formatSpan(s, fspan.file)}`;
}

function printInst(
  inst: Inst,
  def: (id: ValueId) => string,
  v: (id: ValueId) => string,
  call: (c: BlockCall) => string,
): string {
  const body = printInstBody(inst.data, v, call);
  return inst.result === null ? body : `${def(inst.result)} = ${body}`;
}

/** Prints an instruction without its result (`add v1, v2`); exported for diagnostics. */
export function printInstBody(
  d: InstData,
  v: (id: ValueId) => string = (id) => `v${id}`,
  call: (c: BlockCall) => string = (c) =>
    c.args.length === 0 ? `b${c.block}` : `b${c.block}(${c.args.map(v).join(", ")})`,
): string {
  switch (d.op) {
    case "const":
      return `const ${d.value}`;
    case "coreconst":
      return `coreconst ${d.value}, ${d.relo.kind}, k${d.relo.typeId}, ${JSON.stringify(d.relo.access)}`;
    case "binary":
      return `${d.binop} ${v(d.lhs)}, ${v(d.rhs)}`;
    case "icmp":
      return `icmp ${d.cond} ${v(d.lhs)}, ${v(d.rhs)}`;
    case "select":
      return `select ${v(d.cond)}, ${v(d.ifTrue)}, ${v(d.ifFalse)}`;
    case "zext":
    case "sext":
    case "trunc":
    case "ptrtoint":
    case "inttoptr":
      return `${d.op} ${v(d.arg)}`;
    case "ptradd":
      return `ptradd ${v(d.base)}, ${v(d.offset)}`;
    case "load":
      return `load.${d.signed ? "s" : ""}${d.size} ${v(d.base)}, ${d.offset}`;
    case "store":
      return `store.${d.size} ${v(d.base)}, ${d.offset}, ${v(d.value)}`;
    case "atomic":
      return `atomic.${d.atomic}${d.fetch ? ".fetch" : ""}.${d.size} ${v(d.base)}, ${d.offset}, ${v(d.value)}`;
    case "cmpxchg":
      return `cmpxchg.${d.size} ${v(d.base)}, ${d.offset}, ${v(d.expected)}, ${v(d.value)}`;
    case "stackslot":
      return `stackslot s${d.slot}`;
    case "mapref":
      return `mapref @${d.map}`;
    case "funcaddr":
      return `funcaddr @${d.callee}`;
    case "globaladdr":
      return `globaladdr @${d.global}, ${d.offset}`;
    case "callhelper":
      return `callhelper ${d.name}#${d.helper}(${d.args.map(v).join(", ")})`;
    case "call":
      return `call @${d.callee}(${d.args.map(v).join(", ")})`;
    case "memcpy":
      return `memcpy ${v(d.dst)}, ${v(d.src)}, ${d.size}, align ${d.align}`;
    case "memset":
      return `memset ${v(d.dst)}, ${d.byte}, ${d.size}, align ${d.align}`;
    case "br":
      return `br ${call(d.target)}`;
    case "condbr":
      return `condbr ${v(d.cond)}, ${call(d.then)}, ${call(d.else)}`;
    case "ret":
      return d.value === null ? "ret" : `ret ${v(d.value)}`;
    case "unreachable":
      return "unreachable";
  }
}
