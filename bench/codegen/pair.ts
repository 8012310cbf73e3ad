/**
 * Matching the programs of a tool's tsbpf object with those of its C twin, so each table row compares
 * the same hook.
 *
 * Consumes two lists of `{ name, section }` (either may be empty when that side failed); produces
 * pairs where either side may be missing. Programs match by ELF section (the SEC() string is the hook,
 * and the two sides name their functions differently: `countOpens` versus `sys_enter_openat`); when a
 * section holds several programs, by equal name first, then in order of appearance. Every input
 * program appears in exactly one pair; the order follows the C side, then unmatched tsbpf programs.
 */

/** What pairing needs to know about a program. */
export interface NamedProgram {
  readonly name: string;
  readonly section: string;
}

/** One row's programs: either side may be absent. */
export interface ProgramPair<T extends NamedProgram> {
  readonly tsbpf?: T;
  readonly clang?: T;
}

/** Pairs programs by section, then name, then order. */
export function pairPrograms<T extends NamedProgram>(
  tsbpf: readonly T[],
  clang: readonly T[],
): ProgramPair<T>[] {
  const unused = new Set(tsbpf);
  const take = (pred: (p: T) => boolean): T | undefined => {
    for (const p of unused) {
      if (pred(p)) {
        unused.delete(p);
        return p;
      }
    }
    return undefined;
  };
  const pairs: ProgramPair<T>[] = clang.map((c) => ({ clang: c }));
  // Exact (section, name) matches first, so a same-named program is never taken by an earlier sibling.
  const matched = pairs.map((p) =>
    take((t) => t.section === p.clang!.section && t.name === p.clang!.name),
  );
  const result = pairs.map((p, i) => {
    const t = matched[i] ?? take((x) => x.section === p.clang!.section);
    return t ? { clang: p.clang!, tsbpf: t } : p;
  });
  for (const t of unused) result.push({ tsbpf: t });
  return result;
}
