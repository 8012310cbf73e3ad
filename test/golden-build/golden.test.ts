/**
 * Golden build tests: for every examples/*.ts, the IR after lowering (`<name>.ir`), after optimisation
 * (`<name>.opt.ir`) and the final listing (`<name>.bpf.s`) are checked in next to this file and
 * compared. `TSBPF_UPDATE_GOLDEN=1` rewrites them (review the diff). Each example is also loaded on
 * the live kernel with bpftool when root is available.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { bpftoolLoad } from "../support/bpftool.ts";
import { UNKNOWN_TO_BPFTOOL, loadWithOwnLoader } from "../support/own-loader.ts";

const examplesDir = new URL("../../examples/", import.meta.url);
const goldenDir = new URL("./", import.meta.url);
const update = process.env.TSBPF_UPDATE_GOLDEN === "1";
const examples = existsSync(examplesDir)
  ? readdirSync(examplesDir)
      .filter((f) => f.endsWith(".ts"))
      .sort()
  : [];

function compareGolden(file: string, actual: string): void {
  const url = new URL(file, goldenDir);
  if (update || !existsSync(url)) {
    writeFileSync(url, actual);
    if (!update)
      throw new Error(`golden ${file} was missing and has been written; re-run to compare`);
    return;
  }
  expect(actual, `${file} differs (TSBPF_UPDATE_GOLDEN=1 rewrites it)`).toBe(
    readFileSync(url, "utf8"),
  );
}

describe("golden builds of examples", () => {
  it("has examples to build", () => {
    expect(examples.length).toBeGreaterThan(0);
  });
  for (const ex of examples) {
    const base = ex.replace(/\.ts$/, "");
    const fileName = `examples/${ex}`;
    it(`${ex}: IR, optimised IR and assembly match the goldens; the kernel accepts the object`, async (ctx) => {
      const source = readFileSync(new URL(ex, examplesDir), "utf8");
      const asm = await compileSource(source, fileName, { emit: "asm", check: true });
      expect(asm.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      compareGolden(`${base}.ir`, asm.ir!);
      compareGolden(`${base}.opt.ir`, asm.irOpt!);
      compareGolden(`${base}.bpf.s`, asm.asm!);
      const obj = await compileSource(source, fileName, { emit: "obj", check: true });
      expect(obj.object).toBeDefined();
      if (
        !capability(
          "root + bpftool",
          hasKernelBpf() && hasCommand("bpftool", ["version"]),
          `load ${ex}`,
        )
      ) {
        ctx.skip();
        return;
      }
      let error = bpftoolLoad(obj.object!, base.replace(/\W/g, "_"));
      if (UNKNOWN_TO_BPFTOOL.test(error)) error = loadWithOwnLoader(obj.object!);
      // Kernels under lockdown refuse BPF trampolines even to root, before the verifier runs (as in
      // test/bench/c-twins.test.ts): accepted only for a refused fentry/fexit program.
      const refused = /prog '(\w+)': BPF program load failed: Operation not permitted/.exec(error);
      if (
        refused &&
        new RegExp(`const ${refused[1]} = (f(entry|exit)|lsm|lsmCgroup)\\(`).test(source)
      ) {
        process.stderr.write(
          `[tsbpf] NOTE ${ex}: trampoline program (fentry/fexit/lsm) refused by this kernel\n`,
        );
        return;
      }
      expect(error).toBe("");
    });
  }
});
