/**
 * The BTF data model: plain records for every type kind, and for the `.BTF.ext` side tables.
 *
 * Produced by `decodeBtf()` / `decodeBtfExt()` (unmarshal.ts, ext.ts) and by `BtfBuilder` (builder.ts);
 * consumed by `encodeBtf()` / `encodeBtfExt()` (marshal.ts, ext.ts), the object reader/writer, the
 * loaders and `formatBtfType()`. Layout follows the kernel's Documentation/bpf/btf.rst.
 *
 * Invariants:
 * - `Btf.types[id]` is the type with BTF id `id`; `types[0]` is always `{ kind: "void" }`;
 * - every type reference (`type`, `members[].type`, ...) is an index into `types`;
 * - names are resolved strings (`""` = anonymous); string offsets never appear in the model;
 * - `.BTF.ext` instruction offsets are in bytes from the start of the section, as in the file.
 */

/** A malformed BTF or BTF.ext blob, or a model that cannot be encoded. The message names what is wrong. */
export class BtfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BtfError";
  }
}

/** BTF_KIND_* numbers (Documentation/bpf/btf.rst §2.2). */
export const BtfKindNumber = {
  void: 0,
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  union: 5,
  enum: 6,
  fwd: 7,
  typedef: 8,
  volatile: 9,
  const: 10,
  restrict: 11,
  func: 12,
  func_proto: 13,
  var: 14,
  datasec: 15,
  float: 16,
  decl_tag: 17,
  type_tag: 18,
  enum64: 19,
} as const;

/** The kind of a BTF type, by lowercase kernel name. */
export type BtfKind = keyof typeof BtfKindNumber;

/** BTF_INT_* encoding bits of an INT type. */
export const BtfIntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;

/** Linkage of FUNC (BTF_FUNC_*) and VAR (BTF_VAR_*) types. */
export const BtfLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

/** The implicit type 0. */
export interface BtfVoid {
  readonly kind: "void";
}

/** An integer: size in bytes, BTF_INT_* encoding bits, and the bit range actually used. */
export interface BtfInt {
  readonly kind: "int";
  readonly name: string;
  readonly size: number;
  /** BtfIntEncoding bits (signed / char / bool). */
  readonly encoding: number;
  readonly bitOffset: number;
  readonly bits: number;
}

/** Modifiers and pointers: one referenced type. `name` is non-empty only for typedef and type_tag. */
export interface BtfRef {
  readonly kind: "ptr" | "typedef" | "volatile" | "const" | "restrict" | "type_tag";
  readonly name: string;
  readonly type: number;
  /** type_tag only: kind_flag set (attribute tag, kernel 6.13+). */
  readonly kindFlag?: boolean;
}

/** An array: element type, index type and element count. */
export interface BtfArray {
  readonly kind: "array";
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}

/** One struct/union member. `bitfieldSize` is 0 for ordinary members. */
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

/** A struct or union. `kindFlag` selects the bitfield member encoding (offset with size in bits 24-31). */
export interface BtfComposite {
  readonly kind: "struct" | "union";
  readonly name: string;
  readonly size: number;
  readonly members: readonly BtfMember[];
  readonly kindFlag: boolean;
}

/** A 32-bit enum (`signed` = kind_flag). */
export interface BtfEnum {
  readonly kind: "enum";
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly value: number }[];
}

/** A 64-bit enum (`signed` = kind_flag). */
export interface BtfEnum64 {
  readonly kind: "enum64";
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly value: bigint }[];
}

/** A forward declaration of a struct (or union when `isUnion`). */
export interface BtfFwd {
  readonly kind: "fwd";
  readonly name: string;
  readonly isUnion: boolean;
}

/** A function: name, FUNC_PROTO type id and linkage. */
export interface BtfFunc {
  readonly kind: "func";
  readonly name: string;
  readonly type: number;
  readonly linkage: number;
}

/** One FUNC_PROTO parameter. A final `{ name: "", type: 0 }` means varargs. */
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

/** A function signature. */
export interface BtfFuncProto {
  readonly kind: "func_proto";
  readonly returnType: number;
  readonly params: readonly BtfParam[];
}

/** A global variable. */
export interface BtfVar {
  readonly kind: "var";
  readonly name: string;
  readonly type: number;
  readonly linkage: number;
}

/** One variable placed in a DATASEC. */
export interface BtfVarSecinfo {
  /** Id of a VAR (or FUNC for extern functions in `.ksyms`). */
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** A data section (`.data`, `.bss`, `.rodata`, `.maps`, `.ksyms`, ...). */
export interface BtfDatasec {
  readonly kind: "datasec";
  readonly name: string;
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}

/** A floating-point type. */
export interface BtfFloat {
  readonly kind: "float";
  readonly name: string;
  readonly size: number;
}

/** `__attribute__((btf_decl_tag(name)))` on a type, or on member/param `componentIdx` (-1 = the type). */
export interface BtfDeclTag {
  readonly kind: "decl_tag";
  readonly name: string;
  readonly type: number;
  readonly componentIdx: number;
  /** kind_flag set (attribute tag, kernel 6.13+). */
  readonly kindFlag?: boolean;
}

/** Any BTF type. */
export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfRef
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;

/** A decoded `.BTF` blob: types indexed by id. */
export interface Btf {
  readonly types: readonly BtfType[];
}

/** `.BTF.ext` func_info record: the FUNC type of the function starting at `insnOff`. */
export interface BtfFuncInfo {
  /** Byte offset of the function's first instruction in its section. */
  readonly insnOff: number;
  readonly typeId: number;
}

/** `.BTF.ext` line_info record: source position of the instruction at `insnOff`. */
export interface BtfLineInfo {
  readonly insnOff: number;
  readonly fileName: string;
  /** Source text of the line. */
  readonly line: string;
  readonly lineNum: number;
  readonly column: number;
}

/** `.BTF.ext` CO-RE relocation record (struct bpf_core_relo), kept as in the file but for the string. */
export interface BtfCoreRelo {
  readonly insnOff: number;
  readonly typeId: number;
  /** Access string, e.g. `0:1:2`. */
  readonly accessStr: string;
  /** enum bpf_core_relo_kind number. */
  readonly kind: number;
}

/** Records of one kind for one ELF section. */
export interface BtfExtSection<T> {
  readonly section: string;
  readonly records: readonly T[];
}

/** A decoded `.BTF.ext` blob. */
export interface BtfExt {
  readonly funcInfo: readonly BtfExtSection<BtfFuncInfo>[];
  readonly lineInfo: readonly BtfExtSection<BtfLineInfo>[];
  readonly coreRelo: readonly BtfExtSection<BtfCoreRelo>[];
}
