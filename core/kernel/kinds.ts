/**
 * Lookups over the generated kind records (map-kinds.ts, program-kinds.ts), and the uapi enums
 * `bpf_map_type` / `bpf_prog_type` / `bpf_attach_type` as name → number tables derived from them
 * (`BPF_MAP_TYPE.BPF_MAP_TYPE_HASH`), so each number is written once, in its record.
 */
import { BPF_CONSTANTS } from "./generated.ts";
import { MAP_KIND_RECORDS } from "./map-kinds.ts";
import { ATTACH_TYPE_RECORDS, PROGRAM_TYPE_RECORDS } from "./program-kinds.ts";
import type { AttachTypeRecord, MapKindRecord, ProgramTypeRecord } from "./records.ts";

type EnumOf<T extends readonly { readonly name: string; readonly id: number }[]> = {
  readonly [R in T[number] as R["name"]]: R["id"];
};
const enumOf = <T extends readonly { readonly name: string; readonly id: number }[]>(rows: T) =>
  Object.freeze(Object.fromEntries(rows.map((r) => [r.name, r.id]))) as EnumOf<T>;

/** enum bpf_map_type (`BPF_MAP_TYPE_HASH` → 1). */
export const BPF_MAP_TYPE = enumOf(MAP_KIND_RECORDS);
/** enum bpf_prog_type (`BPF_PROG_TYPE_XDP` → 6), including types newer than the header. */
export const BPF_PROG_TYPE = enumOf(PROGRAM_TYPE_RECORDS);
/** enum bpf_attach_type (`BPF_TRACE_FENTRY` → 24), including types newer than the header. */
export const BPF_ATTACH_TYPE = enumOf(ATTACH_TYPE_RECORDS);

/** The libbpf map kind names (`hash`, `percpu_array`, ...). */
export type MapKindName = (typeof MAP_KIND_RECORDS)[number]["kind"];

const mapsByKind = new Map<string, MapKindRecord>(MAP_KIND_RECORDS.map((r) => [r.kind, r]));
const mapsById = new Map<number, MapKindRecord>(MAP_KIND_RECORDS.map((r) => [r.id, r]));

/** The map kind record of a libbpf kind name (`lru_hash`), or undefined. */
export function mapKind(kind: string): MapKindRecord | undefined {
  return mapsByKind.get(kind);
}

/** The map kind record of a BPF_MAP_TYPE_* number, or undefined for an unknown one. */
export function mapKindById(id: number): MapKindRecord | undefined {
  return mapsById.get(id);
}

/** The record of a map kind tsbpf itself names (a typo is an internal error, not undefined). */
export function knownMapKind(kind: MapKindName): MapKindRecord {
  return mapsByKind.get(kind)!;
}

const progByType = new Map<string, ProgramTypeRecord>(PROGRAM_TYPE_RECORDS.map((r) => [r.type, r]));
const progById = new Map<number, ProgramTypeRecord>(PROGRAM_TYPE_RECORDS.map((r) => [r.id, r]));

/** The program type record of a name without prefix (`XDP`), or undefined. */
export function programType(type: string): ProgramTypeRecord | undefined {
  return progByType.get(type);
}

/** The program type record of a BPF_PROG_TYPE_* number, or undefined. */
export function programTypeById(id: number): ProgramTypeRecord | undefined {
  return progById.get(id);
}

const attachByType = new Map<string, AttachTypeRecord>(ATTACH_TYPE_RECORDS.map((r) => [r.type, r]));

/** The attach type record of a name without `BPF_` (`TRACE_FENTRY`), or undefined. */
export function attachType(type: string): AttachTypeRecord | undefined {
  return attachByType.get(type);
}

/** What a map of maps compares between its inner map template and a map stored in it. */
export interface InnerMapShape {
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/**
 * Why the kernel refuses to store map `m` in a map of maps with inner template `t`
 * (kernel/bpf/map_in_map.c bpf_map_meta_equal: type, key and value size, flags; arraymap.c
 * array_map_meta_equal: an array's max_entries unless the template has BPF_F_INNER_MAP) — the
 * field that differs — or null when it accepts it.
 */
export function innerMapMismatch(
  m: InnerMapShape,
  t: InnerMapShape,
): "type" | "key size" | "value size" | "flags" | "max_entries" | null {
  if (m.type !== t.type) return "type";
  if (m.keySize !== t.keySize) return "key size";
  if (m.valueSize !== t.valueSize) return "value size";
  if (m.flags !== t.flags) return "flags";
  const array =
    t.type === BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY || t.type === BPF_MAP_TYPE.BPF_MAP_TYPE_PERCPU_ARRAY;
  if (array && (t.flags & BPF_CONSTANTS.BPF_F_INNER_MAP) === 0 && m.maxEntries !== t.maxEntries)
    return "max_entries";
  return null;
}
