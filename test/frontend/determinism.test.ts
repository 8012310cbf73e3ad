/**
 * Compilation is a pure function of the source: the same file compiled again in the same process,
 * before and after other files (the front end keeps one ts-morph project per process, see
 * compiler/frontend/project.ts), gives the same IR and the same object bytes.
 *
 * Written for the report that test/frontend/cases/functions.ts gave different IR between two
 * compilations in one process: its golden had been generated before the branch was rebased onto
 * the change that widens aggregate stack slots to 8-byte alignment (commit a82505f), so the golden
 * test failed at that commit already; the compiler itself gives one answer.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";

const root = join(import.meta.dirname, "../..");
const FILES = [
  ...readdirSync(join(root, "test/frontend/cases"))
    // kernel-args.ts reads typed arguments from kernel BTF (the golden test gives it a fixture).
    .filter((f) => f.endsWith(".ts") && f !== "kernel-args.ts")
    .map((f) => `test/frontend/cases/${f}`),
  "examples/xdp-firewall.ts",
];

async function compileAll(order: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of order) {
    const source = readFileSync(join(root, f), "utf8");
    // An object build prints no IR: the IR texts and listing come from an asm build.
    const text = await compileSource(source, f, { check: true, emit: "asm" });
    const r = await compileSource(source, f, { check: true });
    const bytes = Buffer.from(r.object ?? new Uint8Array()).toString("hex");
    out.set(f, `${text.ir ?? ""}\n${text.irOpt ?? ""}\n${text.asm ?? ""}\n${bytes}`);
  }
  return out;
}

describe("compilation", () => {
  it("gives the same IR and object for a file whatever was compiled before it", async () => {
    const first = await compileAll(FILES);
    const reversed = await compileAll([...FILES].reverse());
    for (const f of FILES) {
      expect(first.get(f)!.length, f).toBeGreaterThan(100);
      expect(reversed.get(f) === first.get(f), f).toBe(true);
    }
  }, 120_000);
});
