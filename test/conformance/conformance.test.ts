/**
 * Runs every bpf_conformance `.data` file through both engines (reference interpreter and JIT) and
 * checks r0 against `-- result`: r1/r2 = a writable copy of `-- mem` and its length (0/0 without),
 * helpers 0–255 are no-ops returning 0.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDataFile, programOf } from "../../core/conformance/index.ts";
import { runWithInput } from "../../runtime/vm/index.ts";
import type { HelperTable } from "../../runtime/vm/index.ts";
import { conformanceFiles } from "./suite.ts";

const HELPERS: HelperTable = new Map(
  Array.from({ length: 256 }, (_, i) => [i, { name: `noop_${i}`, fn: () => 0n }] as const),
);

const files = conformanceFiles();

describe("bpf_conformance corpus", () => {
  it("holds the full suite", () => {
    expect(files.length).toBeGreaterThanOrEqual(313);
  });

  for (const file of files) {
    const name = basename(file);
    for (const engine of ["interpreter", "jit"] as const) {
      it(`${name} (${engine})`, () => {
        const data = parseDataFile(readFileSync(file, "utf8"));
        expect(data.skip).toBeNull();
        expect(data.error).toBeNull(); // no corpus file expects an error today
        const r = runWithInput(programOf(data), data.mem, HELPERS, { engine });
        expect(`0x${r.r0.toString(16)}`).toBe(`0x${(data.result ?? 0n).toString(16)}`);
      });
    }
  }
});
