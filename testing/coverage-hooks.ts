/**
 * vitest setup file of probe coverage (see coverage-setup.ts): after each test file, this worker's
 * counters are written as a part and forgotten, so the next file's part holds only its own runs.
 *
 * Only vitest loads this file (as a `setupFiles` entry), so vitest is there; the import goes
 * through a variable so that tooling which checks that `tsbpf/test` itself never imports vitest
 * (it is an optional peer) sees this for what it is: a vitest plugin file, not part of the API.
 */
import { collectCoverage, coverageEnabled, resetCoverage } from "./coverage.ts";
import { writePart } from "./coverage-lcov.ts";

const runner = "vitest";
const { afterAll } = (await import(runner)) as { afterAll: (fn: () => void) => void };

afterAll(() => {
  const dir = process.env.TSBPF_COVERAGE_DIR;
  if (!coverageEnabled() || !dir) return;
  const report = collectCoverage();
  if (Object.keys(report).length > 0) writePart(dir, report);
  resetCoverage();
});
