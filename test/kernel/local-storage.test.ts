/**
 * Local storage on the live kernel (test/kernel/kinds/local-storage.ts): the loader creates task,
 * socket, inode and cgroup storage maps (BPF_F_NO_PREALLOC, max_entries 0, int key, BTF value), a
 * tp_btf program counts this process's system calls in its task storage (owner
 * bpf_get_current_task_btf), and a cgroup sock_create program tags sockets created by a process in a
 * child cgroup in their sk storage. The VM (both engines) runs the same object: the VM process's
 * task owns task storage, a sock program's context is its socket (which dies with the run, as
 * BPF_PROG_TEST_RUN's socket does); and the raw tracepoint programs, which BPF_PROG_TEST_RUN runs on
 * the calling task, give the same results run by run on the kernel and in the VM.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { CONTEXT_LAYOUTS } from "../../core/kernel/index.ts";
import {
  defaultCgroup,
  loadObject,
  MapType,
  testRun,
  type KernelLink,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("local storage map kinds");
const python = run && capability("python3", hasCommand("python3"), "sk storage test");
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64At = (obj: LoadedObject, map: string, i: number) => {
  const v = obj.map(map).lookup(u32(i))!;
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
};

const u64Of = (v: Uint8Array | undefined) =>
  v === undefined ? undefined : new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
/** What taskOps returns when every task storage operation behaves as documented. */
const ALL_TASK_OPS = 255;
/** What tagSocket records when every sk storage operation behaves as documented. */
const ALL_SOCK_OPS = 7n;

let bytes: Uint8Array;
beforeAll(async () => {
  const src = readFileSync(join(import.meta.dirname, "kinds", "local-storage.ts"), "utf8");
  const out = await compileSource(src, "test/kernel/kinds/local-storage.ts", { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  bytes = out.object!;
});

for (const engine of ["interpreter", "jit"] as const) {
  describe(`local storage in the VM (${engine})`, () => {
    it("task storage: one value per task, kept across runs, reachable by the task's pid", () => {
      const vm = VmObject.load(bytes, { engine });
      const me = vm.process;
      vm.map("watch").set(u32(0), u32(me.tgid));
      const calls = () => vm.program("countCalls").run({ args: [0, 0] });
      for (let i = 0; i < 3; i++) calls();
      expect(u64Of(vm.map("seen").get(u32(0)))).toBe(3n);
      // Another task has its own value; the watched one's is untouched.
      vm.program("countCalls").run({
        args: [0, 0],
        process: { pid: 77, tgid: 77, task: me.task + 0x4000n },
      });
      calls();
      expect(u64Of(vm.map("seen").get(u32(0)))).toBe(4n);
      // User space names a task by its pid (the VM's stand-in for a pidfd).
      expect(u64Of(vm.map("perTask").get(u32(me.pid)))).toBe(4n);
      expect(u64Of(vm.map("perTask").get(u32(77)))).toBe(1n);
      expect(vm.map("perTask").get(u32(78))).toBeUndefined();
      expect(vm.map("perTask").delete(u32(77))).toBe(true);
      expect(vm.map("perTask").get(u32(77))).toBeUndefined();
      vm.dispose();
    });

    it("task storage: get, F_CREATE, bad flags and delete as the kernel documents them", () => {
      const vm = VmObject.load(bytes, { engine });
      const runs = [1, 2, 3].map(() => Number(vm.program("bump").run({ args: [0, 0] }).r0));
      expect(runs).toEqual([1, 2, 3]);
      expect(Number(vm.program("taskOps").run({ args: [0, 0] }).r0)).toBe(ALL_TASK_OPS);
      // A task bump never ran on has no value in its map: bit 128 stays clear.
      const other = { pid: 9, tgid: 9, task: vm.process.task + 0x8000n };
      expect(Number(vm.program("taskOps").run({ args: [0, 0], process: other }).r0)).toBe(
        ALL_TASK_OPS - 128,
      );
      vm.dispose();
    });

    it("sk storage: the sock program's context is its socket, which dies with the run", () => {
      const vm = VmObject.load(bytes, { engine });
      const sock = new Uint8Array(CONTEXT_LAYOUTS["bpf_sock"]!.size);
      for (let i = 1; i <= 3; i++) {
        expect(Number(vm.program("tagSocket").run({ ctx: sock }).r0)).toBe(1);
        // Each run's socket is new: no value before the first get, so every bit is set again.
        expect(u64Of(vm.map("seen").get(u32(2)))).toBe(ALL_SOCK_OPS);
        expect(u64Of(vm.map("seen").get(u32(1)))).toBe(BigInt(i));
      }
      vm.dispose();
    });
  });
}

describe.runIf(run)("local storage on the live kernel", () => {
  let obj: LoadedObject;
  let cgroup = "";
  const links: KernelLink[] = [];

  beforeAll(() => {
    obj = loadObject(bytes);
  });

  afterAll(() => {
    for (const l of links.splice(0)) l.detach();
    obj?.close();
    if (cgroup) rmdirSync(cgroup);
  });

  it("creates the four storage kinds as the kernel requires them", () => {
    const rows = ["perTask", "perSocket", "perInode", "perCgroup"].map((n) => {
      const m = obj.map(n);
      return [m.type, m.keySize, m.maxEntries];
    });
    expect(rows).toEqual([
      [MapType.TASK_STORAGE, 4, 0],
      [MapType.SK_STORAGE, 4, 0],
      [MapType.INODE_STORAGE, 4, 0],
      [32, 4, 0], // BPF_MAP_TYPE_CGRP_STORAGE
    ]);
  });

  it("task storage: the tp_btf program counts this process's system calls in its task's value", () => {
    obj.map("watch").update(u32(0), u32(process.pid));
    links.push(obj.attach("countCalls"));
    for (let i = 0; i < 20; i++) statSync("/");
    const first = u64At(obj, "seen", 0);
    expect(first).toBeGreaterThan(0n);
    for (let i = 0; i < 50; i++) statSync("/");
    // The value lives with the task across runs: the 50 further calls add to it.
    expect(u64At(obj, "seen", 0)).toBeGreaterThan(first);
  });

  it.runIf(python)(
    "sk storage: sock_create tags the sockets a process in the cgroup creates",
    () => {
      cgroup = join(defaultCgroup(), `tsbpf-storage-${process.pid}`);
      mkdirSync(cgroup);
      links.push(obj.attach("tagSocket", { cgroup }));
      const before = u64At(obj, "seen", 1);
      const r = spawnSync(
        "sh",
        [
          "-c",
          `echo $$ > "${cgroup}/cgroup.procs" && exec python3 -c "import socket; [socket.socket() for _ in range(3)]"`,
        ],
        { encoding: "utf8" },
      );
      expect(r.status).toBe(0);
      expect(u64At(obj, "seen", 1) - before).toBe(3n);
      // Every sk storage operation behaved as in the VM's runs of the same program (above).
      expect(u64At(obj, "seen", 2)).toBe(ALL_SOCK_OPS);
    },
  );

  it("task storage: BPF_PROG_TEST_RUN and the VM agree run by run (raw_tp on the calling task)", () => {
    const vm = VmObject.load(bytes);
    const seq = (side: (p: string) => number) => [
      side("bump"),
      side("bump"),
      side("taskOps"),
      side("bump"),
      side("taskOps"),
    ];
    const ctx = new Uint8Array(16);
    const kernel = seq((p) => testRun(obj.program(p), { ctx }).retval);
    const inVm = seq((p) => Number(vm.program(p).run({ args: [0, 0] }).r0));
    expect(kernel).toEqual([1, 2, ALL_TASK_OPS, 3, ALL_TASK_OPS]);
    expect(inVm).toEqual(kernel);
    vm.dispose();
  });
});
