/**
 * Cgroup and inode storage in the VM (runtime/maps/local-storage.ts), both engines: the owner is the
 * pointer the program passes (a tp_btf cgroup argument, an LSM hook's inode), each owner has its own
 * value, F_CREATE zero-fills it, delete drops it (-ENOENT when absent, -EINVAL for NULL), and a NULL
 * owner gets NULL. Task and sk storage, which programs on this kernel can use, are compared with the
 * kernel in test/kernel/local-storage.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { VmObject } from "../../runtime/vm/api.ts";

const SRC = `
import { BPF_LOCAL_STORAGE_GET_F_CREATE, CgrpStorage, InodeStorage, lsm, tpBtf, type u64 } from "tsbpf";
export const perCgroup = new CgrpStorage<u64>();
export const perInode = new InodeStorage<u64>();
/** How many cgroups were made under this one (0: no value, a NULL cgroup). */
export const mkdirs = tpBtf("cgroup_mkdir", (ctx, cgrp, path) => {
  const v = perCgroup.get(cgrp, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (v === null) return 0;
  v.value += 1;
  return v.value;
});
export const rmdirs = tpBtf("cgroup_rmdir", (ctx, cgrp, path) => perCgroup.delete(cgrp));
/** The inode's check count; the third check drops its value. */
export const checks = lsm("inode_permission", (ctx, inode, mask) => {
  const v = perInode.get(inode, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (v === null) return 0;
  v.value += 1;
  const n = v.value;
  if (n > 2) perInode.delete(inode);
  return n;
});
export const license = "GPL";
`;
const ENOENT = 2n;
const EINVAL = 22n;
const neg = (e: bigint) => BigInt.asUintN(64, -e);

let bytes: Uint8Array;
beforeAll(async () => {
  const out = await compileSource(SRC, "local-storage-owners.ts", { check: true });
  expect(out.diagnostics).toEqual([]);
  bytes = out.object!;
});

for (const engine of ["interpreter", "jit"] as const) {
  describe(`cgroup and inode storage in the VM (${engine})`, () => {
    it("keeps one value per cgroup pointer; delete drops it", () => {
      const vm = VmObject.load(bytes, { engine });
      const mk = (cg: bigint) => vm.program("mkdirs").run({ args: [cg, 0] }).r0;
      const rm = (cg: bigint) => vm.program("rmdirs").run({ args: [cg, 0] }).r0;
      expect([mk(0x1000n), mk(0x1000n), mk(0x2000n), mk(0n)]).toEqual([1n, 2n, 1n, 0n]);
      expect([rm(0x1000n), rm(0x1000n), rm(0n)]).toEqual([0n, neg(ENOENT), neg(EINVAL)]);
      // A new value after the delete starts from zero; the other cgroup's was untouched.
      expect([mk(0x1000n), mk(0x2000n)]).toEqual([1n, 2n]);
      vm.dispose();
    });

    it("keeps one value per inode pointer, created zeroed again after a delete", () => {
      const vm = VmObject.load(bytes, { engine });
      const check = (inode: bigint) => vm.program("checks").run({ args: [inode, 0] }).r0;
      const a = 0xffff888012340000n;
      expect([check(a), check(a), check(a + 8n), check(a), check(a)]).toEqual([1n, 2n, 1n, 3n, 1n]);
      vm.dispose();
    });
  });
}
