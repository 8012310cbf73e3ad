/**
 * Golden IR tests: every `test/frontend/cases/<case>.ts` (next to its `.ir`) and every `examples/<name>.ts` is compiled to IR,
 * verified, printed, and compared with the `.ir` file next to it (`test/frontend/examples/<name>.ir`
 * for examples), with btf-fixture.ts as the kernel BTF. `TSBPF_UPDATE_GOLDEN=1` rewrites the expected files instead of comparing.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { parseModule, printModule, verifyModule } from "../../compiler/ir/index.ts";
import { fixtureBtf } from "./btf-fixture.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const update = process.env.TSBPF_UPDATE_GOLDEN === "1";

const cases: { name: string; source: string; golden: string }[] = [
  ...readdirSync(join(here, "cases"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({
      name: f,
      source: join(here, "cases", f),
      golden: join(here, "cases", f.replace(/\.ts$/, ".ir")),
    })),
  ...readdirSync(join(root, "examples"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({
      name: `examples/${f}`,
      source: join(root, "examples", f),
      golden: join(here, "examples", f.replace(/\.ts$/, ".ir")),
    })),
];

describe("front end golden IR", () => {
  for (const c of cases) {
    it(c.name, () => {
      const text = readFileSync(c.source, "utf8");
      // Typed kernel arguments read the fixture BTF, never the build machine's kernel.
      const r = compileToIr(text, c.name, { btf: fixtureBtf() });
      expect(
        r.diagnostics.filter((d) => d.severity === "error"),
        formatDiagnostics(r.diagnostics, { [c.name]: text }),
      ).toEqual([]);
      const m = r.module!;
      expect(verifyModule(m)).toEqual([]);
      const ir = printModule(m);
      expect(printModule(parseModule(ir))).toBe(ir);
      if (update || !existsSync(c.golden)) {
        mkdirSync(dirname(c.golden), { recursive: true });
        writeFileSync(c.golden, ir);
        if (!update) throw new Error(`golden ${c.golden} was missing and has been written; rerun`);
      } else expect(ir).toBe(readFileSync(c.golden, "utf8"));
    });
  }
});
