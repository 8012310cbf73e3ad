/**
 * Kernel facts the compiler, VM and loader share: the generated uapi tables (generated.ts, from
 * linux/bpf.h), the generated helper records (helper-records.ts, from libbpf's bpf_helper_defs.h) and
 * context layouts (context-layouts.ts), hand-written per-helper facts the headers lack
 * (helper-overrides.ts), libbpf's section-name rules (sections.ts), and lookups over them.
 * A leaf like core/isa: imports nothing outside this folder.
 */
import { BPF_MAP_TYPE, BPF_PROG_TYPE, KERNEL_HELPERS, type KernelHelper } from "./generated.ts";
import { CONTEXT_LAYOUTS } from "./context-layouts.ts";
import { HELPER_RECORDS } from "./helper-records.ts";
import type { HelperRecord } from "./records.ts";
import { HELPER_OVERRIDES } from "./helper-overrides.ts";

export * from "./context-layouts.ts";
export * from "./generated.ts";
export * from "./helper-overrides.ts";
export * from "./helper-access.ts";
export * from "./helper-records.ts";
export * from "./license.ts";
export type * from "./records.ts";
export * from "./program-types.ts";
export * from "./sections.ts";

const recordsByName = new Map(HELPER_RECORDS.map((h) => [h.name, h]));
const recordsByFn = new Map(HELPER_RECORDS.map((h) => [h.fn, h]));

/** The helper record with this name (`map_lookup_elem`, with or without `bpf_`), or undefined. */
export function helperRecord(name: string): HelperRecord | undefined {
  return recordsByName.get(name.startsWith("bpf_") ? name.slice(4) : name);
}

/** The helper record with this id, or undefined. */
export function helperRecordById(id: number): HelperRecord | undefined {
  return id > 0 ? HELPER_RECORDS[id - 1] : undefined;
}

/** The helper record whose stdlib function is `fn` (`getPrandomU32`), or undefined. */
export function helperRecordByFn(fn: string): HelperRecord | undefined {
  return recordsByFn.get(fn);
}

const helpersByName = new Map(KERNEL_HELPERS.map((h) => [h.name, h]));

/** The helper with this name (`map_lookup_elem`, with or without `bpf_`), or undefined. */
export function helperByName(name: string): KernelHelper | undefined {
  return helpersByName.get(name.startsWith("bpf_") ? name.slice(4) : name);
}

/** The helper with this id, or undefined (id 0, `unspec`, is not a callable helper). */
export function helperById(id: number): KernelHelper | undefined {
  return id > 0 ? KERNEL_HELPERS[id] : undefined;
}

const MAP_PREFIX = "BPF_MAP_TYPE_";
const mapTypeNames = new Map<number, string>(
  Object.entries(BPF_MAP_TYPE).map(([k, v]) => [v, k.slice(MAP_PREFIX.length).toLowerCase()]),
);

/** Map kind name for a BPF_MAP_TYPE_* number (`1` → `hash`), or undefined. */
export function mapTypeName(type: number): string | undefined {
  return mapTypeNames.get(type);
}

/** BPF_MAP_TYPE_* number for a kind name (`lru_hash` → 9), or undefined. */
export function mapTypeNumber(kind: string): number | undefined {
  return (BPF_MAP_TYPE as Readonly<Record<string, number>>)[MAP_PREFIX + kind.toUpperCase()];
}

const PROG_PREFIX = "BPF_PROG_TYPE_";
const progTypeNames = new Map<number, string>(
  Object.entries(BPF_PROG_TYPE).map(([k, v]) => [v, k.slice(PROG_PREFIX.length)]),
);

/** Program type name without prefix for a BPF_PROG_TYPE_* number (`6` → `XDP`), or undefined. */
export function progTypeName(type: number): string | undefined {
  return progTypeNames.get(type);
}

const POINTER_KINDS = new Set(["key", "value", "buf", "struct", "kptr", "ptr", "ctx"]);

/**
 * Argument positions helper `id` only reads through: pointers the prototype declares `const`, plus
 * those helper-overrides.ts lists (the kernel proto's MEM_RDONLY where the header lacks `const`).
 */
export function helperReadOnlyArgs(id: number): readonly number[] {
  const rec = helperRecordById(id);
  if (!rec) return [];
  const derived = rec.params.flatMap((p, i) =>
    p.readOnly && POINTER_KINDS.has(p.kind) ? [i] : [],
  );
  return [...new Set([...derived, ...(HELPER_OVERRIDES[rec.name]?.readOnlyArgs ?? [])])];
}

/** The buffer and size positions helper `id` always writes in full (helper-overrides.ts), if any. */
export function helperFullWrite(id: number): { buffer: number; size: number } | undefined {
  const rec = helperRecordById(id);
  return rec ? HELPER_OVERRIDES[rec.name]?.fullWrite : undefined;
}

/** The offset of `field` in uapi context struct `struct` (`contextOffset("xdp_md", "data")` → 0). */
export function contextOffset(struct: string, field: string): number {
  const f = CONTEXT_LAYOUTS[struct]?.fields.find((x) => x.name === field);
  if (!f) throw new Error(`internal: struct ${struct} has no field ${field}`);
  return f.offset;
}
export { RETURN_CODES, returnName } from "./return-codes.ts";
