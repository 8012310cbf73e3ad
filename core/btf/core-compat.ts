/**
 * CO-RE type compatibility, libbpf's three relations between a local type (the object's BTF) and a
 * target type (the kernel's): fields compatible (field relocations: bpf_core_fields_are_compat),
 * types compatible (TYPE_EXISTS / TYPE_SIZE / TYPE_ID: bpf_core_types_are_compat) and types
 * matching (TYPE_MATCHES: bpf_core_types_match). Plain predicates over two `LazyBtf`s, read by
 * core-relo.ts.
 */
import { BtfIntEncoding, BtfKindNumber } from "./model.ts";
import { LazyBtf, essentialName } from "./lazy.ts";

export const COMPOSITE = new Set<number>([BtfKindNumber.struct, BtfKindNumber.union]);
export const ENUMS = new Set<number>([BtfKindNumber.enum, BtfKindNumber.enum64]);

/** Skips typedefs and qualifiers (libbpf skip_mods_and_typedefs). */
export function strip(btf: LazyBtf, id: number): number {
  return btf.resolve(id);
}

/**
 * libbpf bpf_core_fields_are_compat: integers with integers/enums, pointers with pointers,
 * composites with composites, arrays by element.
 */
export function fieldsCompat(
  local: LazyBtf,
  lid: number,
  target: LazyBtf,
  tid: number,
  depth = 0,
): boolean {
  if (depth > 32) return false;
  [lid, tid] = [strip(local, lid), strip(target, tid)];
  const [lk, tk] = [local.kindOf(lid), target.kindOf(tid)];
  if (COMPOSITE.has(lk) && COMPOSITE.has(tk)) return true;
  if (ENUMS.has(lk) && ENUMS.has(tk)) return namesMatch(local, lid, target, tid);
  if (lk !== tk) return false;
  switch (lk) {
    case BtfKindNumber.struct:
    case BtfKindNumber.union:
    case BtfKindNumber.fwd:
    case BtfKindNumber.float:
    case BtfKindNumber.ptr:
      return true;
    case BtfKindNumber.enum:
    case BtfKindNumber.enum64:
      return namesMatch(local, lid, target, tid);
    case BtfKindNumber.int:
      // Only the deprecated bit-offset integers are refused; all others are compatible.
      return ((local.word(lid) >>> 16) & 0xff) === 0 && ((target.word(tid) >>> 16) & 0xff) === 0;
    case BtfKindNumber.array:
      return fieldsCompat(local, local.array(lid).type, target, target.array(tid).type, depth + 1);
    default:
      return false;
  }
}

/** Anonymous types match anything; named ones by essential name. */
function namesMatch(local: LazyBtf, lid: number, target: LazyBtf, tid: number): boolean {
  const ln = local.name(lid);
  const tn = target.name(tid);
  if (ln === "" || tn === "") return true;
  return essentialName(ln) === essentialName(tn);
}

/** libbpf bpf_core_types_are_compat (type-based relocations). */
export function typesCompat(
  local: LazyBtf,
  lid: number,
  target: LazyBtf,
  tid: number,
  depth = 0,
): boolean {
  if (depth > 32) return false;
  [lid, tid] = [strip(local, lid), strip(target, tid)];
  const [lk, tk] = [local.kindOf(lid), target.kindOf(tid)];
  if (lk !== tk) return ENUMS.has(lk) && ENUMS.has(tk);
  switch (lk) {
    case BtfKindNumber.void:
    case BtfKindNumber.struct:
    case BtfKindNumber.union:
    case BtfKindNumber.enum:
    case BtfKindNumber.enum64:
    case BtfKindNumber.fwd:
    case BtfKindNumber.float:
      return true;
    case BtfKindNumber.int:
      return ((local.word(lid) >>> 16) & 0xff) === 0 && ((target.word(tid) >>> 16) & 0xff) === 0;
    case BtfKindNumber.ptr:
      return typesCompat(local, local.type(lid).type, target, target.type(tid).type, depth + 1);
    case BtfKindNumber.array:
      return typesCompat(local, local.array(lid).type, target, target.array(tid).type, depth + 1);
    case BtfKindNumber.func_proto: {
      const lp = local.members(lid);
      const tp = target.members(tid);
      if (lp.length !== tp.length) return false;
      for (let i = 0; i < lp.length; i++)
        if (!typesCompat(local, lp[i]!.type, target, tp[i]!.type, depth + 1)) return false;
      return typesCompat(local, local.type(lid).type, target, target.type(tid).type, depth + 1);
    }
    default:
      return false;
  }
}

/**
 * libbpf bpf_core_types_match (TYPE_MATCHES): like compatibility, but names, sizes, signedness,
 * enumerators and composite members (by name, with matching types) must agree.
 */
export function typesMatch(
  local: LazyBtf,
  lid: number,
  target: LazyBtf,
  tid: number,
  depth = 0,
): boolean {
  if (depth > 32) return false;
  [lid, tid] = [strip(local, lid), strip(target, tid)];
  const [lk, tk] = [local.kindOf(lid), target.kindOf(tid)];
  if (!namesMatch(local, lid, target, tid)) return false;
  if (lk !== tk) {
    if (ENUMS.has(lk) && ENUMS.has(tk)) return enumsMatch(local, lid, target, tid);
    if (lk === BtfKindNumber.fwd || tk === BtfKindNumber.fwd) return true;
    return false;
  }
  switch (lk) {
    case BtfKindNumber.void:
    case BtfKindNumber.fwd:
    case BtfKindNumber.float:
      return true;
    case BtfKindNumber.int: {
      const le = (local.word(lid) >>> 24) & 0xf;
      const te = (target.word(tid) >>> 24) & 0xf;
      return (
        local.type(lid).type === target.type(tid).type &&
        (le & BtfIntEncoding.SIGNED) === (te & BtfIntEncoding.SIGNED)
      );
    }
    case BtfKindNumber.enum:
    case BtfKindNumber.enum64:
      return enumsMatch(local, lid, target, tid);
    case BtfKindNumber.ptr:
      return typesMatch(local, local.type(lid).type, target, target.type(tid).type, depth + 1);
    case BtfKindNumber.array: {
      const la = local.array(lid);
      const ta = target.array(tid);
      return la.nelems === ta.nelems && typesMatch(local, la.type, target, ta.type, depth + 1);
    }
    case BtfKindNumber.struct:
    case BtfKindNumber.union: {
      const lm = local.fields(lid);
      const tm = target.fields(tid);
      if (lm.length > tm.length) return false;
      for (const m of lm) {
        const t = tm.find((x) => x.name === m.name);
        if (!t || !typesMatch(local, m.type, target, t.type, depth + 1)) return false;
      }
      return true;
    }
    case BtfKindNumber.func_proto:
      return typesCompat(local, lid, target, tid, depth);
    default:
      return false;
  }
}

function enumsMatch(local: LazyBtf, lid: number, target: LazyBtf, tid: number): boolean {
  if (local.type(lid).type !== target.type(tid).type) return false;
  const tv = target.enumValues(tid);
  return local.enumValues(lid).every((v) => tv.some((t) => t.name === v.name));
}
