/**
 * Prometheus metrics of a probe's maps, read at scrape time, in the spirit of Cloudflare's
 * ebpf_exporter but without a config file: each map's shape is decided by the same function that
 * decides how `tsbpf run` prints it (print/map-report.ts `classifyMap`), so a map shown as a
 * histogram is exported as a histogram.
 *
 * Consumes `MapSnapshot`s (decoded entries; per-CPU values already summed); produces metric
 * families (exposition.ts). Names are `<prefix>_<map in snake case>`:
 *
 * - `counts` maps: one series per key, one label per key field (struct key: its BTF field names;
 *   scalar key: `key`); unsigned integer values are counters (`_total`), other scalars gauges;
 * - `table` maps (struct values): one family per numeric value field, `<map>_<field>`, same labels;
 * - `log2` / `linear` histograms: a Prometheus histogram; bucket slot k with range [lo, hi) is
 *   `le="hi-1"` (the values are integers), buckets cumulative from slot 0 to the highest slot the
 *   map holds, `+Inf` = `_count`. The map keeps counts, not values, so `_sum` is the sum of each
 *   count times its bucket's lower bound: a lower bound of the true sum;
 * - `globals` (`.bss` / `.data`): each numeric variable as a gauge `<prefix>_<var>`;
 * - hidden maps (ring buffers, perf arrays, ...) export nothing here (lost events: exporter.ts);
 * - every exported map also gives `<prefix>_map_entries{map="..."}`.
 *
 * Label values: integers in decimal, pointers (addresses) as `0x` hex, enums by enumerator name,
 * strings as text, anything else in `tsbpf run`'s text form (format-value.ts).
 */
import type { Codec, UserValue } from "../map-codec.ts";
import { formatValue } from "../print/format-value.ts";
import { linearBucket, log2Bucket, type HistBucket } from "../print/histogram.ts";
import { classifyMap, type MapShape, type MapSnapshot } from "../print/map-report.ts";
import type { TypedEntry } from "../typed-map.ts";
import { labelName, metricName, snakeCase, type MetricFamily, type Sample } from "./exposition.ts";

type Labels = readonly (readonly [string, string])[];

/** A numeric sample value of a decoded scalar, or undefined for anything else. */
function numeric(v: UserValue): number | bigint | undefined {
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

function labelText(v: UserValue, c: Codec | undefined): string {
  if (c?.kind === "ptr" && typeof v === "bigint") return `0x${v.toString(16)}`;
  return formatValue(v);
}

/** The labels of a key: one per struct field, or `key` for a scalar. */
function keyLabels(key: UserValue, c: Codec): Labels {
  if (c.kind === "struct" && typeof key === "object" && !(key instanceof Uint8Array)) {
    const rec = key as Record<string, UserValue>;
    return c.fields
      .filter((f) => f.name !== "" && rec[f.name] !== undefined)
      .map((f) => [labelName(f.name), labelText(rec[f.name]!, f.codec)] as const);
  }
  return [["key", labelText(key, c)]];
}

const isCounter = (c: Codec): boolean => c.kind === "int" && !c.signed;

function scalarFamily(
  name: string,
  help: string,
  c: Codec,
  samples: readonly Sample[],
): MetricFamily {
  return isCounter(c)
    ? { name: `${name}_total`, help, type: "counter", samples }
    : { name, help, type: "gauge", samples };
}

/** Entries shown for a map: array maps hold every index, so all-zero ones are left out. */
function shownEntries(m: MapSnapshot): readonly TypedEntry[] {
  if (!m.kind.endsWith("array")) return m.entries;
  return m.entries.filter((e) => {
    const n = numeric(e.value);
    return n === undefined || n != 0;
  });
}

function histogramFamily(
  base: string,
  m: MapSnapshot,
  shape: MapShape & { kind: "log2" | "linear" },
): MetricFamily {
  const counts = new Map<number, bigint>();
  for (const e of m.entries) {
    const slot = Number(e.key as number | bigint);
    if (slot < 0) continue;
    counts.set(slot, (counts.get(slot) ?? 0n) + BigInt(e.value as number | bigint));
  }
  const top = counts.size ? Math.max(...counts.keys()) : -1;
  const bucket = (slot: number, count: bigint): HistBucket =>
    shape.kind === "log2"
      ? log2Bucket(slot, count)
      : linearBucket(slot, shape.min, shape.step, count);
  const samples: Sample[] = [];
  let running = 0n;
  let sum = 0n;
  for (let s = 0; s <= top; s++) {
    const b = bucket(s, counts.get(s) ?? 0n);
    running += b.count;
    sum += b.count * b.min;
    samples.push({ suffix: "_bucket", labels: [["le", String(b.max - 1n)]], value: running });
  }
  samples.push({ suffix: "_bucket", labels: [["le", "+Inf"]], value: running });
  samples.push({ suffix: "_sum", value: sum });
  samples.push({ suffix: "_count", value: running });
  const what = shape.kind === "log2" ? "log2" : `linear (min ${shape.min}, step ${shape.step})`;
  return {
    name: base,
    help: `Histogram map ${m.name} (${m.kind}, ${what} buckets; _sum from bucket lower bounds).`,
    type: "histogram",
    samples,
  };
}

function globalFamilies(prefix: string, m: MapSnapshot): MetricFamily[] {
  const v = m.entries[0]?.value;
  if (m.valueCodec.kind !== "struct" || !v || typeof v !== "object") return [];
  const rec = v as Record<string, UserValue>;
  const out: MetricFamily[] = [];
  for (const f of m.valueCodec.fields) {
    const n = rec[f.name] === undefined ? undefined : numeric(rec[f.name]!);
    if (n === undefined || f.codec.kind === "ptr") continue;
    out.push({
      name: metricName(`${prefix}_${snakeCase(f.name)}`),
      help: `Global variable ${f.name} (${m.name}).`,
      type: "gauge",
      samples: [{ value: n }],
    });
  }
  return out;
}

/** The metric families of one map (empty for maps that are not exported). */
export function mapFamilies(m: MapSnapshot, prefix = "tsbpf"): MetricFamily[] {
  const shape = classifyMap(m.name, m.kind, m.keyCodec, m.valueCodec, m.facts);
  const base = metricName(`${prefix}_${snakeCase(m.name)}`);
  switch (shape.kind) {
    case "hidden":
      return [];
    case "globals":
      return globalFamilies(prefix, m);
    case "log2":
    case "linear":
      return [histogramFamily(base, m, shape)];
    case "counts": {
      const samples = shownEntries(m).flatMap((e) => {
        const n = numeric(e.value);
        return n === undefined ? [] : [{ labels: keyLabels(e.key, m.keyCodec), value: n }];
      });
      return [scalarFamily(base, `Entries of map ${m.name} (${m.kind}).`, m.valueCodec, samples)];
    }
    case "table": {
      if (m.valueCodec.kind !== "struct") return [];
      const entries = shownEntries(m);
      return m.valueCodec.fields.flatMap((f) => {
        if (f.codec.kind === "ptr") return [];
        const samples = entries.flatMap((e) => {
          const x = (e.value as Record<string, UserValue>)[f.name];
          const n = x === undefined ? undefined : numeric(x);
          return n === undefined ? [] : [{ labels: keyLabels(e.key, m.keyCodec), value: n }];
        });
        if (samples.length === 0) return [];
        return [
          scalarFamily(
            metricName(`${base}_${snakeCase(f.name)}`),
            `Field ${f.name} of map ${m.name} (${m.kind}).`,
            f.codec,
            samples,
          ),
        ];
      });
    }
  }
}

/** The families of every map, plus `<prefix>_map_entries` for each exported map. */
export function mapsFamilies(maps: readonly MapSnapshot[], prefix = "tsbpf"): MetricFamily[] {
  const out: MetricFamily[] = [];
  const sizes: Sample[] = [];
  for (const m of maps) {
    const fams = mapFamilies(m, prefix);
    if (classifyMap(m.name, m.kind, m.keyCodec, m.valueCodec, m.facts).kind === "hidden") continue;
    out.push(...fams);
    sizes.push({ labels: [["map", m.name]], value: m.entries.length });
  }
  out.push({
    name: metricName(`${prefix}_map_entries`),
    help: "Entries each exported map holds (array maps: every index).",
    type: "gauge",
    samples: sizes,
  });
  return out;
}
