/**
 * Questions about a decoded `Btf`: what a type refers to, its size, what it resolves to, lookup by name.
 *
 * Consumes the plain model; produces numbers and ids. Chains are followed at most `MAX_RESOLVE_DEPTH`
 * steps (libbpf uses the same bound), so a cyclic (malformed) BTF gives `BtfError`, never a hang.
 */
import { BtfError, type Btf, type BtfKind, type BtfType } from "./model.ts";

/** Longest modifier/typedef/array chain followed before giving up (libbpf's MAX_RESOLVE_DEPTH). */
export const MAX_RESOLVE_DEPTH = 32;

/** Every type id referenced by `t` (members, params, element/index types, datasec vars). */
export function typeRefs(t: BtfType): number[] {
  switch (t.kind) {
    case "ptr":
    case "typedef":
    case "volatile":
    case "const":
    case "restrict":
    case "type_tag":
    case "func":
    case "var":
    case "decl_tag":
      return [t.type];
    case "array":
      return [t.type, t.indexType];
    case "struct":
    case "union":
      return t.members.map((m) => m.type);
    case "func_proto":
      return [t.returnType, ...t.params.map((p) => p.type)];
    case "datasec":
      return t.vars.map((x) => x.type);
    default:
      return [];
  }
}

/** The type with id `id`, or a `BtfError` naming the bad id. */
export function btfType(btf: Btf, id: number): BtfType {
  const t = btf.types[id];
  if (t === undefined)
    throw new BtfError(`type id ${id} is out of range (${btf.types.length} types)`);
  return t;
}

/** Follows typedef/const/volatile/restrict/type_tag to the underlying type id. */
export function resolveType(btf: Btf, id: number): number {
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const t = btfType(btf, id);
    switch (t.kind) {
      case "typedef":
      case "const":
      case "volatile":
      case "restrict":
      case "type_tag":
        id = t.type;
        break;
      default:
        return id;
    }
  }
  throw new BtfError(`type chain starting at ${id} is longer than ${MAX_RESOLVE_DEPTH} (cyclic?)`);
}

/** Size in bytes of a value of type `id` (pointers are 8 bytes: BPF is a 64-bit target). */
export function btfSizeof(btf: Btf, id: number): number {
  let mult = 1;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const t = btfType(btf, resolveType(btf, id));
    switch (t.kind) {
      case "int":
      case "struct":
      case "union":
      case "enum":
      case "enum64":
      case "float":
      case "datasec":
        return mult * t.size;
      case "ptr":
        return mult * 8;
      case "var":
        id = t.type;
        break;
      case "array":
        mult *= t.nelems;
        id = t.type;
        break;
      default:
        throw new BtfError(`type ${id} (${t.kind}) has no size`);
    }
  }
  throw new BtfError(`type chain starting at ${id} is longer than ${MAX_RESOLVE_DEPTH} (cyclic?)`);
}

/** The name of a type, or "" for kinds without one. */
export function btfTypeName(t: BtfType): string {
  return "name" in t ? t.name : "";
}

/** Id of the first type of `kind` named `name`, or undefined. */
export function findType(btf: Btf, kind: BtfKind, name: string): number | undefined {
  for (let id = 1; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    if (t.kind === kind && btfTypeName(t) === name) return id;
  }
  return undefined;
}
