/**
 * Codecs from BTF (map-codec.ts holds the `Codec` tree and its decoding and encoding): the codec of
 * a map key, value or ring-buffer record's BTF type, following typedefs and qualifiers to the C
 * layout; C `char` arrays become strings (unsigned byte arrays loose ones), the address typedefs
 * and structs (core/btf/address-types.ts) addresses; a type without a layout, or a map without BTF,
 * gets a codec from its byte size alone.
 */
import {
  ADDRESS_SIZE,
  addressStructFamily,
  addressTypedefFamily,
  BtfIntEncoding,
  btfSizeof,
  btfType,
  resolveType,
  type AddressFamily,
  type Btf,
  type BtfType,
} from "../../core/btf/index.ts";
import { CodecError, type Codec, type CodecField } from "./map-codec.ts";

/** Deepest struct/array nesting followed (BTF from a broken object must not recurse forever). */
const MAX_DEPTH = 32;

/** The codec of BTF type `typeId` (0 or a type without a layout gives `bytes` of `fallbackSize`). */
export function codecFromBtf(btf: Btf, typeId: number, fallbackSize = 0): Codec {
  if (typeId === 0) return codecForSize(fallbackSize);
  return build(btf, typeId, 0);
}

/** A codec from a byte size alone (maps without BTF): 1/2/4 → unsigned number, 8 → u64, else bytes. */
export function codecForSize(size: number): Codec {
  if (size === 1 || size === 2 || size === 4 || size === 8) {
    return { kind: "int", size, signed: false, name: `u${size * 8}` };
  }
  return { kind: "bytes", size };
}

function build(btf: Btf, id: number, depth: number): Codec {
  if (depth > MAX_DEPTH) throw new CodecError(`BTF type ${id} nests deeper than ${MAX_DEPTH}`);
  const family = addressFamily(btf, id);
  if (family) return { kind: "addr", size: ADDRESS_SIZE[family], family };
  const t = btfType(btf, resolveType(btf, id));
  switch (t.kind) {
    case "int":
      if (t.encoding & BtfIntEncoding.BOOL) return { kind: "bool", size: t.size };
      return {
        kind: "int",
        size: t.size,
        signed: (t.encoding & BtfIntEncoding.SIGNED) !== 0,
        name: typeName(btf, id, t),
      };
    case "enum":
    case "enum64":
      return {
        kind: "enum",
        size: t.size,
        signed: t.signed,
        values: new Map(t.values.map((v) => [BigInt(v.value), v.name])),
      };
    case "float":
      return { kind: "float", size: t.size };
    case "ptr":
      return { kind: "ptr", size: 8 };
    case "array": {
      const chars = charKind(btf, t.type);
      if (chars)
        return { kind: "string", size: t.nelems, ...(chars === "loose" ? { loose: true } : {}) };
      const element = build(btf, t.type, depth + 1);
      return { kind: "array", size: element.size * t.nelems, element, length: t.nelems };
    }
    case "struct":
    case "union": {
      const members = t.kind === "union" ? t.members.slice(0, 1) : t.members;
      const fields = members.map((m, i): CodecField => {
        const codec = build(btf, m.type, depth + 1);
        const name = m.name || `_${i}`;
        if (m.bitfieldSize > 0) {
          return { name, offset: 0, codec, bitOffset: m.bitOffset, bits: m.bitfieldSize };
        }
        if (m.bitOffset % 8 !== 0) {
          return { name, offset: 0, codec, bitOffset: m.bitOffset, bits: codec.size * 8 };
        }
        return { name, offset: m.bitOffset / 8, codec };
      });
      return { kind: "struct", size: t.size, name: t.name, fields };
    }
    case "datasec":
      // Global data (.bss/.data/.rodata): one field per variable, at the offset the section gives.
      return {
        kind: "struct",
        size: t.size,
        name: t.name,
        fields: t.vars.map((v, i) => {
          const vt = btfType(btf, v.type);
          const codec = vt.kind === "var" ? build(btf, vt.type, depth + 1) : codecForSize(v.size);
          return { name: vt.kind === "var" ? vt.name : `_${i}`, offset: v.offset, codec };
        }),
      };
    default: {
      let size = 0;
      try {
        size = btfSizeof(btf, id);
      } catch {
        // a type without a size (void, func) decodes as no bytes
      }
      return { kind: "bytes", size };
    }
  }
}

/**
 * The address family `id` denotes: a typedef along its chain named as one, or a struct
 * `in_addr` / `in6_addr`, of the family's size; else undefined.
 */
function addressFamily(btf: Btf, id: number): AddressFamily | undefined {
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const t = btfType(btf, id);
    let family: AddressFamily | undefined;
    if (t.kind === "typedef") family = addressTypedefFamily(t.name);
    else if (t.kind === "struct" || t.kind === "union") family = addressStructFamily(t.name);
    if (family) return btfSizeof(btf, id) === ADDRESS_SIZE[family] ? family : undefined;
    if (t.kind !== "typedef" && t.kind !== "const" && t.kind !== "volatile") return undefined;
    id = t.type;
  }
  return undefined;
}

/** The most specific name along the typedef chain (`u32` rather than `unsigned int`). */
function typeName(btf: Btf, id: number, resolved: BtfType): string {
  const t = btfType(btf, id);
  if (t.kind === "typedef") return t.name;
  return "name" in resolved ? resolved.name : "";
}

/**
 * "strict" for C `char` (an INT of that name, or a typedef named `char` along the chain: how tsbpf
 * emits `CharArray`'s element, over `unsigned char`), "loose" for unsigned bytes (`u8`,
 * `unsigned char`), else undefined.
 */
function charKind(btf: Btf, id: number): "strict" | "loose" | undefined {
  const t = btfType(btf, resolveType(btf, id));
  if (t.kind === "int" && t.size === 1 && typedefNamed(btf, id, "char")) return "strict";
  if (t.kind !== "int" || t.size !== 1 || t.encoding & BtfIntEncoding.BOOL) return undefined;
  if (t.encoding & BtfIntEncoding.CHAR || /^(signed )?char$/.test(t.name)) return "strict";
  return t.encoding & BtfIntEncoding.SIGNED ? undefined : "loose";
}

/** True when the typedef chain from `id` has a typedef called `name`. */
function typedefNamed(btf: Btf, id: number, name: string): boolean {
  for (let t = btfType(btf, id), n = 0; n < 32; t = btfType(btf, t.type), n++) {
    if (t.kind === "typedef" && t.name === name) return true;
    if (t.kind !== "typedef" && t.kind !== "const" && t.kind !== "volatile") return false;
  }
  return false;
}
