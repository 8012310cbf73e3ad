/**
 * The compiler refuses what the kernel's verifier would refuse about helper calls, at the call's
 * span: a GPL-only helper under a license that is not GPL-compatible (TSB3017, the kernel's
 * "cannot call GPL-restricted function") and a helper the program type may not call (TSB3018);
 * a call in a function shared by programs is checked against each program's type. With root, the
 * access facts are re-probed from the running kernel and must match the generated file.
 */
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { HELPER_ACCESS_KERNEL } from "../../core/kernel/index.ts";
import { capability, hasKernelBpf } from "../support/env.ts";

const codes = async (src: string) =>
  (await compileToIr(src, "p.ts")).diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);

describe("helper checks", () => {
  it("a GPL-only helper under a non-GPL license is TSB3017 at the call", async () => {
    const src = [
      `import { FixedArray, kprobe, probeReadKernel, u8, zeroed } from "tsbpf";`,
      `export const license = "MIT";`,
      `export const p = kprobe("vfs_read", (ctx) => {`,
      `  const v: FixedArray<u8, 8> = zeroed();`,
      `  probeReadKernel(v, 0);`,
      `  return 0;`,
      `});`,
    ].join("\n");
    const d = (await compileToIr(src, "p.ts")).diagnostics;
    expect(d.map((x) => `${x.code}@${x.line}:${x.col}`)).toContain("TSB3017@5:3");
    expect(d.find((x) => x.code === "TSB3017")!.message).toMatch(
      /bpf_probe_read_kernel is GPL-only in KPROBE programs and the kernel refuses it under license "MIT"/,
    );
    expect(await codes(src.replace('"MIT"', '"Dual MIT/GPL"'))).not.toContain("TSB3017@5:3");
    expect(
      await codes(
        src
          .replace("probeReadKernel(v, 0)", "ktimeGetNs()")
          .replace("probeReadKernel", "ktimeGetNs"),
      ),
    ).toEqual([]);
  });

  it("a helper the program type may not call is TSB3018, also through a shared function", async () => {
    const src = [
      `import { FixedArray, i64, kprobe, probeRead, u8, xdp, zeroed } from "tsbpf";`,
      `export const license = "GPL";`,
      `function rd(): i64 { const b: FixedArray<u8, 8> = zeroed(); return probeRead(b, 0); }`,
      `export const a = kprobe("vfs_read", (ctx) => { rd(); return 0; });`,
      `export const b = xdp((ctx) => { rd(); return 2; });`,
    ].join("\n");
    const d = (await compileToIr(src, "p.ts")).diagnostics;
    expect(d.map((x) => `${x.code}@${x.line}:${x.col}`)).toEqual(["TSB3018@3:68"]);
    expect(d[0]!.message).toMatch(/bpf_probe_read cannot be called from XDP programs/);
  });
});

describe("helper access facts", () => {
  const root = capability("root and bpf()", hasKernelBpf(), "re-probing helper access");
  it.skipIf(!root || release() !== HELPER_ACCESS_KERNEL)(
    "are what the running kernel's verifier answers",
    async () => {
      const { generateHelperAccess, HELPER_ACCESS_PATH } =
        await import("../../scripts/probe-helper-access.ts");
      expect((await generateHelperAccess()) === readFileSync(HELPER_ACCESS_PATH, "utf8")).toBe(
        true,
      );
    },
    60_000,
  );
});
