/**
 * libbpf's second spellings of a section (`tp/` for `tracepoint/`, `raw_tp/`, `raw_tp.w/`,
 * `classifier` for `tc`, `tc/ingress` for `tcx/ingress`, `cgroup/skb`, `cgroup/sock`, plain
 * `sk_skb`), chosen with the `{ section: "<spelling>" }` option after a program's body:
 * `tracepoint("sched/sched_process_exec", (ctx) => 0, { section: "tp" })` is
 * `SEC("tp/sched/sched_process_exec")`. The spellings are the SECTION_DEFS rows marked `aliasOf`
 * (core/kernel, generated from scripts/kernel-gen/kind-sources.ts); the program kind and its
 * context stay the canonical section's.
 */
import type { SectionDef } from "../../core/kernel/index.ts";
import { matchesSection, SECTION_DEFS } from "../../core/kernel/index.ts";

/** A row's name without its pattern suffix (`tp` for `tp+`, `sk_skb` for `sk_skb`). */
const baseOf = (pattern: string) => pattern.replace(/[+/]$/, "");

/** The alias rows that can spell `canonical` (a section of a stdlib program kind). */
export function spellingsOf(canonical: string): readonly SectionDef[] {
  return SECTION_DEFS.filter(
    (d) => d.aliasOf !== undefined && matchesSection(d.aliasOf, canonical),
  );
}

/** The names users write in `{ section: ... }` for `canonical`. */
export function spellingNames(canonical: string): string[] {
  return spellingsOf(canonical).map((d) => baseOf(d.pattern));
}

/**
 * The ELF section `canonical` has in `spelling`, or undefined when libbpf has no such spelling of
 * it. A `+` row keeps the target (`tp` + `/sched/x`); an exact row is the whole section.
 */
export function spelledSection(canonical: string, spelling: string): string | undefined {
  const row = spellingsOf(canonical).find((d) => baseOf(d.pattern) === spelling);
  if (!row) return undefined;
  if (!row.pattern.endsWith("+")) return row.pattern;
  const slash = canonical.indexOf("/");
  return slash < 0 ? spelling : `${spelling}${canonical.slice(slash)}`;
}
