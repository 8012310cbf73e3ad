/**
 * Coverage reports as files: per-process parts (JSON `CoverageReport`s) merged into one lcov
 * tracefile (`coverage/tsbpf-lcov.info`), the format genhtml, lcov and editors' coverage gutters
 * read (lcov's geninfo(1) "TRACEFILE FORMAT": TN, SF, FN/FNDA/FNF/FNH, BRDA/BRF/BRH, DA/LF/LH,
 * end_of_record), plus a one-line-per-file summary.
 *
 * Consumes `CoverageReport`s; produces text and files. Merging sums counts.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { CoverageReport, FileCoverage } from "./coverage.ts";

/** Sums reports. */
export function mergeReports(reports: readonly CoverageReport[]): CoverageReport {
  const out: CoverageReport = {};
  for (const r of reports) {
    for (const [file, f] of Object.entries(r)) {
      const o = (out[file] ??= { lines: {}, branches: {}, functions: {} });
      for (const [l, n] of Object.entries(f.lines))
        o.lines[Number(l)] = (o.lines[Number(l)] ?? 0) + n;
      for (const [l, blocks] of Object.entries(f.branches)) {
        const ob = (o.branches[Number(l)] ??= {});
        for (const [k, [t, n, reached]] of Object.entries(blocks)) {
          const b = (ob[k] ??= [0, 0, 0]);
          b[0] += t;
          b[1] += n;
          b[2] += reached;
        }
      }
      for (const [name, fn] of Object.entries(f.functions)) {
        const of = (o.functions[name] ??= { line: fn.line, hits: 0 });
        of.hits += fn.hits;
      }
    }
  }
  return out;
}

/** Branch blocks of a line in a stable order (by function, then instruction index). */
function blocksOf(f: FileCoverage, line: number): [number, number, number][] {
  const blocks = f.branches[line] ?? {};
  return Object.keys(blocks)
    .sort((a, b) => {
      const [fa, ia] = a.split("@");
      const [fb, ib] = b.split("@");
      return fa === fb ? Number(ia) - Number(ib) : fa! < fb! ? -1 : 1;
    })
    .map((k) => blocks[k]!);
}

/** The lcov tracefile text of a report. */
export function formatLcov(report: CoverageReport, testName = ""): string {
  const out: string[] = [];
  for (const file of Object.keys(report).sort()) {
    const f = report[file]!;
    out.push(`TN:${testName}`, `SF:${file}`);
    const fns = Object.entries(f.functions).sort((a, b) => a[1].line - b[1].line);
    for (const [name, fn] of fns) out.push(`FN:${fn.line},${name}`);
    for (const [name, fn] of fns) out.push(`FNDA:${fn.hits},${name}`);
    out.push(`FNF:${fns.length}`, `FNH:${fns.filter(([, fn]) => fn.hits > 0).length}`);
    const lines = Object.keys(f.lines)
      .map(Number)
      .sort((a, b) => a - b);
    let brf = 0;
    let brh = 0;
    for (const line of lines) {
      blocksOf(f, line).forEach(([taken, fell, reached], block) => {
        for (const [branch, n] of [taken, fell].entries()) {
          out.push(`BRDA:${line},${block},${branch},${reached === 0 ? "-" : n}`);
          brf++;
          if (n > 0) brh++;
        }
      });
    }
    out.push(`BRF:${brf}`, `BRH:${brh}`);
    for (const line of lines) out.push(`DA:${line},${f.lines[line]}`);
    out.push(`LF:${lines.length}`, `LH:${lines.filter((l) => f.lines[l]! > 0).length}`);
    out.push("end_of_record");
  }
  return out.length ? out.join("\n") + "\n" : "";
}

/** Line and branch totals of one file. */
export interface CoverageTotals {
  readonly file: string;
  readonly lines: number;
  readonly linesHit: number;
  readonly branches: number;
  readonly branchesHit: number;
}

/** Totals per file. */
export function coverageTotals(report: CoverageReport): CoverageTotals[] {
  return Object.keys(report)
    .sort()
    .map((file) => {
      const f = report[file]!;
      const counts = Object.values(f.lines);
      const dirs = Object.keys(f.branches).flatMap((l) =>
        blocksOf(f, Number(l)).flatMap(([t, n]) => [t, n]),
      );
      return {
        file,
        lines: counts.length,
        linesHit: counts.filter((n) => n > 0).length,
        branches: dirs.length,
        branchesHit: dirs.filter((n) => n > 0).length,
      };
    });
}

/**
 * The totals of each record of an lcov tracefile (its LF/LH and BRF/BRH lines; a record without
 * them counts its DA and BRDA lines), for reading back what `formatLcov` or another tool wrote.
 */
export function lcovTotals(text: string): CoverageTotals[] {
  const out: CoverageTotals[] = [];
  let cur: { file: string; da: number[]; brda: string[]; sums: Record<string, number> } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const colon = line.indexOf(":");
    const tag = colon < 0 ? line : line.slice(0, colon);
    const rest = line.slice(colon + 1);
    if (tag === "SF") cur = { file: rest, da: [], brda: [], sums: {} };
    else if (!cur) continue;
    else if (tag === "DA") cur.da.push(Number(rest.split(",")[1]));
    else if (tag === "BRDA") cur.brda.push(rest.split(",")[3]!);
    else if (tag === "LF" || tag === "LH" || tag === "BRF" || tag === "BRH")
      cur.sums[tag] = Number(rest);
    else if (tag === "end_of_record") {
      const s = cur.sums;
      out.push({
        file: cur.file,
        lines: s.LF ?? cur.da.length,
        linesHit: s.LH ?? cur.da.filter((n) => n > 0).length,
        branches: s.BRF ?? cur.brda.length,
        branchesHit: s.BRH ?? cur.brda.filter((n) => n !== "-" && Number(n) > 0).length,
      });
      cur = undefined;
    }
  }
  return out;
}

/** `tsbpf coverage: examples/x.ts lines 12/14 (85.7%), branches 7/10 (70.0%)` lines. */
export function formatSummary(report: CoverageReport, root = process.cwd()): string {
  const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);
  return coverageTotals(report)
    .map(
      (t) =>
        `tsbpf coverage: ${relative(root, t.file)} lines ${t.linesHit}/${t.lines} (${pct(t.linesHit, t.lines)}), ` +
        `branches ${t.branchesHit}/${t.branches} (${pct(t.branchesHit, t.branches)})`,
    )
    .join("\n");
}

/** Writes `text` to `file` atomically. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes one process's report as a part file in `dir`. */
export function writePart(dir: string, report: CoverageReport): void {
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, `part-${process.pid}-${Date.now()}.json`), JSON.stringify(report));
}

/** Every part in `dir`, merged. */
export function readParts(dir: string): CoverageReport {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith("part-") && n.endsWith(".json"));
  } catch {
    // no parts
  }
  return mergeReports(
    names.map((n) => JSON.parse(readFileSync(join(dir, n), "utf8")) as CoverageReport),
  );
}
