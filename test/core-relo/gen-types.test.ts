/**
 * `tsbpf gen types` end to end: declarations generated from the host's BTF type-check with plain
 * tsc next to the CO-RE examples, giving their kernel fields real types (a wrong use is a TS error),
 * and a missing BTF file is a clean error.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capability } from "../support/env.ts";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin", "tsbpf.js");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const hostBtf = capability(
  "/sys/kernel/btf/vmlinux",
  existsSync("/sys/kernel/btf/vmlinux"),
  "gen types from the host BTF",
);

describe("tsbpf gen types", () => {
  it.runIf(hostBtf)(
    "writes declarations tsc accepts with the examples, typing their fields",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "tsbpf-gen-types-"));
      execFileSync(process.execPath, [
        BIN,
        "gen",
        "types",
        "--types",
        "task_struct,sock,mm_struct,file,dentry",
        "-o",
        join(dir, "vmlinux.d.ts"),
      ]);
      for (const f of readdirSync(join(ROOT, "examples")).filter((f) => f.startsWith("core-")))
        copyFileSync(join(ROOT, "examples", f), join(dir, f));
      writeFileSync(
        join(dir, "wrong.ts"),
        'import { currentTask } from "tsbpf";\nexport const s: string = currentTask().real_parent.tgid;\n',
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "ES2022",
            module: "ESNext",
            moduleResolution: "Bundler",
            types: [],
            paths: { tsbpf: [join(ROOT, "stdlib", "index.d.ts")] },
          },
          include: ["*.ts"],
        }),
      );
      const r = spawnSync(process.execPath, [TSC, "-p", "."], { cwd: dir, encoding: "utf8" });
      expect(r.stdout.trim().split("\n")).toEqual([
        "wrong.ts(2,14): error TS2322: Type 'number' is not assignable to type 'string'.",
      ]);
    },
    60_000,
  );

  it("a missing BTF file is an error naming it", () => {
    const r = spawnSync(process.execPath, [BIN, "gen", "types", "--btf", "/nonexistent.btf"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("tsbpf gen types: /nonexistent.btf: no such file\n");
  });
});
