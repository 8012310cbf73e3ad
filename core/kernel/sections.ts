/**
 * libbpf's SEC() naming convention: which program type and expected attach type an ELF section name
 * selects, read from the generated section table (program-kinds.ts `SECTION_DEFS`).
 *
 * Consumes a section name (`tracepoint/syscalls/sys_enter_openat`, `xdp`, `tcx/ingress`); produces a
 * `SectionInfo`: the matching row (program type and attach type with their numbers) and the target.
 *
 * Matching follows libbpf ≥ 1.0 (`sec_def_matches`): a pattern ending in `+` matches the bare name or
 * `name/anything`; a pattern ending in `/` needs `name/anything`; any other pattern matches exactly.
 * The first matching row wins, so more specific rows come first.
 */
import { SECTION_DEFS } from "./program-kinds.ts";
import type { SectionDef } from "./records.ts";

export { SECTION_DEFS };

/** What a section name selects. */
export interface SectionInfo {
  readonly def: SectionDef;
  /** BPF_PROG_TYPE_* number. */
  readonly progTypeId: number;
  /** BPF_* attach type number, or null. */
  readonly attachTypeId: number | null;
  /** Text after the first `/` (`syscalls/sys_enter_openat`), or "" for a bare name. */
  readonly target: string;
}

/** True when `name` matches `pattern` under libbpf's rules (see file header). */
export function matchesSection(pattern: string, name: string): boolean {
  if (pattern.endsWith("+")) {
    const p = pattern.slice(0, -1);
    return name === p || name.startsWith(p + "/");
  }
  if (pattern.endsWith("/")) return name.startsWith(pattern) && name.length > pattern.length;
  return name === pattern;
}

/**
 * What the section name selects, or undefined when no libbpf rule matches (libbpf then refuses to
 * load the program unless the caller sets its type by hand).
 */
export function resolveSection(section: string): SectionInfo | undefined {
  const def = SECTION_DEFS.find((s) => matchesSection(s.pattern, section));
  if (!def) return undefined;
  const slash = section.indexOf("/");
  return {
    def,
    progTypeId: def.progTypeId,
    attachTypeId: def.attachTypeId,
    target: slash < 0 ? "" : section.slice(slash + 1),
  };
}
