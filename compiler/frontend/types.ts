/**
 * tsbpf's own source-level types and their C layout.
 *
 * Why our own: the integer types are plain aliases of `number` (stdlib/README.md), which TypeScript
 * erases, so the front end types every expression itself from declarations and annotations. This
 * module turns type *nodes* (where alias names survive) into `TsbType`s and computes struct layout
 * with C rules (natural alignment, padding, size rounded to the alignment).
 *
 * Consumes ts-morph type nodes and interface/class declarations; produces `TsbType` records and
 * `SourceType` entries for the module's BTF type table.
 */
import { Node, SyntaxKind } from "ts-morph";
import { ADDRESS_TYPEDEFS } from "../../core/btf/index.ts";
import type { IrType, SourceType, TypeRef } from "../ir/index.ts";

/** An integer type. */
export interface IntType {
  readonly kind: "int";
  readonly name: string;
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  /**
   * Emitted as a BTF typedef of this name (the stdlib's `Ipv4Addr` → `ipv4_addr`), so user space
   * knows how to print it; the language treats it as the plain integer `name`.
   */
  readonly typedef?: string;
  /** The BTF INT's name when it is not `name` (CharArray's element is C's `char`). */
  readonly btfName?: string;
}
/** A struct field at its byte offset. */
export interface Field {
  readonly name: string;
  readonly type: TsbType;
  readonly offset: number;
  readonly readonly: boolean;
}
/** Every type a tsbpf expression can have. */
export type TsbType =
  | IntType
  | { readonly kind: "bool" }
  | {
      readonly kind: "struct";
      readonly name: string;
      readonly size: number;
      readonly align: number;
      readonly fields: readonly Field[];
    }
  | {
      readonly kind: "array";
      readonly element: TsbType;
      readonly length: number;
      /** Emitted as a BTF typedef of this name (`Ipv6Addr` → `ipv6_addr`); see IntType. */
      readonly typedef?: string;
    }
  | { readonly kind: "void" };

const int = (name: string, bits: 8 | 16 | 32 | 64, signed: boolean): IntType => ({
  kind: "int",
  name,
  bits,
  signed,
});
/** The eight integer types by name. */
export const INT_TYPES: ReadonlyMap<string, IntType> = new Map(
  [
    int("u8", 8, false),
    int("u16", 16, false),
    int("u32", 32, false),
    int("u64", 64, false),
    int("i8", 8, true),
    int("i16", 16, true),
    int("i32", 32, true),
    int("i64", 64, true),
  ].map((t) => [t.name, t]),
);
export const U8 = INT_TYPES.get("u8")!;
export const U16 = INT_TYPES.get("u16")!;
export const U32 = INT_TYPES.get("u32")!;
export const U64 = INT_TYPES.get("u64")!;
export const I64 = INT_TYPES.get("i64")!;
/**
 * A tracepoint `__data_loc` field (`field:__data_loc char[] filename` in a format file): a u32 whose
 * low 16 bits are the data's offset from the start of the record and high 16 bits its length
 * (include/trace/stages/stage1_struct_define.h). Arithmetic treats it as a u32; `dataLocAddress`
 * accepts only a field of this type.
 */
export const DATA_LOC: IntType = int("DataLoc", 32, false);
/**
 * `CharArray<N>`'s element: a u8 to the language (same name, so it mixes with u8 code), emitted
 * in BTF as C's `char`, so user space prints a CharArray as the string before its first NUL.
 */
export const CHAR: IntType = { ...INT_TYPES.get("u8")!, btfName: "char" };
/**
 * The stdlib's address types (stdlib/net.d.ts), by name: the integer / array they are to the
 * language, with the BTF typedef that makes `tsbpf run` print them as addresses.
 */
export const NAMED_TYPES: ReadonlyMap<string, TsbType> = new Map<string, TsbType>([
  ["Ipv4Addr", { ...INT_TYPES.get("u32")!, typedef: ADDRESS_TYPEDEFS.ipv4 }],
  [
    "Ipv6Addr",
    { kind: "array", element: INT_TYPES.get("u32")!, length: 4, typedef: ADDRESS_TYPEDEFS.ipv6 },
  ],
]);
export const BOOL: TsbType = { kind: "bool" };
export const VOID: TsbType = { kind: "void" };

/** Finds the integer type with the given width and signedness. */
export function intOf(bits: number, signed: boolean): IntType {
  return INT_TYPES.get(`${signed ? "i" : "u"}${bits}`)!;
}

/** Byte size of a type. */
export function sizeOf(t: TsbType): number {
  switch (t.kind) {
    case "int":
      return t.bits / 8;
    case "bool":
      return 1;
    case "struct":
      return t.size;
    case "array":
      return sizeOf(t.element) * t.length;
    case "void":
      return 0;
  }
}

/** Alignment of a type (C rules). */
export function alignOf(t: TsbType): number {
  switch (t.kind) {
    case "int":
      return t.bits / 8;
    case "struct":
      return t.align;
    case "array":
      return alignOf(t.element);
    default:
      return 1;
  }
}

/** True for types held in registers (integers, bool). */
export function isScalar(t: TsbType): t is IntType | { kind: "bool" } {
  return t.kind === "int" || t.kind === "bool";
}

/** The IR type a scalar is computed in: 64-bit types in i64, everything narrower in i32. */
export function irTypeOf(t: TsbType): IrType {
  return t.kind === "int" && t.bits === 64 ? "i64" : "i32";
}

/** Readable name for messages. */
export function typeName(t: TsbType): string {
  switch (t.kind) {
    case "int":
      return t.name;
    case "bool":
      return "bool";
    case "struct":
      return t.name;
    case "array":
      return `FixedArray<${typeName(t.element)}, ${t.length}>`;
    case "void":
      return "void";
  }
}

/** Lays out fields in declaration order with C padding rules. */
export function layoutStruct(
  name: string,
  fields: readonly { name: string; type: TsbType; readonly: boolean }[],
): TsbType {
  let offset = 0;
  let align = 1;
  const out: Field[] = [];
  for (const f of fields) {
    const a = alignOf(f.type);
    offset = Math.ceil(offset / a) * a;
    out.push({ name: f.name, type: f.type, offset, readonly: f.readonly });
    offset += sizeOf(f.type);
    align = Math.max(align, a);
  }
  return { kind: "struct", name, size: Math.ceil(offset / align) * align, align, fields: out };
}

/** A failure to resolve a type node, reported by the caller at `node`. */
export interface TypeProblem {
  readonly node: Node;
  readonly message: string;
}

/**
 * Resolves type nodes to `TsbType`s, caching struct layouts by declaration (so recursive or repeated
 * references share one record).
 */
export class TypeResolver {
  private readonly structs = new Map<Node, TsbType>();
  readonly problems: TypeProblem[] = [];

  /** The type a type node denotes, or null (with a problem recorded). */
  fromNode(node: Node): TsbType | null {
    if (Node.isParenthesizedTypeNode(node)) return this.fromNode(node.getTypeNode());
    const text = node.getText();
    if (Node.isBooleanKeyword(node) || text === "bool") return BOOL;
    if (node.getKind() === SyntaxKind.VoidKeyword) return VOID;
    if (Node.isNumberKeyword(node))
      return this.fail(
        node,
        "'number' has no width in eBPF; use u8, u16, u32, u64, i8, i16, i32 or i64",
      );
    if (Node.isTypeReference(node)) {
      const name = node.getTypeName().getText();
      const args = node.getTypeArguments();
      const direct = INT_TYPES.get(name);
      if (direct && args.length === 0) return direct;
      if (name === "DataLoc" && args.length === 0) return DATA_LOC;
      const named = NAMED_TYPES.get(name);
      if (named && args.length === 0) return named;
      if (name === "FixedArray" || name === "CharArray") {
        const elemNode = name === "FixedArray" ? args[0] : undefined;
        const lenNode = args[name === "FixedArray" ? 1 : 0];
        const element = elemNode ? this.fromNode(elemNode) : CHAR;
        const length = lenNode && Node.isLiteralTypeNode(lenNode) ? Number(lenNode.getText()) : NaN;
        if (!element) return null;
        if (!Number.isInteger(length) || length <= 0)
          return this.fail(node, `${name} needs a positive integer literal length`);
        return { kind: "array", element, length };
      }
      const decl =
        node.getTypeName().getSymbol()?.getAliasedSymbol()?.getDeclarations()[0] ??
        node.getTypeName().getSymbol()?.getDeclarations()[0];
      if (decl) return this.fromDeclaration(decl, node);
    }
    return this.fail(
      node,
      `type '${text}' is not supported; use an integer type, bool, a struct interface or FixedArray<T, N>`,
    );
  }

  /** Struct layout of an interface, class or type alias declaration. */
  fromDeclaration(decl: Node, at: Node): TsbType | null {
    const cached = this.structs.get(decl);
    if (cached) return cached;
    if (Node.isTypeAliasDeclaration(decl)) {
      const inner = decl.getTypeNode();
      const name = decl.getName();
      const alias = INT_TYPES.get(name) ?? NAMED_TYPES.get(name);
      if (alias) return alias;
      if (inner && Node.isTypeLiteral(inner))
        return this.structOf(decl, name, inner.getProperties(), at);
      return inner ? this.fromNode(inner) : this.fail(at, `type '${name}' cannot be resolved`);
    }
    if (Node.isInterfaceDeclaration(decl)) {
      const props = [
        ...decl
          .getBaseDeclarations()
          .flatMap((b) => (Node.isInterfaceDeclaration(b) ? b.getProperties() : [])),
        ...decl.getProperties(),
      ];
      if (decl.getMethods().length > 0 && props.length === 0)
        return this.fail(at, `'${decl.getName()}' is not a data type`);
      return this.structOf(decl, decl.getName(), props, at);
    }
    if (Node.isClassDeclaration(decl))
      return this.fail(
        at,
        `classes are not supported as structs; declare 'interface ${decl.getName() ?? ""}' instead`,
      );
    return this.fail(at, `'${at.getText()}' is not a type tsbpf can lay out`);
  }

  private structOf(decl: Node, name: string, props: readonly Node[], at: Node): TsbType | null {
    const fields: { name: string; type: TsbType; readonly: boolean }[] = [];
    for (const p of props) {
      if (!Node.isPropertySignature(p) && !Node.isPropertyDeclaration(p)) continue;
      const tn = p.getTypeNode();
      if (!tn) return this.fail(p, `field '${p.getName()}' needs a type annotation`);
      if (p.hasQuestionToken())
        return this.fail(p, `optional field '${p.getName()}' has no C layout; remove the '?'`);
      const t = this.fromNode(tn);
      if (!t) return null;
      if (t.kind === "void") return this.fail(tn, "a field cannot be void");
      fields.push({ name: p.getName(), type: t, readonly: p.isReadonly() });
    }
    if (fields.length === 0) return this.fail(at, `struct '${name}' has no fields`);
    const s = layoutStruct(name, fields);
    this.structs.set(decl, s);
    return s;
  }

  private fail(node: Node, message: string): null {
    this.problems.push({ node, message });
    return null;
  }
}

/** Interns `TsbType`s into a module's `SourceType` table (for BTF), returning references. */
export class SourceTypeTable {
  readonly types: SourceType[] = [];
  private readonly seen = new Map<TsbType, TypeRef>();

  /** The reference for `t` (void has none). */
  ref(t: TsbType): TypeRef | null {
    if (t.kind === "void") return null;
    const hit = this.seen.get(t);
    if (hit !== undefined) return hit;
    let st: SourceType;
    switch (t.kind) {
      case "int":
        st = {
          kind: "int",
          name: t.btfName ?? t.name,
          bits: t.bits,
          signed: t.signed,
          ...(t.typedef !== undefined ? { typedef: t.typedef } : {}),
        };
        break;
      case "bool":
        st = { kind: "bool" };
        break;
      case "array":
        st = {
          kind: "array",
          element: this.ref(t.element)!,
          length: t.length,
          ...(t.typedef !== undefined ? { typedef: t.typedef } : {}),
        };
        break;
      case "struct":
        st = {
          kind: "struct",
          name: t.name,
          size: t.size,
          align: t.align,
          fields: t.fields.map((f) => ({
            name: f.name,
            type: this.ref(f.type)!,
            offset: f.offset,
          })),
        };
        break;
    }
    const dup = this.types.findIndex((x) => JSON.stringify(x) === JSON.stringify(st));
    if (dup >= 0) {
      this.seen.set(t, dup);
      return dup;
    }
    this.types.push(st);
    this.seen.set(t, this.types.length - 1);
    return this.types.length - 1;
  }
}
