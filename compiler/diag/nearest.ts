/**
 * "Did you mean": the candidates nearest to a misspelled name, by edit distance (Levenshtein:
 * insertions, deletions and substitutions of one character each cost 1).
 *
 * Consumes a name and the names it should have been; produces up to `count` of them, nearest first
 * (ties in the candidates' order).
 */

/** Edit distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + same));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The `count` candidates nearest to `name`. */
export function nearestNames(name: string, candidates: readonly string[], count = 3): string[] {
  return candidates
    .map((c, i) => ({ c, i, d: editDistance(name, c) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, count)
    .map((x) => x.c);
}
