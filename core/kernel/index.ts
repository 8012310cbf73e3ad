/**
 * Kernel facts the compiler, VM and loader share: the generated uapi tables (generated.ts, from
 * linux/bpf.h), the generated records — helpers (helper-records.ts, from libbpf's
 * bpf_helper_defs.h), map kinds (map-kinds.ts), program and attach types and libbpf's section table
 * (program-kinds.ts), context layouts (context-layouts.ts) — hand-written per-helper facts the
 * headers lack (helper-overrides.ts), and lookups over them (kinds.ts, sections.ts, below).
 * A leaf like core/isa: imports nothing outside this folder.
 */
import { CONTEXT_ACCESS } from "./context-access.ts";
import { CONTEXT_LAYOUTS } from "./context-layouts.ts";
import { HELPER_RECORDS } from "./helper-records.ts";
import type { ContextAccess, HelperRecord } from "./records.ts";
import { HELPER_OVERRIDES } from "./helper-overrides.ts";

export * from "./context-access.ts";
export * from "./context-layouts.ts";
export * from "./generated.ts";
export * from "./helper-overrides.ts";
export * from "./helper-access.ts";
export * from "./helper-records.ts";
export * from "./license.ts";
export type * from "./records.ts";
export * from "./kinds.ts";
export * from "./map-kinds.ts";
export * from "./program-kinds.ts";
export * from "./sections.ts";
export * from "./syscall-abi.ts";

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

/** The C prototype of a helper as the header writes it (`u64 bpf_ktime_get_ns(void)`). */
export function helperSignature(rec: HelperRecord): string {
  const params = rec.params.map((p) =>
    p.kind === "varargs" ? "..." : `${p.ctype}${p.ctype.endsWith("*") ? "" : " "}${p.name}`,
  );
  const ret = `${rec.ret}${rec.ret.endsWith("*") ? "" : " "}`;
  return `${ret}bpf_${rec.name}(${params.length ? params.join(", ") : "void"})`;
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
/**
 * What a program of `progType` loaded with `attachType` may read and write in its context
 * (context-access.ts, probed from the kernel): the exact pair, else the type's first probed pair;
 * undefined for a type that was not probed (tracing, LSM, ...).
 */
export function contextAccess(
  progType: string,
  attachType: string | null,
): ContextAccess | undefined {
  return (
    CONTEXT_ACCESS.find((c) => c.progType === progType && c.attachType === attachType) ??
    CONTEXT_ACCESS.find((c) => c.progType === progType)
  );
}

export { RETURN_CODES, returnName, returnValue } from "./return-codes.ts";
