/**
 * A vitest reporter that ends the run with one summary of what was skipped and why (issue 14 item
 * 9), instead of one `[tsbpf] SKIPPED` line per capability check interleaved with other output.
 *
 * How: `onInit` (main process, before any worker starts) points TSBPF_SKIP_LOG at a fresh file; the
 * workers inherit it, and `capability()` (env.ts) appends one JSON line per refused check naming its
 * test file and reason. `onTestRunEnd` counts each file's skipped tests and prints them grouped by
 * reason; skips with no recorded reason (`it.skip`, a `runIf` on something else) are listed as such.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/** One refused capability check, as env.ts writes it. */
export interface SkipRecord {
  readonly file: string;
  readonly reason: string;
}

/** Groups skipped test counts by reason: reason → [tests, files]. */
export function groupSkips(
  skippedByFile: ReadonlyMap<string, number>,
  records: readonly SkipRecord[],
): Map<string, { tests: number; files: string[] }> {
  const reasonsOf = new Map<string, Set<string>>();
  for (const r of records)
    reasonsOf.set(r.file, (reasonsOf.get(r.file) ?? new Set()).add(r.reason));
  const groups = new Map<string, { tests: number; files: string[] }>();
  for (const [file, tests] of skippedByFile) {
    if (tests === 0) continue;
    const reason = [...(reasonsOf.get(file) ?? ["no capability recorded (it.skip or a condition)"])]
      .sort()
      .join("; ");
    const g = groups.get(reason) ?? { tests: 0, files: [] };
    g.tests += tests;
    g.files.push(file);
    groups.set(reason, g);
  }
  return groups;
}

/** The summary text (empty when nothing was skipped). */
export function formatSkipSummary(groups: ReadonlyMap<string, { tests: number; files: string[] }>) {
  const total = [...groups.values()].reduce((s, g) => s + g.tests, 0);
  if (total === 0) return "";
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  const lines = [`[tsbpf] SKIPPED ${plural(total, "test")}, by reason:`];
  for (const [reason, g] of [...groups].sort((a, b) => b[1].tests - a[1].tests)) {
    lines.push(`  ${plural(g.tests, "test")} in ${plural(g.files.length, "file")}: ${reason}`);
    lines.push(`    ${g.files.sort().join(", ")}`);
  }
  return lines.join("\n") + "\n";
}

/** The reporter (vitest.config.ts lists it after the default one). */
export default class SkipSummary implements Reporter {
  #dir = "";

  onInit(): void {
    this.#dir = mkdtempSync(join(tmpdir(), "tsbpf-skips-"));
    process.env.TSBPF_SKIP_LOG = join(this.#dir, "skips.jsonl");
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let text = "";
    try {
      text = readFileSync(process.env.TSBPF_SKIP_LOG!, "utf8");
    } catch {
      // nothing was refused
    }
    const records = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as SkipRecord);
    const skipped = new Map<string, number>();
    for (const m of modules) {
      const file = relative(process.cwd(), m.moduleId);
      let n = 0;
      for (const t of m.children.allTests()) if (t.result().state === "skipped") n++;
      skipped.set(file, n);
    }
    const summary = formatSkipSummary(
      groupSkips(
        skipped,
        records.map((r) => ({ ...r, file: relative(process.cwd(), r.file) })),
      ),
    );
    if (summary) process.stderr.write(`\n${summary}`);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
