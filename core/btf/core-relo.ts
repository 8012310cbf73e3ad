/**
 * CO-RE relocations (`.BTF.ext` core_relo records): their kinds, access strings, and resolution of
 * one record against a target BTF, with libbpf's rules (tools/lib/bpf/relo_core.c, described in
 * Documentation/bpf/libbpf/libbpf_overview.rst "BPF CO-RE"):
 *
 * - the local type is `typeId` in the object's own BTF; candidates in the target are the types of
 *   the same kind whose essential name (without `___flavor`) equals the local one's;
 * - field relocations walk the access string (`0:1:2`: an index into the root pointer, then member
 *   or array indexes into the local type); each named local member is found by name in the target,
 *   searching through anonymous structs/unions, and must have a compatible type;
 * - type relocations check type compatibility (exists/size/id) or the stricter match; enum value
 *   relocations find the enumerator by name;
 * - every matching candidate must give the same value; no match gives 0 for the existence kinds
 *   and an unresolvable ("poisoned") relocation for the others.
 *
 * Consumes two `LazyBtf`s (the object's BTF and the target's) and a record; produces plain
 * `CoreResolution` data: the value the compiler wrote (local), the value for the target (or null),
 * and the field chain for messages. Used by the kernel loader, the VM loader and `tsbpf`'s checks.
 * The type relations (compatible, matching) are in core-compat.ts.
 */
import { COMPOSITE, ENUMS, fieldsCompat, strip, typesCompat, typesMatch } from "./core-compat.ts";
import { BtfIntEncoding, BtfKindNumber, BtfError } from "./model.ts";
import { LazyBtf, essentialName } from "./lazy.ts";

/** enum bpf_core_relo_kind (include/uapi/linux/bpf.h). */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;
export type CoreReloKindNumber = (typeof CoreReloKind)[keyof typeof CoreReloKind];

/** libbpf's short names of the kinds (its debug log spells them so). */
export const CORE_RELO_KIND_NAMES: readonly string[] = [
  "byte_off",
  "byte_sz",
  "field_exists",
  "signed",
  "lshift_u64",
  "rshift_u64",
  "local_type_id",
  "target_type_id",
  "type_exists",
  "type_size",
  "enumval_exists",
  "enumval_value",
  "type_matches",
];

/** True for the kinds that read a field (the access string walks members). */
export function isFieldKind(kind: number): boolean {
  return kind <= CoreReloKind.FIELD_RSHIFT_U64;
}
/** True for the kinds that read an enumerator. */
export function isEnumValueKind(kind: number): boolean {
  return kind === CoreReloKind.ENUMVAL_EXISTS || kind === CoreReloKind.ENUMVAL_VALUE;
}
/** Kinds whose unresolvable relocation is the value 0 rather than an error. */
function isExistenceKind(kind: number): boolean {
  return (
    kind === CoreReloKind.FIELD_EXISTS ||
    kind === CoreReloKind.TYPE_EXISTS ||
    kind === CoreReloKind.ENUMVAL_EXISTS ||
    kind === CoreReloKind.TYPE_MATCHES
  );
}

/** A CO-RE relocation as stored (the section's record, string resolved). */
export interface CoreReloRecord {
  readonly insnOff: number;
  readonly typeId: number;
  readonly accessStr: string;
  readonly kind: number;
}

/** The result of resolving one relocation. */
export interface CoreResolution {
  readonly kind: number;
  /** The value computed on the object's own BTF (what the compiler put in the instruction). */
  readonly localValue: bigint;
  /** The value for the target, or null when the relocation cannot be resolved there. */
  readonly targetValue: bigint | null;
  /** Whether the instruction must hold `localValue` before patching (libbpf's `validate`). */
  readonly validate: boolean;
  /** The access in C terms, for messages: `struct task_struct.real_parent`, `enum pid_type::PIDTYPE_TGID`. */
  readonly chain: string;
  /** Why it did not resolve (when `targetValue` is null, or an existence kind is 0). */
  readonly reason?: string;
  /** The target type the relocation resolved to (0 when none). */
  readonly targetTypeId: number;
}

/** One step of an access spec: the root, a named member, or an array element. */
interface Access {
  readonly kind: "root" | "member" | "array" | "enum";
  readonly index: number;
  readonly name: string;
}

/** A parsed access on one BTF. */
interface Spec {
  readonly rootId: number;
  readonly access: readonly Access[];
  /** Bit offset of the field from the root pointer. */
  readonly bitOffset: number;
  /** Type of the accessed field (fields) or the root (types, enums). */
  readonly fieldType: number;
  /** The member accessed last, when it is one (bitfield facts). */
  readonly bitfieldSize: number;
  /** Enumerator value (enum kinds). */
  readonly enumValue?: bigint;
}

function kindWord(btf: LazyBtf, id: number): string {
  const k = btf.kindOf(id);
  if (k === BtfKindNumber.struct) return "struct";
  if (k === BtfKindNumber.union) return "union";
  if (ENUMS.has(k)) return "enum";
  if (k === BtfKindNumber.typedef) return "typedef";
  return "";
}

/** `struct task_struct`, `typedef pid_t`, `int`. */
function typeLabel(btf: LazyBtf, id: number): string {
  const w = kindWord(btf, id);
  const n = btf.name(id) || "(anon)";
  return w ? `${w} ${n}` : n;
}

function parseAccess(s: string): number[] {
  if (!/^\d+(:\d+)*$/.test(s)) throw new BtfError(`CO-RE access string "${s}" is malformed`);
  return s.split(":").map(Number);
}

/** Parses the local access spec (libbpf bpf_core_parse_spec). */
function parseLocalSpec(btf: LazyBtf, typeId: number, accessStr: string, kind: number): Spec {
  const raw = parseAccess(accessStr);
  const rootId = typeId;
  if (!isFieldKind(kind)) {
    if (isEnumValueKind(kind)) {
      const e = strip(btf, rootId);
      if (!ENUMS.has(btf.kindOf(e)) || raw.length !== 1)
        throw new BtfError(`CO-RE enum relocation on ${typeLabel(btf, rootId)} is not an enum`);
      const values = btf.enumValues(e);
      const v = values[raw[0]!];
      if (!v) throw new BtfError(`CO-RE enumerator ${raw[0]} of ${typeLabel(btf, e)} is missing`);
      return {
        rootId,
        access: [{ kind: "enum", index: raw[0]!, name: v.name }],
        bitOffset: 0,
        fieldType: e,
        bitfieldSize: 0,
        enumValue: v.value,
      };
    }
    if (raw.length !== 1 || raw[0] !== 0)
      throw new BtfError(`CO-RE type relocation access "${accessStr}" must be "0"`);
    return { rootId, access: [], bitOffset: 0, fieldType: rootId, bitfieldSize: 0 };
  }
  const access: Access[] = [{ kind: "root", index: raw[0]!, name: "" }];
  let cur = strip(btf, rootId);
  let bitOffset = raw[0]! * btf.sizeOf(rootId) * 8;
  let fieldType = rootId;
  let bitfieldSize = 0;
  for (let i = 1; i < raw.length; i++) {
    const idx = raw[i]!;
    const k = btf.kindOf(cur);
    if (COMPOSITE.has(k)) {
      const members = btf.fields(cur);
      const m = members[idx];
      if (!m)
        throw new BtfError(
          `CO-RE access ${accessStr}: ${typeLabel(btf, cur)} has no member ${idx}`,
        );
      bitOffset += m.bitOffset;
      bitfieldSize = m.bitfieldSize;
      access.push({ kind: "member", index: idx, name: m.name });
      fieldType = m.type;
      cur = strip(btf, m.type);
    } else if (k === BtfKindNumber.array) {
      const a = btf.array(cur);
      bitOffset += idx * btf.sizeOf(a.type) * 8;
      bitfieldSize = 0;
      access.push({ kind: "array", index: idx, name: "" });
      fieldType = a.type;
      cur = strip(btf, a.type);
    } else {
      throw new BtfError(`CO-RE access ${accessStr}: ${typeLabel(btf, cur)} has no members`);
    }
  }
  return { rootId, access, bitOffset, fieldType, bitfieldSize };
}

/** The C spelling of a local access, for messages. */
function chainOf(btf: LazyBtf, spec: Spec, kind: number): string {
  const root = typeLabel(btf, spec.rootId);
  if (isEnumValueKind(kind)) return `${root}::${spec.access[0]?.name ?? "?"}`;
  if (!isFieldKind(kind)) return root;
  let s = root;
  let first = true;
  for (const a of spec.access) {
    if (a.kind === "root") {
      if (a.index !== 0) s += `[${a.index}]`;
    } else if (a.kind === "array") s += `[${a.index}]`;
    else if (a.name !== "") {
      s += `${first ? "->" : "."}${a.name}`;
      first = false;
    }
  }
  return s;
}

/**
 * Finds member `name` of composite `id` in the target, looking into anonymous members like C's
 * name lookup (libbpf bpf_core_match_member). Returns the bit offset from `id`'s start, the member.
 */
function findMember(
  btf: LazyBtf,
  id: number,
  name: string,
  depth = 0,
): { bitOffset: number; type: number; bitfieldSize: number } | null {
  if (depth > 32) return null;
  for (const m of btf.fields(id)) {
    if (m.name === name)
      return { bitOffset: m.bitOffset, type: m.type, bitfieldSize: m.bitfieldSize };
    if (m.name === "") {
      const inner = strip(btf, m.type);
      if (!COMPOSITE.has(btf.kindOf(inner))) continue;
      const hit = findMember(btf, inner, name, depth + 1);
      if (hit) return { ...hit, bitOffset: hit.bitOffset + m.bitOffset };
    }
  }
  return null;
}

/** Matches a local field spec against target type `tid` (libbpf bpf_core_spec_match). */
function matchField(
  local: LazyBtf,
  spec: Spec,
  target: LazyBtf,
  tid: number,
): { spec: Spec } | { reason: string } {
  let cur = strip(target, tid);
  let bitOffset = spec.access[0]!.index * target.sizeOf(tid) * 8;
  let fieldType = tid;
  let bitfieldSize = 0;
  let localCur = strip(local, spec.rootId);
  for (let i = 1; i < spec.access.length; i++) {
    const a = spec.access[i]!;
    if (a.kind === "member") {
      const lm = local.fields(localCur)[a.index]!;
      if (a.name === "") {
        // An anonymous local member: libbpf skips it (its fields are found through the target's
        // anonymous members by name).
        localCur = strip(local, lm.type);
        continue;
      }
      if (!COMPOSITE.has(target.kindOf(cur)))
        return { reason: `${typeLabel(target, cur)} has no members` };
      const hit = findMember(target, cur, a.name);
      if (!hit) return { reason: `${typeLabel(target, cur)} has no field '${a.name}'` };
      if (!fieldsCompat(local, lm.type, target, hit.type))
        return { reason: `field '${a.name}' has an incompatible type in the target` };
      bitOffset += hit.bitOffset;
      bitfieldSize = hit.bitfieldSize;
      fieldType = hit.type;
      cur = strip(target, hit.type);
      localCur = strip(local, lm.type);
    } else if (a.kind === "array") {
      if (target.kindOf(cur) !== BtfKindNumber.array)
        return { reason: `${typeLabel(target, cur)} is not an array` };
      const ta = target.array(cur);
      if (ta.nelems !== 0 && a.index >= ta.nelems)
        return { reason: `index ${a.index} is past the target array's ${ta.nelems} elements` };
      bitOffset += a.index * target.sizeOf(ta.type) * 8;
      bitfieldSize = 0;
      fieldType = ta.type;
      cur = strip(target, ta.type);
      localCur = strip(local, local.array(localCur).type);
    }
  }
  return { spec: { rootId: tid, access: spec.access, bitOffset, fieldType, bitfieldSize } };
}

/** Where a field's bytes are and how a u64 holding them is shifted to its value. */
export interface CoreFieldLayout {
  readonly byteOffset: number;
  readonly byteSize: number;
  /** `v << lshift >> rshift` of the u64 read at byteOffset (little-endian) is the value. */
  readonly lshift: number;
  readonly rshift: number;
}

/**
 * libbpf bpf_core_calc_field_relo's layout of a field at `bitOffset` of `typeSize` bytes
 * (`bitfieldSize` 0 for an ordinary field): the smallest naturally aligned power-of-two read
 * that covers a bitfield.
 */
export function coreFieldLayout(
  bitOffset: number,
  typeSize: number,
  bitfieldSize: number,
): CoreFieldLayout {
  let byteSz = typeSize;
  let byteOff: number;
  let bitSz: number;
  if (bitfieldSize === 0) {
    byteOff = Math.floor(bitOffset / 8);
    bitSz = byteSz * 8;
  } else {
    bitSz = bitfieldSize;
    byteOff = Math.floor(bitOffset / 8 / byteSz) * byteSz;
    while (bitOffset + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new BtfError("CO-RE bitfield spans more than 8 bytes");
      byteSz *= 2;
      byteOff = Math.floor(bitOffset / 8 / byteSz) * byteSz;
    }
  }
  return {
    byteOffset: byteOff,
    byteSize: byteSz,
    lshift: 64 - (bitOffset + bitSz - byteOff * 8),
    rshift: 64 - bitSz,
  };
}

/** libbpf bpf_core_calc_field_relo: the value of a field relocation on one spec. */
function fieldValue(btf: LazyBtf, spec: Spec, kind: number): { value: bigint; validate: boolean } {
  const bitfield = spec.bitfieldSize > 0;
  const l = coreFieldLayout(spec.bitOffset, btf.sizeOf(spec.fieldType), spec.bitfieldSize);
  const byteOff = l.byteOffset;
  const byteSz = l.byteSize;
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      return { value: BigInt(byteOff), validate: !bitfield };
    case CoreReloKind.FIELD_BYTE_SIZE:
      return { value: BigInt(byteSz), validate: !bitfield };
    case CoreReloKind.FIELD_SIGNED: {
      const t = strip(btf, spec.fieldType);
      const k = btf.kindOf(t);
      const signed = ENUMS.has(k)
        ? btf.type(t).kindFlag
        : k === BtfKindNumber.int && ((btf.word(t) >>> 24) & BtfIntEncoding.SIGNED) !== 0;
      return { value: signed ? 1n : 0n, validate: true };
    }
    case CoreReloKind.FIELD_LSHIFT_U64:
      return { value: BigInt(l.lshift), validate: true };
    case CoreReloKind.FIELD_RSHIFT_U64:
      return { value: BigInt(l.rshift), validate: true };
    case CoreReloKind.FIELD_EXISTS:
      return { value: 1n, validate: true };
    default:
      throw new BtfError(`CO-RE relocation kind ${kind} is not a field kind`);
  }
}

/** The value of a type or enum relocation on one (local or target) spec. */
function typeValue(btf: LazyBtf, id: number, spec: Spec, kind: number): bigint {
  switch (kind) {
    case CoreReloKind.TYPE_ID_LOCAL:
    case CoreReloKind.TYPE_ID_TARGET:
      return BigInt(id);
    case CoreReloKind.TYPE_EXISTS:
    case CoreReloKind.TYPE_MATCHES:
    case CoreReloKind.ENUMVAL_EXISTS:
      return 1n;
    case CoreReloKind.TYPE_SIZE:
      return BigInt(btf.sizeOf(id));
    case CoreReloKind.ENUMVAL_VALUE:
      return spec.enumValue ?? 0n;
    default:
      throw new BtfError(`CO-RE relocation kind ${kind} is unknown`);
  }
}

/** Candidate target types of a local type: same kind family, same essential name. */
export function coreCandidates(local: LazyBtf, localId: number, target: LazyBtf): number[] {
  const lk = local.kindOf(localId);
  const name = local.name(localId);
  if (name === "") return [];
  const want = essentialName(name);
  return target.byEssentialName(want).filter((id) => {
    const tk = target.kindOf(id);
    return tk === lk || (ENUMS.has(lk) && ENUMS.has(tk));
  });
}

/** Resolves one relocation of the object whose BTF is `local` against `target`. */
export function resolveCoreRelo(
  local: LazyBtf,
  target: LazyBtf,
  relo: CoreReloRecord,
): CoreResolution {
  const { kind } = relo;
  if (kind < 0 || kind > CoreReloKind.TYPE_MATCHES)
    throw new BtfError(`CO-RE relocation kind ${kind} is unknown`);
  const spec = parseLocalSpec(local, relo.typeId, relo.accessStr, kind);
  const chain = chainOf(local, spec, kind);
  const localVal = isFieldKind(kind)
    ? fieldValue(local, spec, kind)
    : { value: typeValue(local, relo.typeId, spec, kind), validate: true };
  const base = { kind, localValue: localVal.value, validate: localVal.validate, chain };
  if (kind === CoreReloKind.TYPE_ID_LOCAL)
    return { ...base, targetValue: localVal.value, targetTypeId: relo.typeId };
  const rootId = relo.typeId;
  const cands = coreCandidates(local, rootId, target);
  let result: { value: bigint; id: number } | null = null;
  let reason = cands.length
    ? `no candidate in the target matches`
    : `no ${kindWord(local, rootId) || "type"} named '${essentialName(local.name(rootId))}' in the target`;
  for (const tid of cands) {
    let value: bigint;
    if (isFieldKind(kind)) {
      const m = matchField(local, spec, target, tid);
      if ("reason" in m) {
        reason = m.reason;
        continue;
      }
      value = fieldValue(target, m.spec, kind).value;
    } else if (isEnumValueKind(kind)) {
      const want = spec.access[0]!.name;
      const hit = target.enumValues(strip(target, tid)).find((v) => v.name === want);
      if (!hit) {
        reason = `${typeLabel(target, tid)} has no enumerator '${want}'`;
        continue;
      }
      value = typeValue(target, tid, { ...spec, enumValue: hit.value }, kind);
    } else {
      const ok =
        kind === CoreReloKind.TYPE_MATCHES
          ? typesMatch(local, rootId, target, tid)
          : typesCompat(local, rootId, target, tid);
      if (!ok) {
        reason = `${typeLabel(target, tid)} is not compatible`;
        continue;
      }
      value = typeValue(target, tid, spec, kind);
    }
    if (result === null) result = { value, id: tid };
    else if (result.value !== value)
      throw new BtfError(
        `CO-RE relocation of ${chain} is ambiguous: target types ${result.id} and ${tid} give ${result.value} and ${value}`,
      );
  }
  if (result !== null) return { ...base, targetValue: result.value, targetTypeId: result.id };
  if (isExistenceKind(kind)) return { ...base, targetValue: 0n, targetTypeId: 0, reason };
  return { ...base, targetValue: null, targetTypeId: 0, reason };
}
