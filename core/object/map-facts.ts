/**
 * Facts about a map that user space needs and the kernel does not keep, carried in the object as BTF
 * decl tags on the map's VAR in `.maps` (`BTF_KIND_DECL_TAG`, component_idx -1: what clang emits for
 * `__attribute__((btf_decl_tag("...")))` on the map variable, and what libbpf and the kernel accept
 * since 5.16; older kernels get the tags sanitised away by the loader, runtime/loader/btf-sanitize.ts).
 *
 * The vocabulary (one tag per fact; unknown `tsbpf.` tags are ignored so newer objects stay readable):
 * - `tsbpf.record=<C type>`: the type of one record of a ring buffer / perf event array, spelled
 *   `struct event`, `union u`, `enum e` or a bare type name (a typedef or base type). By name, not by
 *   type id, so it survives BTF linking and deduplication, and C authors can write it by hand.
 * - `tsbpf.key=<C type>` / `tsbpf.value=<C type>`: the key / value type of a map the kernel creates
 *   without BTF key/value type ids (a SockHash's key struct, a devmap's `struct bpf_devmap_val`),
 *   spelled as `tsbpf.record`, so user space reads and writes typed entries.
 * - `tsbpf.hist=log2`: the map counts a log2 histogram (key = slot, value = count; slot n holds
 *   values in [2^n, 2^(n+1)), slot 0 holds 0 and 1).
 * - `tsbpf.hist=linear:<min>:<step>`: a linear histogram, slot n holding [min + n·step, min + (n+1)·step).
 * - `tsbpf.hist=none`: declared not to be a histogram. Every map tsbpf compiles carries a `tsbpf.hist`
 *   tag, so readers never guess from names for tsbpf objects; objects without any tag (clang objects
 *   that do not use the vocabulary) leave the reader to its documented fallback.
 *
 * Consumes / produces plain strings and `MapFacts`, and resolves a record spelling in a `Btf`; pure.
 */
import { btfTypeName, findType, type Btf } from "../btf/index.ts";

/** A histogram's shape. */
export type HistogramShape =
  | { readonly kind: "log2" }
  | { readonly kind: "linear"; readonly min: bigint; readonly step: bigint };

/** The facts a map's decl tags state. */
export interface MapFacts {
  /** The C spelling of the record type of an event map, when declared. */
  readonly record?: string;
  /** The C spelling of the key / value type of a map created without BTF key/value types. */
  readonly key?: string;
  readonly value?: string;
  /** The histogram shape; null when declared not a histogram; undefined when not declared. */
  readonly histogram?: HistogramShape | null;
}

/** Prefix of every tag of the vocabulary. */
export const MAP_FACT_PREFIX = "tsbpf.";

/** The decl tag values that state `facts` (the order is fixed: record, key, value, histogram). */
export function mapFactTags(facts: MapFacts): string[] {
  const tags: string[] = [];
  if (facts.record !== undefined) tags.push(`tsbpf.record=${facts.record}`);
  if (facts.key !== undefined) tags.push(`tsbpf.key=${facts.key}`);
  if (facts.value !== undefined) tags.push(`tsbpf.value=${facts.value}`);
  if (facts.histogram !== undefined) {
    const h = facts.histogram;
    tags.push(
      `tsbpf.hist=${h === null ? "none" : h.kind === "log2" ? "log2" : `linear:${h.min}:${h.step}`}`,
    );
  }
  return tags;
}

/**
 * The facts stated by a map's decl tags. Malformed values of the vocabulary are ignored (the fact
 * stays undeclared), so a hand-written tag with a typo falls back instead of failing the whole run.
 */
export function parseMapFacts(tags: readonly string[]): MapFacts {
  let record: string | undefined;
  const typed: { key?: string; value?: string } = {};
  let histogram: HistogramShape | null | undefined;
  for (const tag of tags) {
    const eq = tag.indexOf("=");
    if (!tag.startsWith(MAP_FACT_PREFIX) || eq < 0) continue;
    const key = tag.slice(MAP_FACT_PREFIX.length, eq);
    const value = tag.slice(eq + 1).trim();
    if (key === "record" && value !== "") record = value;
    else if ((key === "key" || key === "value") && value !== "") typed[key] = value;
    else if (key === "hist") {
      const h = parseHistogram(value);
      if (h !== undefined) histogram = h;
    }
  }
  return {
    ...(record !== undefined ? { record } : {}),
    ...typed,
    ...(histogram !== undefined ? { histogram } : {}),
  };
}

function parseHistogram(value: string): HistogramShape | null | undefined {
  if (value === "none") return null;
  if (value === "log2") return { kind: "log2" };
  const m = /^linear:(-?\d+):(\d+)$/.exec(value);
  if (!m || BigInt(m[2]!) <= 0n) return undefined;
  return { kind: "linear", min: BigInt(m[1]!), step: BigInt(m[2]!) };
}

/** True when the tags state any fact: the object speaks the vocabulary, so readers must not guess. */
export function declaresFacts(facts: MapFacts): boolean {
  return facts.record !== undefined || facts.histogram !== undefined;
}

/** Kinds a bare record spelling may name (not VARs, FUNCs, sections or tags). */
const NAMED_TYPE_KINDS: ReadonlySet<string> = new Set([
  "typedef",
  "int",
  "float",
  "struct",
  "union",
  "enum",
  "enum64",
]);

/**
 * The BTF type id a `tsbpf.record` spelling names: `struct X` / `union X` / `enum X` by kind and
 * name, a bare name as the first typedef or base type (or tagged type) of that name; undefined when
 * the BTF has none.
 */
export function findRecordType(btf: Btf, spelling: string): number | undefined {
  const m = /^(struct|union|enum)\s+(\S+)$/.exec(spelling.trim());
  if (m) {
    const kind = m[1] as "struct" | "union" | "enum";
    return (
      findType(btf, kind, m[2]!) ?? (kind === "enum" ? findType(btf, "enum64", m[2]!) : undefined)
    );
  }
  for (let id = 1; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    if (NAMED_TYPE_KINDS.has(t.kind) && btfTypeName(t) === spelling) return id;
  }
  return undefined;
}
