/**
 * BTF: the type model, `.BTF` and `.BTF.ext` codecs, a builder for the compiler, queries and text forms.
 * Public surface of core/btf; import from here.
 */
export * from "./model.ts";
export { BtfStringReader, BtfStringTable } from "./strings.ts";
export { decodeBtf, splitBtf, checkRefs, type BtfSections } from "./unmarshal.ts";
export { encodeBtf } from "./marshal.ts";
export { decodeBtfExt, encodeBtfExt, btfExtStrings } from "./ext.ts";
export { BtfBuilder, type BtfMemberSpec } from "./builder.ts";
export {
  MAX_RESOLVE_DEPTH,
  btfSizeof,
  btfType,
  btfTypeName,
  findType,
  resolveType,
  typeRefs,
} from "./query.ts";
export {
  ADDRESS_SIZE,
  ADDRESS_TYPEDEFS,
  addressStructFamily,
  addressTypedefFamily,
  type AddressFamily,
} from "./address-types.ts";
export { dumpBtf, dumpBtfType, formatBtfType, typeToC } from "./format.ts";
export {
  LazyBtf,
  essentialName,
  type BtfRawField,
  type BtfRawMember,
  type BtfRawType,
} from "./lazy.ts";
export {
  CoreReloKind,
  CORE_RELO_KIND_NAMES,
  coreCandidates,
  coreFieldLayout,
  type CoreFieldLayout,
  isEnumValueKind,
  isFieldKind,
  resolveCoreRelo,
  type CoreReloKindNumber,
  type CoreReloRecord,
  type CoreResolution,
} from "./core-relo.ts";
