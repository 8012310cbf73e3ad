/**
 * End to end on the live kernel: IR cases compiled to ELF are loaded with `bpftool prog loadall`, so
 * the kernel verifier is the judge of the selected code, the BTF and the relocations.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { slotTotal } from "../../core/isa/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { bpftoolLoad } from "../support/bpftool.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";

const casesDir = new URL("./cases/", import.meta.url);
const cases = readdirSync(casesDir).filter((f) => f.endsWith(".ir"));

describe("compiled objects load on the live kernel", () => {
  for (const name of cases) {
    for (const mcpu of [1, 2, 3, 4] as const) {
      it(`${name} at -mcpu v${mcpu}`, (ctx) => {
        const text = readFileSync(new URL(name, casesDir), "utf8");
        const out = compileModule(parseModule(text), new Map([[name, text]]), {
          mcpu,
          check: true,
        });
        expect(out.diagnostics).toEqual([]);
        // Our own reader accepts it and sees the same instructions.
        const obj = readBpfObject(out.object!);
        expect(obj.programs.map((p) => slotTotal(p.insns))).toEqual(out.stats.map((s) => s.insns));
        if (
          !capability(
            "root + bpftool",
            hasKernelBpf() && hasCommand("bpftool", ["version"]),
            `load ${name}`,
          )
        ) {
          ctx.skip();
          return;
        }
        expect(bpftoolLoad(out.object!, `${name.replace(/\W/g, "_")}_v${mcpu}`)).toBe("");
      });
    }
  }
});
