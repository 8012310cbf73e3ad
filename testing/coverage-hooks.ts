/**
 * vitest setup file of probe coverage (see coverage-setup.ts): after each test file, this worker's
 * counters are written as a part and forgotten, so the next file's part holds only its own runs.
 */
import { afterAll } from "vitest";
import { collectCoverage, coverageEnabled, resetCoverage } from "./coverage.ts";
import { writePart } from "./coverage-lcov.ts";

afterAll(() => {
  const dir = process.env.TSBPF_COVERAGE_DIR;
  if (!coverageEnabled() || !dir) return;
  const report = collectCoverage();
  if (Object.keys(report).length > 0) writePart(dir, report);
  resetCoverage();
});
