/**
 * `npm run coverage:examples`: line and branch coverage of every examples/*.ts under its tsbpf/test
 * tests. Runs the test files that load an example with `loadProbe` (test/examples, test/testing)
 * with probe coverage on (TSBPF_COVERAGE=1, testing/coverage-setup.ts), which writes
 * coverage/tsbpf-lcov.info, then reads that tracefile back and prints one row per example: lines
 * hit / instrumented, branch directions taken / total. Coverage counts VM runs only (the kernel
 * has no per-instruction counters); an example whose tests never ran it in the VM says so.
 *
 * Usage: npm run coverage:examples [-- <extra vitest arguments>]. Kernel-target cases run too when
 * the machine allows them (root), as in any test run. Exits with vitest's status.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { lcovTotals, type CoverageTotals } from "../testing/coverage-lcov.ts";

const ROOT = resolve(import.meta.dirname, "..");
const LCOV = join(ROOT, "coverage/tsbpf-lcov.info");

/** The test files that load an example through tsbpf/test. */
function exampleTestFiles(): string[] {
  const out: string[] = [];
  for (const dir of ["test/examples", "test/testing"]) {
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      if (!name.endsWith(".test.ts")) continue;
      const text = readFileSync(join(ROOT, dir, name), "utf8");
      if (text.includes("loadProbe") && /examples\/[\w-]+\.ts/.test(text))
        out.push(`${dir}/${name}`);
    }
  }
  return out;
}

const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);

/** The table: one row per example, then the total. */
export function exampleTable(
  examples: readonly string[],
  totals: readonly CoverageTotals[],
): string {
  const byFile = new Map(totals.map((t) => [resolve(ROOT, t.file), t]));
  const rows: string[][] = [["example", "lines", "%", "branches", "%"]];
  const sum = { lines: 0, linesHit: 0, branches: 0, branchesHit: 0 };
  for (const file of examples) {
    const t = byFile.get(file);
    const name = basename(file, ".ts");
    if (!t) {
      rows.push([name, "not run in the VM", "", "", ""]);
      continue;
    }
    sum.lines += t.lines;
    sum.linesHit += t.linesHit;
    sum.branches += t.branches;
    sum.branchesHit += t.branchesHit;
    rows.push([
      name,
      `${t.linesHit}/${t.lines}`,
      pct(t.linesHit, t.lines),
      `${t.branchesHit}/${t.branches}`,
      pct(t.branchesHit, t.branches),
    ]);
  }
  rows.push([
    "all examples",
    `${sum.linesHit}/${sum.lines}`,
    pct(sum.linesHit, sum.lines),
    `${sum.branchesHit}/${sum.branches}`,
    pct(sum.branchesHit, sum.branches),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
    )
    .join("\n");
}

function main(): number {
  const files = exampleTestFiles();
  rmSync(LCOV, { force: true }); // a table from this run's tracefile only
  const r = spawnSync("npx", ["vitest", "run", ...files, ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, TSBPF_COVERAGE: "1", TSBPF_COVERAGE_FILE: LCOV },
  });
  if (!existsSync(LCOV)) {
    process.stderr.write(`coverage:examples: vitest wrote no ${relative(ROOT, LCOV)}\n`);
    return r.status ?? 1;
  }
  const examples = readdirSync(join(ROOT, "examples"))
    .filter((n) => n.endsWith(".ts"))
    .sort()
    .map((n) => join(ROOT, "examples", n));
  process.stdout.write(
    `\nLine and branch coverage of the examples under their tests (VM runs), from ${relative(ROOT, LCOV)}:\n\n` +
      `${exampleTable(examples, lcovTotals(readFileSync(LCOV, "utf8")))}\n`,
  );
  return r.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename))
  process.exit(main());
