/**
 * TypeScript declarations of kernel types from BTF (`tsbpf gen types`, the analogue of
 * `bpftool btf dump format c` > vmlinux.h): an interface per named struct/union, a type alias per
 * typedef, a const enum per named enum, and an augmentation of the stdlib's `KernelTypes` so that
 * `Kernel<"task_struct">` (what `currentTask()` and `kernelPtr("sock", ...)` return) has the
 * kernel's field names and types in the editor.
 *
 * Mapping: integers → u8..u64/i8..i64 by size and sign, _Bool → bool; a pointer to a struct/union →
 * `Kernel<"name">` (resolved lazily by name, so a file of a few types still types every pointer it
 * names once the others are generated); any other pointer → u64 (an address, e.g. a string for
 * probeReadKernelStr); arrays → FixedArray<T, N> (char arrays CharArray<N>); anonymous struct/union
 * members are flattened into their parent as C's name lookup sees them; named anonymous-typed
 * members get an inline type; bitfields keep their integer type with the width in a comment.
 *
 * Consumes a `LazyBtf` (only the types asked for are decoded) and optionally root names (their
 * by-value closure is emitted); produces the declaration text. Deterministic for given bytes.
 */
import { BtfIntEncoding, BtfKindNumber } from "./model.ts";
import type { LazyBtf } from "./lazy.ts";

/** Options of `kernelTypeDeclarations`. */
export interface TsDeclOptions {
  /** Emit only these types (by name) and what they embed by value; default every named type. */
  readonly roots?: readonly string[];
  /** Where the BTF came from, for the header comment. */
  readonly source?: string;
}

const COMPOSITE = new Set<number>([BtfKindNumber.struct, BtfKindNumber.union]);
const ENUMS = new Set<number>([BtfKindNumber.enum, BtfKindNumber.enum64]);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Names the declarations themselves use, which a kernel type must not shadow. */
const RESERVED = new Set([
  "u8",
  "u16",
  "u32",
  "u64",
  "i8",
  "i16",
  "i32",
  "i64",
  "bool",
  "FixedArray",
  "CharArray",
  "Kernel",
  "KernelTypes",
  "string",
  "number",
  "boolean",
  "object",
  "symbol",
  "bigint",
  "any",
  "unknown",
  "never",
  "void",
  "undefined",
  "null",
  // Reserved words TypeScript refuses as type names.
  ...(
    "break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new return super switch this throw true " +
    "try typeof var while with as implements interface let package private protected public " +
    "static yield type of declare module namespace readonly keyof infer is asserts"
  ).split(" "),
]);

/** Writes the declarations; see the file comment. */
export function kernelTypeDeclarations(btf: LazyBtf, opts: TsDeclOptions = {}): string {
  const emitted = new Map<number, string>(); // id → declared name
  const used = new Set<string>();
  const order: number[] = [];
  const wanted = new Set<number>();
  const queue: number[] = [];

  const declName = (id: number): string | undefined => emitted.get(id);
  const add = (id: number): void => {
    if (wanted.has(id)) return;
    const t = btf.type(id);
    const name = btf.name(id);
    const declarable =
      name !== "" &&
      IDENT.test(name) &&
      (COMPOSITE.has(t.kind) || ENUMS.has(t.kind) || t.kind === BtfKindNumber.typedef);
    if (!declarable) return;
    const tsName = RESERVED.has(name) || used.has(name) ? undefined : name;
    if (tsName === undefined) return;
    wanted.add(id);
    used.add(tsName);
    emitted.set(id, tsName);
    order.push(id);
    queue.push(id);
  };

  if (opts.roots) {
    for (const r of opts.roots) {
      const id =
        btf.find("struct", r) ??
        btf.find("union", r) ??
        btf.find("enum", r) ??
        btf.find("typedef", r);
      if (id === undefined) throw new Error(`no type named '${r}' in ${btf.source}`);
      add(id);
    }
  } else {
    // Composites and enums first so that a typedef of the same name never takes the name.
    for (const pass of [COMPOSITE, ENUMS, new Set<number>([BtfKindNumber.typedef])])
      for (let id = 1; id < btf.typeCount; id++) if (pass.has(btf.kindOf(id))) add(id);
  }

  // By-value closure: a named type used inside an emitted one (not through a pointer) is emitted.
  const byValue = (id: number, depth = 0): void => {
    if (depth > 32 || id === 0) return;
    const t = btf.type(id);
    if (t.kind === BtfKindNumber.ptr) return;
    if (
      btf.name(id) !== "" &&
      (COMPOSITE.has(t.kind) || ENUMS.has(t.kind) || t.kind === BtfKindNumber.typedef)
    ) {
      add(id);
      if (t.kind !== BtfKindNumber.typedef) return;
    }
    if (COMPOSITE.has(t.kind)) for (const m of btf.fields(id)) byValue(m.type, depth + 1);
    else if (t.kind === BtfKindNumber.array) byValue(btf.array(id).type, depth + 1);
    else if (
      t.kind === BtfKindNumber.typedef ||
      t.kind === BtfKindNumber.const ||
      t.kind === BtfKindNumber.volatile ||
      t.kind === BtfKindNumber.restrict ||
      t.kind === BtfKindNumber.type_tag
    )
      byValue(t.type, depth + 1);
  };
  while (queue.length > 0) {
    const id = queue.shift()!;
    const t = btf.type(id);
    if (COMPOSITE.has(t.kind)) for (const m of btf.fields(id)) byValue(m.type);
    else if (t.kind === BtfKindNumber.typedef) byValue(t.type);
  }

  const intName = (id: number): string => {
    const t = btf.type(id);
    const enc = (btf.word(id) >>> 24) & 0xf;
    if (enc & BtfIntEncoding.BOOL) return "bool";
    const size = t.type;
    const bits = size === 1 || size === 2 || size === 4 || size === 8 ? size * 8 : 64;
    return `${enc & BtfIntEncoding.SIGNED ? "i" : "u"}${bits}`;
  };

  const typeText = (id: number, indent: string, depth = 0): string => {
    if (depth > 32) return "u64";
    if (id === 0) return "void";
    const named = declName(id);
    if (named !== undefined) return named;
    const t = btf.type(id);
    switch (t.kind) {
      case BtfKindNumber.int:
        return intName(id);
      case BtfKindNumber.enum:
      case BtfKindNumber.enum64:
        return t.type === 8 ? (t.kindFlag ? "i64" : "u64") : t.kindFlag ? "i32" : "u32";
      case BtfKindNumber.ptr: {
        const target = btf.resolve(t.type);
        const tk = btf.kindOf(target);
        const tn = btf.name(target);
        if (COMPOSITE.has(tk) && tn !== "") return `Kernel<${JSON.stringify(tn)}>`;
        return "u64";
      }
      case BtfKindNumber.array: {
        const a = btf.array(id);
        const elem = btf.resolve(a.type);
        if (
          btf.kindOf(elem) === BtfKindNumber.int &&
          btf.type(elem).type === 1 &&
          intName(elem) !== "bool"
        )
          return `CharArray<${a.nelems}>`;
        return `FixedArray<${typeText(a.type, indent, depth + 1)}, ${a.nelems}>`;
      }
      case BtfKindNumber.typedef:
      case BtfKindNumber.const:
      case BtfKindNumber.volatile:
      case BtfKindNumber.restrict:
      case BtfKindNumber.type_tag:
        return typeText(t.type, indent, depth + 1);
      case BtfKindNumber.struct:
      case BtfKindNumber.union:
        return `{\n${membersText(id, `${indent}  `, depth + 1)}${indent}}`;
      case BtfKindNumber.fwd:
        return `Kernel<${JSON.stringify(btf.name(id))}>`;
      default:
        return "u64";
    }
  };

  const membersText = (id: number, indent: string, depth = 0): string => {
    let out = "";
    for (const m of btf.fields(id)) {
      if (m.name === "") {
        const inner = btf.resolve(m.type);
        if (COMPOSITE.has(btf.kindOf(inner))) {
          out += membersText(inner, indent, depth + 1);
          continue;
        }
        continue;
      }
      const key = IDENT.test(m.name) ? m.name : JSON.stringify(m.name);
      const note =
        m.bitfieldSize > 0
          ? ` /** bitfield: ${m.bitfieldSize} bit${m.bitfieldSize > 1 ? "s" : ""} */`
          : "";
      out += `${indent}${key}: ${typeText(m.type, indent, depth)};${note}\n`;
    }
    return out;
  };

  const lines: string[] = [
    `// Generated by \`tsbpf gen types\`${opts.source ? ` from ${opts.source}` : ""}: kernel types for the editor.`,
    "// The compiler reads the kernel's BTF itself; regenerate rather than edit.",
    'import type { CharArray, FixedArray, Kernel, bool, i16, i32, i64, i8, u16, u32, u64, u8 } from "tsbpf";',
    "",
  ];
  const composites = order.filter((id) => COMPOSITE.has(btf.kindOf(id)));
  lines.push('declare module "tsbpf" {', "  interface KernelTypes {");
  for (const id of composites) lines.push(`    ${declName(id)}: ${declName(id)};`);
  lines.push("  }", "}", "");
  for (const id of order) {
    const t = btf.type(id);
    const name = declName(id)!;
    if (COMPOSITE.has(t.kind)) {
      const kw = t.kind === BtfKindNumber.union ? "union" : "struct";
      lines.push(`/** ${kw} ${btf.name(id)} (${t.type} bytes) */`);
      lines.push(`export interface ${name} {`, membersText(id, "  ").trimEnd(), "}");
    } else if (ENUMS.has(t.kind)) {
      const values = btf.enumValues(id);
      lines.push(`/** enum ${btf.name(id)} */`, `export declare const enum ${name} {`);
      for (const v of values) if (IDENT.test(v.name)) lines.push(`  ${v.name} = ${v.value},`);
      lines.push("}");
    } else {
      lines.push(`export type ${name} = ${typeText(t.type, "")};`);
    }
  }
  return lines.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n") + "\n";
}
