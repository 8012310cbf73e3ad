/**
 * The sleepable twins of the stdlib's program kinds (libbpf's `.s` sections, loaded with
 * BPF_F_SLEEPABLE) on the live kernel, from test/kernel/kinds/sleepable.ts:
 * - `iterSleepable("task")` walks the tasks and prints this process;
 * - `uprobeSleepable` / `uretprobeSleepable` on a native target's main(): the entry probe copies
 *   user memory with copyFromUser (a helper only sleepable programs may call: the verifier accepted
 *   the program, so the loader set the flag) and both count one call per run;
 * - trampoline kinds (`fentrySleepable`, `lsmSleepable`) are refused like their plain kinds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  KernelError,
  loadObject,
  readIterator,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("sleepable program kinds");
const gcc = run && capability("gcc", hasCommand("gcc"), "sleepable uprobe tests");
const FIXTURES = join(import.meta.dirname, "fixtures");
const RELEASE = release().replace(/[.+]/g, "\\$&");

let obj: LoadedObject;
let dir = "";

function counter(i: number): bigint {
  const v = obj.map("calls").lookup(new Uint8Array(new Uint32Array([i]).buffer))!;
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
}

describe.runIf(run)("sleepable program kinds on the live kernel", () => {
  beforeAll(async () => {
    const src = readFileSync(join(import.meta.dirname, "kinds", "sleepable.ts"), "utf8");
    const out = await compileSource(src, "test/kernel/kinds/sleepable.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    obj = loadObject(out.object!);
    dir = mkdtempSync(join(tmpdir(), "tsbpf-sleepable-"));
  });

  afterAll(() => {
    obj?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("every program loads in its .s section", () => {
    expect([...obj.programs.values()].map((p) => p.section)).toEqual([
      "iter.s/task",
      "uprobe.s//bin/true:main",
      "uretprobe.s//bin/true:main",
      "uprobe.multi.s//bin/true:main",
      "uretprobe.multi.s//bin/true:main",
      "usdt.s//bin/true:provider:probe",
    ]);
  });

  it("iter.s/task lists this process", () => {
    const link = obj.attach("processes");
    try {
      const text = new TextDecoder().decode(readIterator(link));
      expect(text.split("\n")).toContain(`${process.pid} node`);
    } finally {
      link.detach();
    }
  });

  it.runIf(gcc)("uprobe.s / uretprobe.s on main() copy user memory and count each run", () => {
    const bin = join(dir, "target");
    execFileSync("gcc", ["-O2", "-o", bin, join(FIXTURES, "uprobe-target.c")]);
    const target = { uprobe: { path: bin, symbol: "main" } };
    const links = [obj.attach("onEntry", target), obj.attach("onReturn", target)];
    try {
      const before = [counter(1), counter(2)];
      for (let i = 0; i < 3; i++) execFileSync(bin, ["4"]);
      expect([counter(1) - before[0]!, counter(2) - before[1]!]).toEqual([3n, 3n]);
      // argv[0] of the last run: a user-space pointer, copied by copyFromUser.
      const word = obj.map("firstArgBytes").lookup(new Uint8Array(4))!;
      expect(new DataView(word.buffer, word.byteOffset).getBigUint64(0, true)).not.toBe(0n);
    } finally {
      for (const l of links) l.detach();
    }
  });

  it("fentry.s and lsm.s are refused like every BPF trampoline here", async () => {
    const src = `
      import { fentrySleepable, lsmSleepable } from "tsbpf";
      export const onOpen = fentrySleepable("vfs_open", (_ctx, path, file) => 0);
      export const onFile = lsmSleepable("file_open", (_ctx, file, ret) => 0);
      export const license = "GPL";
    `;
    const out = await compileSource(src, "sleepable.ts", { emit: "obj", check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    for (const [name, attach] of [
      ["onOpen", "TRACING program \\(attach type BPF_TRACE_FENTRY"],
      ["onFile", "LSM program \\(attach type BPF_LSM_MAC"],
    ] as const) {
      let err: unknown;
      try {
        loadObject(out.object!, { programs: [name] }).close();
      } catch (e) {
        err = e;
      }
      expect((err as KernelError).code).toBe("EPERM");
      expect((err as Error).message).toMatch(
        new RegExp(
          `^BPF_PROG_LOAD \\(program "${name}" at sleepable\\.ts:\\d+\\) failed: EPERM: a BPF_PROG_TYPE_${attach}\\) on Linux ${RELEASE} is refused even as root, before verification`,
        ),
      );
    }
  });
});
