/**
 * The Prometheus text exposition format, version 0.0.4 (what every Prometheus server scrapes):
 *
 *   # HELP tsbpf_by_syscall_total Entries of map bySyscall (hash).
 *   # TYPE tsbpf_by_syscall_total counter
 *   tsbpf_by_syscall_total{key="0"} 1234
 *
 * Consumes metric families (plain data: name, help, type, samples); produces the text. Histograms
 * arrive as their `_bucket` (with `le`), `_sum` and `_count` samples, like any other sample.
 *
 * Written here rather than with prom-client: prom-client's metrics are push-style (inc, set,
 * observe) while these values are read from kernel maps at scrape time, and a histogram whose
 * buckets were counted in the kernel cannot be set through its API. The format is small: names
 * match `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`, label values escape `\`,
 * `"` and newline, HELP text escapes `\` and newline. Tests check the output with `promtool check
 * metrics` and by scraping it with a real Prometheus.
 */

/** Metric types of the text format. */
export type MetricType = "counter" | "gauge" | "histogram" | "untyped";

/** One sample line. */
export interface Sample {
  /** Appended to the family name (`_bucket`, `_sum`, `_count`), or "". */
  readonly suffix?: string;
  /** Label pairs, in order. */
  readonly labels?: readonly (readonly [string, string])[];
  readonly value: number | bigint;
}

/** A metric family: one HELP / TYPE header and its samples. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** The Content-Type of the text format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A valid metric name from any text: invalid characters become `_`, a leading digit gets `_`. */
export function metricName(text: string): string {
  const s = text.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s || "_";
}

/** A valid label name from any text (no `:`; names starting with `__` are reserved). */
export function labelName(text: string): string {
  let s = text.replace(/[^a-zA-Z0-9_]/g, "_");
  if (/^[0-9]/.test(s)) s = `_${s}`;
  if (s.startsWith("__")) s = s.replace(/^_+/, "_");
  return s || "_";
}

/** `bySyscall` → `by_syscall`, `XDPStats` → `xdp_stats`: snake case for metric names. */
export function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** A sample value as the format writes it (`+Inf`, `NaN`, exact integers). */
export function formatSampleValue(v: number | bigint): string {
  if (typeof v === "bigint") return v.toString();
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function sampleLine(name: string, s: Sample): string {
  const labels = s.labels?.length
    ? `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
    : "";
  return `${name}${s.suffix ?? ""}${labels} ${formatSampleValue(s.value)}\n`;
}

/** The exposition text of `families` (families without samples are left out). */
export function renderExposition(families: readonly MetricFamily[]): string {
  let out = "";
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += sampleLine(f.name, s);
  }
  return out;
}
