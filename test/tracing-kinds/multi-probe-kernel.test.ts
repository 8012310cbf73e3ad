/**
 * Multi-target probes on the live kernel. uprobe.multi / uretprobe.multi: one link on every
 * function of a gcc-built test binary matching `tsbpf_multi_*`, counting calls by argument and by
 * return value, must see exactly the calls the binary makes (and none of the function the glob
 * leaves out); examples/ucalls.ts attaches to all of libc's `str*` functions and counts
 * calls while a shell runs. kprobe.multi: this kernel has no kprobes (CONFIG_KPROBES and CONFIG_FPROBE off), so the
 * program loads but the link is refused with EOPNOTSUPP, which the loader explains naming the kind
 * and the kernel release; the test accepts exactly that refusal.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { KernelError, matchBinaryFunctions } from "../../runtime/loader/index.ts";
import { LiveSession } from "../../runtime/user/index.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = kernelReady("multi-probe tests");
const gcc = run && capability("gcc", hasCommand("gcc"), "uprobe.multi tests");

const TARGET_C = `
#include <stdlib.h>
__attribute__((noinline)) int tsbpf_multi_a(int x) { __asm__ volatile(""); return x + 1; }
__attribute__((noinline)) int tsbpf_multi_b(int x) { __asm__ volatile(""); return x + 2; }
__attribute__((noinline)) int tsbpf_other(int x) { __asm__ volatile(""); return x + 3; }
int main(int argc, char **argv) {
  int n = atoi(argv[1]), s = 0;
  for (int i = 0; i < n; i++) s += tsbpf_multi_a(1);
  for (int i = 0; i < 2 * n; i++) s += tsbpf_multi_b(2);
  s += tsbpf_other(3);
  return s == 0;
}
`;

async function build(source: string): Promise<Uint8Array> {
  const out = await compileSource(source, "multi.ts", { emit: "obj", check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

/** Opens the probe, runs `action`, detaches, and returns map `name` as [key, value] numbers. */
async function counts(obj: Uint8Array, name: string, action: () => void): Promise<number[][]> {
  const s = LiveSession.open(obj);
  try {
    action();
    s.detach();
    const m = s.typedMaps().find((x) => x.name === name)!;
    return m
      .entries()
      .map((e) => [Number(e.key), Number(e.value)])
      .sort((a, b) => a[0]! - b[0]!);
  } finally {
    await s.close();
  }
}

describe.skipIf(!run)("multi-target probes on the kernel", () => {
  let dir = "";
  let bin = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-multi-"));
    if (!gcc) return;
    writeFileSync(join(dir, "target.c"), TARGET_C);
    bin = join(dir, "target");
    execFileSync("gcc", ["-O1", "-o", bin, join(dir, "target.c")]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!gcc)("the glob picks the matching functions of the binary", () => {
    expect(matchBinaryFunctions(bin, "tsbpf_multi_*").map((f) => f.name)).toEqual([
      "tsbpf_multi_a",
      "tsbpf_multi_b",
    ]);
    expect(matchBinaryFunctions(bin, "tsbpf_?ther").map((f) => f.name)).toEqual(["tsbpf_other"]);
  });

  it.skipIf(!gcc)(
    "uprobe.multi counts every call of the matching functions, by argument",
    async () => {
      const obj = await build(`
      import { HashMap, atomicAdd, u32, u64, uprobeMulti } from "tsbpf";
      export const byArg = new HashMap<u32, u64>({ maxEntries: 16 });
      export const onCall = uprobeMulti("${bin}:tsbpf_multi_*", (ctx) => {
        const k = u32(ctx.arg(0));
        const c = byArg.lookup(k);
        if (c === null) byArg.update(k, 1);
        else atomicAdd(c.value, 1);
        return 0;
      });
      export const license = "GPL";
    `);
      const got = await counts(obj, "byArg", () => execFileSync(bin, ["7"]));
      // tsbpf_multi_a(1) 7 times, tsbpf_multi_b(2) 14 times; tsbpf_other(3) is not probed.
      expect(got).toEqual([
        [1, 7],
        [2, 14],
      ]);
    },
  );

  it.skipIf(!gcc)("uretprobe.multi sees each return value", async () => {
    const obj = await build(`
      import { HashMap, atomicAdd, u32, u64, uretprobeMulti } from "tsbpf";
      export const byRet = new HashMap<u32, u64>({ maxEntries: 16 });
      export const onRet = uretprobeMulti("${bin}:tsbpf_multi_*", (ctx) => {
        const k = u32(ctx.ret());
        const c = byRet.lookup(k);
        if (c === null) byRet.update(k, 1);
        else atomicAdd(c.value, 1);
        return 0;
      });
      export const license = "GPL";
    `);
    const got = await counts(obj, "byRet", () => execFileSync(bin, ["3"]));
    expect(got).toEqual([
      [2, 3],
      [4, 6],
    ]);
  });

  it("examples/ucalls.ts attaches to every libc str* function and counts calls while a shell runs", async () => {
    const src = readFileSync(join(ROOT, "examples/ucalls.ts"), "utf8");
    const out = await compileSource(src, "examples/ucalls.ts", { emit: "obj", check: true });
    // `printf` with a %s argument makes the shell call strlen and friends in libc.
    const got = await counts(out.object!, "calls", () =>
      execFileSync("/bin/sh", ["-c", 'for i in 1 2 3; do printf "%s\\n" abc; done'], {
        stdio: "ignore",
      }),
    );
    expect(got.length).toBeGreaterThan(0);
    expect(got.reduce((s, [, v]) => s + v!, 0)).toBeGreaterThan(0);
  });

  it("kprobe.multi loads, and this kernel refuses its link naming what it lacks", async () => {
    const obj = await build(`
      import { kprobeMulti } from "tsbpf";
      export const onRead = kprobeMulti("vfs_read*", (_ctx) => 0);
      export const license = "GPL";
    `);
    let err: unknown;
    try {
      await LiveSession.open(obj).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("EOPNOTSUPP");
    expect((err as Error).message).toMatch(
      new RegExp(
        `BPF_LINK_CREATE \\(attaching kprobe\\.multi program "onRead" to \\d+ kernel functions? matching "vfs_read\\*"\\) failed: EOPNOTSUPP: Linux ${release().replace(/[.+]/g, "\\$&")} is built without CONFIG_FPROBE and CONFIG_KPROBES, which kprobe\\.multi links need`,
      ),
    );
  });
});
