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
 *
 * This file reads the module-level declarations (module, license, type, map, global); function
 * bodies are parse-func.ts, instruction bodies parse-inst.ts, tokens parse-line.ts.
 */
import type { Func, GlobalDecl, MapDecl, MapTemplate, Module, SourceType } from "./types.ts";
import { parseFuncLines } from "./parse-func.ts";
import { IrParseError, Line, lex, numbered } from "./parse-line.ts";
import { defaultSpan } from "./print.ts";

export { parseFunc } from "./parse-func.ts";
export { IrParseError } from "./parse-line.ts";

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

/** An optional ` typedef "name"` suffix. */
function typedefOf(l: Line): { typedef?: string } {
  return l.eat("typedef") ? { typedef: l.str() } : {};
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
      return {
        kind: "int",
        name,
        bits: bits as 8 | 16 | 32 | 64,
        signed: sign === "signed",
        ...typedefOf(l),
      };
    }
    case "bool":
      return { kind: "bool" };
    case "array": {
      const element = typeRefOf(l);
      if (element === null) l.fail("array element type required");
      return { kind: "array", element, length: l.int(), ...typedefOf(l) };
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

/** `hash key 4 value 8 max 16 flags 0 ktype %1 vtype %2`: a map's or inner template's shape. */
function parseMapShape(l: Line): MapTemplate {
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
  return { kind, keySize, valueSize, maxEntries, flags, keyType, valueType };
}

function parseMapDecl(l: Line, file: string): MapDecl {
  l.expect("@");
  const name = l.word();
  const shape = parseMapShape(l);
  let histogram: MapDecl["histogram"] = null;
  if (l.isWord("hist")) {
    l.next("hist");
    const shape = l.word("a histogram shape");
    if (shape === "log2") histogram = { kind: "log2" };
    else if (shape === "linear") {
      const min = l.bigint();
      const step = l.bigint();
      if (step <= 0n) l.failPrev("a linear histogram's step must be positive");
      histogram = { kind: "linear", min, step };
    } else l.failPrev(`unknown histogram shape '${shape}' (log2, linear)`);
  }
  let inner: MapTemplate | undefined;
  if (l.isWord("inner")) {
    l.next("inner");
    inner = parseMapShape(l);
  }
  let values: (string | null)[] | undefined;
  if (l.isWord("values")) {
    l.next("values");
    l.expect("[");
    values = [];
    while (!l.isPunct("]")) {
      if (values.length > 0) l.expect(",");
      if (l.isPunct("-")) {
        l.expect("-");
        values.push(null);
      } else {
        l.expect("@");
        values.push(l.word());
      }
    }
    l.expect("]");
  }
  let pinning = 0;
  if (l.isWord("pin")) {
    l.next("pin");
    pinning = l.int();
  }
  const span = l.span(file) ?? defaultSpan(file);
  return {
    name,
    ...shape,
    histogram,
    ...(inner ? { inner } : {}),
    ...(values ? { values } : {}),
    ...(pinning ? { pinning } : {}),
    span,
  };
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
    init = Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  }
  const isStatic = l.eat("static");
  const span = l.span(file) ?? defaultSpan(file);
  return { name, section, size, align, init, type, ...(isStatic ? { isStatic } : {}), span };
}
