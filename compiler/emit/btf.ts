/**
 * Program BTF for a compiled module: the source types of map keys/values and of globals (integers as
 * typedefs of C base types), and a FUNC
 * with its FUNC_PROTO per function; plus the `.BTF.ext` line_info records of each function.
 *
 * Consumes the IR module (source types, maps, globals, functions), the encoded functions with their
 * instruction spans, and the source text (line_info carries the text of each line). Produces a `Btf`
 * plus the ids the object spec refers to. The object writer (core/object/write.ts) adds the `.maps`
 * definitions (libbpf's `__uint`/`__type` layout), the VARs and DATASECs, and func_info.
 */
import { BtfBuilder, BtfLinkage, type Btf } from "../../core/btf/index.ts";
import type { BpfLineSpec } from "../../core/object/spec.ts";
import type { IrType, Module, SourceType } from "../ir/types.ts";
import type { EncodedFunc } from "../target/bpf/index.ts";

/** BTF and the ids of what it describes. */
export interface ModuleBtf {
  readonly btf: Btf;
  /** FUNC type id of each function, by name. */
  readonly funcIds: ReadonlyMap<string, number>;
  /** BTF id of each source type (`Module.types` index → id). */
  readonly typeId: (ref: number) => number;
}

/** Builds the module's program BTF. */
export function buildModuleBtf(m: Module): ModuleBtf {
  // Kernel types for CO-RE first, at their own ids (relocation records name them).
  const b = new BtfBuilder(m.kernelTypes ? { types: m.kernelTypes } : undefined);
  const ids = new Map<number, number>();
  const typeId = (ref: number): number => {
    const hit = ids.get(ref);
    if (hit !== undefined) return hit;
    const t = m.types[ref];
    if (!t) throw new Error(`internal: unknown source type t${ref}`);
    const id = sourceType(b, t, typeId, ref, ids);
    ids.set(ref, id);
    return id;
  };
  for (const map of m.maps) {
    if (map.keyType !== null) typeId(map.keyType);
    if (map.valueType !== null) typeId(map.valueType);
  }
  for (const g of m.globals) if (g.type !== null) typeId(g.type);
  const funcIds = new Map<string, number>();
  for (const f of m.functions) {
    const params = f.params.map((p, i) => ({
      name: f.section !== null && i === 0 ? "ctx" : `arg${i}`,
      type: irTypeBtf(b, p),
    }));
    const proto = b.funcProto(f.returns === null ? 0 : irTypeBtf(b, f.returns), params);
    // Programs are global functions (as clang emits SEC() functions); subprograms are static, so the
    // verifier checks them in their caller's context rather than as independent global functions.
    const linkage = f.section !== null ? BtfLinkage.GLOBAL : BtfLinkage.STATIC;
    funcIds.set(f.name, b.func(f.name, proto, linkage));
  }
  // Types are all added above, so the ids handed out stay valid in the built BTF.
  const btf = b.build();
  return {
    btf,
    funcIds,
    typeId: (ref) => {
      const id = ids.get(ref);
      if (id === undefined) throw new Error(`internal: source type t${ref} has no BTF`);
      return id;
    },
  };
}

function irTypeBtf(b: BtfBuilder, t: IrType): number {
  switch (t) {
    case "ptr":
      return b.ptr(0);
    case "i64":
      return b.int("long long", 8, { signed: true });
    case "i32":
      return b.int("int", 4, { signed: true });
    case "i16":
      return b.int("short", 2, { signed: true });
    case "i8":
      return b.int("char", 1, { signed: true });
    case "i1":
      return b.int("_Bool", 1, { bool: true });
  }
}

function sourceType(
  b: BtfBuilder,
  t: SourceType,
  typeId: (ref: number) => number,
  self: number,
  ids: Map<number, number>,
): number {
  switch (t.kind) {
    case "int": {
      const id = intType(b, t.name, t.bits, t.signed);
      return t.typedef !== undefined ? b.typedef(t.typedef, id) : id;
    }
    case "bool":
      return b.int("_Bool", 1, { bool: true });
    case "array": {
      const id = b.array(typeId(t.element), t.length);
      return t.typedef !== undefined ? b.typedef(t.typedef, id) : id;
    }
    case "ptr":
      return b.ptr(t.target === null ? 0 : typeId(t.target));
    case "struct": {
      const id = b.reserve();
      ids.set(self, id);
      const members = t.fields.map((f) => ({
        name: f.name,
        type: typeId(f.type),
        bitOffset: f.offset * 8,
      }));
      return b.define(id, b.composite("struct", t.name, t.size, members));
    }
  }
}

/** The C base type of each integer width, unsigned and signed (how clang names them in BTF). */
const C_INT: Readonly<Record<number, readonly [string, string]>> = {
  8: ["unsigned char", "signed char"],
  16: ["unsigned short", "short"],
  32: ["unsigned int", "int"],
  64: ["unsigned long long", "long long"],
};

/** C's plain `char` (CharArray's element), a base type of its own besides the signed/unsigned ones. */
const C_CHAR = "char";

/**
 * An integer source type: its C base type, behind a typedef of the source name (`u32` → `typedef
 * unsigned int u32`) as the kernel's and libbpf's headers define them, so `bpftool btf dump format c`
 * is C that compiles. A name that is already a base type's (or `char`) stays a plain INT.
 */
function intType(b: BtfBuilder, name: string, bits: number, signed: boolean): number {
  if (name === C_CHAR && bits === 8) return b.int(C_CHAR, 1, { signed });
  const base = C_INT[bits]?.[signed ? 1 : 0];
  if (base === undefined) throw new Error(`internal: no C integer type of ${bits} bits`);
  const int = b.int(base, bits / 8, { signed });
  return name === base ? int : b.typedef(name, int);
}

/**
 * line_info of one function: a record wherever the source position changes, and always one at the
 * first instruction (the verifier requires it for every function).
 */
export function lineInfoOf(f: EncodedFunc, sources: ReadonlyMap<string, string>): BpfLineSpec[] {
  const out: BpfLineSpec[] = [];
  const cache = new Map<string, string[]>();
  const lineText = (file: string, n: number): string => {
    if (!cache.has(file)) cache.set(file, (sources.get(file) ?? "").split(/\r?\n/));
    return cache.get(file)![n - 1] ?? "";
  };
  let last = "";
  f.spans.forEach((own, k) => {
    const span = own && own.line > 0 ? own : k === 0 ? f.span : null;
    if (!span) return;
    const key = `${span.file}:${span.line}:${span.col}`;
    if (key === last && k !== 0) return;
    last = key;
    out.push({
      insnIndex: k,
      fileName: span.file,
      line: lineText(span.file, span.line),
      lineNum: span.line,
      column: span.col,
    });
  });
  return out;
}
