/**
 * BPF_MAP_TYPE_CGROUP_ARRAY from TypeScript (test/kernel/kinds/cgroup-array.ts): user space stores the
 * test process's own cgroup v2 directory in slot 0 and a fresh child cgroup in slot 1 (their fds on
 * the kernel, their ids in the VM, whose task is in the root cgroup); a raw tracepoint program
 * (bpf_current_task_under_cgroup, BPF_PROG_TEST_RUN on its arguments) and a tc program
 * (bpf_skb_under_cgroup: the test run's socket is the task's) answer 1, 0, -EAGAIN for the empty
 * slot and -E2BIG past the end, the same on the live kernel and in the VM.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { cgroupV2Mounts } from "../../runtime/loader/attach/cgroup.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { buildFixture, i64, itLoadsWithLibbpf, u32 } from "../support/fixture.ts";

const FILE = "test/kernel/kinds/cgroup-array.ts";
const EXPECTED = [1n, 0n, -11n, -7n, 1n, 0n, -11n, -7n];

const build = () => buildFixture(FILE);

/** The test process's cgroup v2 directory (from /proc/self/cgroup's `0::` line). */
function ownCgroup(): string {
  const line = readFileSync("/proc/self/cgroup", "utf8")
    .split("\n")
    .find((l) => l.startsWith("0::"));
  const root = cgroupV2Mounts()[0];
  if (!line || !root) throw new Error("no cgroup v2 hierarchy for the test process");
  return join(root, line.slice(3));
}

describe("cgroup array", () => {
  itLoadsWithLibbpf(FILE, "cgroup_array");

  it("the task and the packet are under their own cgroup only, in the VM and on the kernel", async () => {
    const bytes = await build();
    const vm = VmObject.load(bytes);
    const cg = vm.map("cgroups").map;
    expect([cg.update(u32(0), u32(1), 0), cg.update(u32(1), u32(7), 0)]).toEqual([0, 0]);
    vm.program("task").run({ args: [0, 0] });
    vm.program("packet").run({ packet: new Uint8Array(64) });
    const vmAnswers = [...Array(8).keys()].map((i) => i64(vm.map("answers").map.lookup(u32(i))!));
    expect(vmAnswers).toEqual(EXPECTED);
    if (!kernelReady("cgroup_array on the kernel")) return;
    const own = ownCgroup();
    const child = join(own, `tsbpf-cgroup-array-${process.pid}`);
    mkdirSync(child);
    const fds = [openSync(own, "r"), openSync(child, "r")];
    const obj = loadObject(bytes);
    try {
      fds.forEach((fd, slot) => obj.map("cgroups").update(u32(slot), u32(fd)));
      testRun(obj.program("task"), { ctx: new Uint8Array(16) });
      testRun(obj.program("packet"), { data: new Uint8Array(64) });
      const k = [...Array(8).keys()].map((i) => i64(obj.map("answers").lookup(u32(i))!));
      expect(k).toEqual(vmAnswers);
    } finally {
      obj.close();
      fds.forEach((fd) => closeSync(fd));
      rmdirSync(child);
    }
  });
});
