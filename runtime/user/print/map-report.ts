/**
 * How a map is shown at the end of `tsbpf run`: decides the shape of each map from the facts its
 * object states (core/object/map-facts.ts), its type and codecs, then renders it as bpftrace-like
 * text or as one JSON document. `classifyMap` is the one decision; other outputs (Prometheus) call it.
 *
 * Shapes (first match wins):
 * - not shown: ring buffers, perf event arrays, prog arrays, maps of maps, stack traces,
 *   `.rodata*` / `.kconfig` (constants), maps the user did not name (`.rodata.str1.1`);
 * - `globals`: `.bss` / `.data` sections: each variable as `@var: value` (pointers skipped: they
 *   only exist to put a type into BTF, like `struct event *unused_event`);
 * - `log2` / `linear` histogram: the map's `tsbpf.hist` decl tag says so (stdlib's `histogram`
 *   option), and the key (the slot, see histogram.ts) and value (the count) are integers. A map whose
 *   tags state facts is never classified by name. Fallback for maps without tags (clang objects not
 *   using the vocabulary): the name contains `hist` or `slots` (not `lhist`): log2; the name contains
 *   `lhist`: linear, with an optional `_<min>_<step>` name suffix for the range (`sizes_lhist_0_100`:
 *   buckets of 100 from 0), else min 0, step 1;
 * - `counts`: a scalar value: `@name[key]: value` lines sorted by value, smallest first (the
 *   biggest ends up next to the prompt, as in bpftrace);
 * - `table`: a struct value: one row per key, one column per field, sorted by key.
 * Array maps omit all-zero entries (an array always has every index).
 *
 * Consumes a `MapSnapshot` (decoded entries); produces strings / plain JSON values.
 */
import { declaresFacts, type MapFacts } from "../../../core/object/index.ts";
import type { Codec, UserValue } from "../map-codec.ts";
import type { TypedEntry } from "../typed-map.ts";
import { compareValues, formatKey, formatValue, toJson } from "./format-value.ts";
import {
  histBuckets,
  linearBucket,
  log2Bucket,
  renderHistogram,
  type HistBucket,
} from "./histogram.ts";

/** A map's decoded contents, as read at the end of a run. */
export interface MapSnapshot {
  readonly name: string;
  /** Kind name (`hash`, `percpu_array`, `ringbuf`, ...). */
  readonly kind: string;
  readonly keyCodec: Codec;
  readonly valueCodec: Codec;
  /** What the object states about the map (its decl tags); absent: nothing stated. */
  readonly facts?: MapFacts;
  readonly entries: readonly TypedEntry[];
}

/** How a map is shown. */
export type MapShape =
  | { readonly kind: "hidden" }
  | { readonly kind: "globals" }
  | { readonly kind: "log2" }
  | { readonly kind: "linear"; readonly min: bigint; readonly step: bigint }
  | { readonly kind: "counts" }
  | { readonly kind: "table" };

const HIDDEN_KINDS = new Set([
  "ringbuf",
  "user_ringbuf",
  "perf_event_array",
  "prog_array",
  "array_of_maps",
  "hash_of_maps",
  "stack_trace",
  "cgroup_array",
  "devmap",
  "devmap_hash",
  "cpumap",
  "xskmap",
  "sockmap",
  "sockhash",
]);

const isScalar = (c: Codec): boolean =>
  c.kind === "int" || c.kind === "bool" || c.kind === "enum" || c.kind === "float";

/**
 * Decides how a map is shown. `facts` are what the object states about the map (`mapFacts(def)`,
 * `TypedMap.facts`); without them the name-based fallback of the file comment applies.
 */
export function classifyMap(
  name: string,
  kind: string,
  keyCodec: Codec,
  valueCodec: Codec,
  facts: MapFacts = {},
): MapShape {
  if (HIDDEN_KINDS.has(kind)) return { kind: "hidden" };
  if (name.startsWith(".")) {
    if (/^\.(bss|data)(\.|$)/.test(name) && valueCodec.kind === "struct")
      return { kind: "globals" };
    return { kind: "hidden" };
  }
  const countable = keyCodec.kind === "int" && valueCodec.kind === "int";
  const scalarShape: MapShape = isScalar(valueCodec) ? { kind: "counts" } : { kind: "table" };
  if (declaresFacts(facts)) {
    const h = facts.histogram;
    return h && countable ? h : scalarShape;
  }
  const lower = name.toLowerCase();
  if (countable && lower.includes("lhist")) {
    const m = /_(-?\d+)_(\d+)$/.exec(name);
    const step = m ? BigInt(m[2]!) : 1n;
    return { kind: "linear", min: m ? BigInt(m[1]!) : 0n, step: step > 0n ? step : 1n };
  }
  if (countable && (lower.includes("hist") || lower.includes("slots"))) return { kind: "log2" };
  return scalarShape;
}

function isZero(v: UserValue): boolean {
  if (typeof v === "number" || typeof v === "bigint") return v == 0;
  if (typeof v === "boolean") return !v;
  if (typeof v === "string") return v === "";
  if (v instanceof Uint8Array) return v.every((b) => b === 0);
  if (Array.isArray(v)) return (v as readonly UserValue[]).every(isZero);
  return Object.values(v as Record<string, UserValue>).every(isZero);
}

/** The variables of a global data map, without pointers. */
function globalVars(m: MapSnapshot): Record<string, UserValue> {
  const v = m.entries[0]?.value;
  if (!v || typeof v !== "object" || m.valueCodec.kind !== "struct") return {};
  const fields = m.valueCodec.fields;
  return Object.fromEntries(
    Object.entries(v as Record<string, UserValue>).filter(
      ([k]) => fields.find((f) => f.name === k)?.codec.kind !== "ptr",
    ),
  );
}

function shownEntries(m: MapSnapshot): TypedEntry[] {
  return m.kind.endsWith("array") ? m.entries.filter((e) => !isZero(e.value)) : [...m.entries];
}

function buckets(m: MapSnapshot, shape: MapShape & { kind: "log2" | "linear" }): HistBucket[] {
  const counts = new Map<number, bigint>();
  for (const e of m.entries) {
    const slot = Number(e.key as number | bigint);
    counts.set(slot, (counts.get(slot) ?? 0n) + BigInt(e.value as number | bigint));
  }
  return histBuckets(counts, (slot, count) =>
    shape.kind === "log2"
      ? log2Bucket(slot, count)
      : linearBucket(slot, shape.min, shape.step, count),
  );
}

/** The text block for a map (ending with a newline), or "" for hidden maps. */
export function renderMapText(m: MapSnapshot): string {
  const shape = classifyMap(m.name, m.kind, m.keyCodec, m.valueCodec, m.facts);
  switch (shape.kind) {
    case "hidden":
      return "";
    case "globals":
      return Object.entries(globalVars(m))
        .map(([k, x]) => `@${k}: ${formatValue(x)}\n`)
        .join("");
    case "log2":
    case "linear": {
      const rows = renderHistogram(buckets(m, shape));
      return rows.length ? `@${m.name}:\n${rows.join("\n")}\n\n` : `@${m.name}: (no entries)\n\n`;
    }
    case "counts": {
      const es = shownEntries(m).sort(
        (a, b) => compareValues(a.value, b.value) || compareValues(a.key, b.key),
      );
      if (es.length === 0) return `@${m.name}: (no entries)\n\n`;
      return (
        es.map((e) => `@${m.name}[${formatKey(e.key)}]: ${formatValue(e.value)}\n`).join("") + "\n"
      );
    }
    case "table":
      return renderTable(m);
  }
}

function renderTable(m: MapSnapshot): string {
  const es = shownEntries(m).sort((a, b) => compareValues(a.key, b.key));
  if (es.length === 0) return `@${m.name}: (no entries)\n\n`;
  const keyCols = m.keyCodec.kind === "struct" ? m.keyCodec.fields.map((f) => f.name) : ["key"];
  const valCols =
    m.valueCodec.kind === "struct" ? m.valueCodec.fields.map((f) => f.name) : ["value"];
  const cells = (v: UserValue, cols: readonly string[], isStruct: boolean): string[] =>
    isStruct
      ? cols.map((c) => formatValue((v as Record<string, UserValue>)[c]!))
      : [formatValue(v)];
  const rows = es.map((e) => [
    ...cells(e.key, keyCols, m.keyCodec.kind === "struct"),
    ...cells(e.value, valCols, m.valueCodec.kind === "struct"),
  ]);
  const header = [...keyCols, ...valCols];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `@${m.name}:\n${[header, ...rows].map((r) => `  ${line(r)}`).join("\n")}\n\n`;
}

/** One JSON document for a map, or undefined for hidden maps. */
export function renderMapJson(m: MapSnapshot): unknown {
  const shape = classifyMap(m.name, m.kind, m.keyCodec, m.valueCodec, m.facts);
  switch (shape.kind) {
    case "hidden":
      return undefined;
    case "globals":
      return { type: "globals", name: m.name, data: toJson(globalVars(m)) };
    case "log2":
    case "linear":
      return {
        type: shape.kind === "log2" ? "hist" : "lhist",
        name: m.name,
        data: buckets(m, shape).map((b) => ({
          min: toJson(b.min),
          max: toJson(b.max),
          count: toJson(b.count),
        })),
      };
    case "counts":
    case "table":
      return {
        type: "map",
        name: m.name,
        kind: m.kind,
        data: shownEntries(m).map((e) => ({
          key: toJson(e.key),
          value: toJson(e.value),
          ...(e.perCpu ? { perCpu: e.perCpu.map(toJson) } : {}),
        })),
      };
  }
}
