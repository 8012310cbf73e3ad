/**
 * Coverage in a vitest run (opt-in, `TSBPF_COVERAGE=1`): `probeCoverage()` returns the config
 * entries to spread into `test: { ... }`:
 *
 * - `globalSetup` (this file's `setup` / `teardown`, in the main process): empties the parts folder
 *   before the run and points the workers at it (TSBPF_COVERAGE_DIR); after the run merges the parts
 *   into `coverage/tsbpf-lcov.info` (or TSBPF_COVERAGE_FILE) and prints one summary line per probe;
 * - `setupFiles` (coverage-hooks.ts, in every test file): writes the file's counters as a part once
 *   its tests are done.
 *
 * Without TSBPF_COVERAGE=1 both do nothing and the VM runs on the JIT as usual.
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { coverageEnabled } from "./coverage.ts";
import { formatLcov, formatSummary, readParts, writeAtomic } from "./coverage-lcov.ts";

/** The lcov file a run writes. */
export function coverageFile(): string {
  return resolve(process.env.TSBPF_COVERAGE_FILE ?? "coverage/tsbpf-lcov.info");
}

function partsDir(): string {
  return join(dirname(coverageFile()), ".tsbpf-parts");
}

/** vitest globalSetup: a fresh parts folder, shared with the workers. */
export function setup(): void {
  if (!coverageEnabled()) return;
  const dir = partsDir();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.TSBPF_COVERAGE_DIR = dir;
}

/** vitest globalSetup teardown: parts → lcov, and the summary. */
export function teardown(): void {
  if (!coverageEnabled()) return;
  const dir = partsDir();
  const report = readParts(dir);
  mkdirSync(dirname(coverageFile()), { recursive: true });
  writeAtomic(coverageFile(), formatLcov(report));
  rmSync(dir, { recursive: true, force: true });
  const summary = formatSummary(report);
  process.stderr.write(
    `\n${summary}${summary ? "\n" : ""}tsbpf coverage: wrote ${coverageFile()}\n`,
  );
}

/**
 * The vitest config entries that collect probe coverage when `TSBPF_COVERAGE=1`:
 * `defineConfig({ test: { ...probeCoverage() } })` (merge with your own `setupFiles` if any).
 */
export function probeCoverage(): { globalSetup: string[]; setupFiles: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here); // .ts in a checkout, .js when installed
  return {
    globalSetup: [here],
    setupFiles: [join(dirname(here), `coverage-hooks${ext}`)],
  };
}
