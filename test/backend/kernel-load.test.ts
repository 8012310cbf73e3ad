/**
 * End to end on the live kernel: IR cases compiled to ELF are loaded with `bpftool prog loadall`, so
 * the kernel verifier is the judge of the selected code, the BTF and the relocations.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { slotTotal } from "../../core/isa/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";

const casesDir = new URL("./cases/", import.meta.url);
const cases = readdirSync(casesDir).filter((f) => f.endsWith(".ir"));

/** Loads an object with bpftool into a fresh pin directory; returns bpftool's error text or "". */
export function bpftoolLoad(obj: Uint8Array, tag: string): string {
  if (
    !existsSync("/sys/fs/bpf/") ||
    !readFileSync("/proc/mounts", "utf8").includes(" /sys/fs/bpf bpf ")
  ) {
    execFileSync("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"]);
  }
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-load-"));
  const file = join(dir, `${tag}.o`);
  writeFileSync(file, obj);
  const pin = `/sys/fs/bpf/tsbpf-test-${tag}-${process.pid}`;
  try {
    execFileSync("bpftool", ["prog", "loadall", file, pin], { stdio: "pipe" });
    return "";
  } catch (e) {
    const err = e as { stderr?: Buffer };
    return err.stderr?.toString() ?? String(e);
  } finally {
    rmSync(pin, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

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
