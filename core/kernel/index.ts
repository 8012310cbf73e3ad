/**
 * Kernel facts the compiler, VM and loader share: the generated uapi tables (generated.ts, from
 * linux/bpf.h), libbpf's section-name rules (sections.ts), and lookups by name or number over them.
 * A leaf like core/isa: imports nothing outside this folder.
 */
import { BPF_MAP_TYPE, BPF_PROG_TYPE, KERNEL_HELPERS, type KernelHelper } from "./generated.ts";

export * from "./generated.ts";
export * from "./sections.ts";

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
