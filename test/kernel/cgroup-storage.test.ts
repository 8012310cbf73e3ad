/**
 * The legacy cgroup storage from TypeScript (test/kernel/kinds/cgroup-storage.ts): CgroupStorage<V>
 * and PerCpuCgroupStorage<V> (BPF_MAP_TYPE_CGROUP_STORAGE / PERCPU_CGROUP_STORAGE) reached with
 * `get()` (bpf_get_local_storage). libbpf (bpftool) loads the object; on the live kernel a
 * BPF_PROG_TEST_RUN of the cgroup_skb program with repeat 3 keeps one storage across the repeats,
 * as the VM keeps its cgroup's storage across three runs: the counts the program copies out agree.
 */
import { describe, expect, it } from "vitest";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { buildFixture, itLoadsWithLibbpf, u32, u64 } from "../support/fixture.ts";

const FILE = "test/kernel/kinds/cgroup-storage.ts";
const FRAME = new Uint8Array(60);

const build = () => buildFixture(FILE);

describe("legacy cgroup storage", () => {
  itLoadsWithLibbpf(FILE, "cgroup_storage");

  it("keeps one value per cgroup across runs, in the VM and on the kernel", async () => {
    const bytes = await build();
    const vm = VmObject.load(bytes);
    for (let i = 0; i < 3; i++) expect(vm.program("count").run({ packet: FRAME }).r0).toBe(1n);
    const seen = (lookup: (k: Uint8Array) => Uint8Array | null | undefined) =>
      [0, 1, 2].map((i) => u64(lookup(u32(i))!));
    const vmSeen = seen((k) => vm.map("seen").map.lookup(k));
    expect(vmSeen).toEqual([3n, 1n + 2n + 3n, 3n]);
    // User space reads the VM cgroup's (the root's, id 1) storage by its id.
    const root = new Uint8Array(new BigUint64Array([1n]).buffer);
    expect(u64(vm.map("perCgroup").map.lookup(root)!)).toBe(3n);
    if (!kernelReady("cgroup storage on the kernel")) return;
    const obj = loadObject(bytes);
    try {
      expect(testRun(obj.program("count"), { data: FRAME, repeat: 3 }).retval).toBe(1);
      expect(seen((k) => obj.map("seen").lookup(k))).toEqual(vmSeen);
    } finally {
      obj.close();
    }
  });
});
