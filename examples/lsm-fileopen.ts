/**
 * lsm-fileopen: counts the files each user opens, from the `file_open` security hook (a BPF LSM
 * program, like the kernel selftests' lsm.c), and allows every open.
 *
 * Shows: `lsm("file_open", (ctx, file, ret) => ...)` (SEC("lsm/file_open")): the hook's argument
 * (`struct file *file`, typed from `bpf_lsm_file_open`'s BTF prototype) and the verdict of the LSM
 * programs before this one, which a program passes on; returning 0 allows, a negative errno denies.
 * LSM programs run through BPF trampolines: kernels that forbid them refuse the load with EPERM
 * before the verifier, and tsbpf says so naming the program type and the kernel version.
 *
 * Run it: `tsbpf run examples/lsm-fileopen.ts` (root, a kernel with `bpf` in its LSM list).
 */
import { HashMap, atomicAdd, getCurrentUidGid, lsm, u32, u64 } from "tsbpf";

export const opensByUid = new HashMap<u32, u64>({ maxEntries: 1024 });

export const onFileOpen = lsm("file_open", (_ctx, file, ret) => {
  if (ret !== 0) return ret;
  if (file === 0) return 0;
  const uid = u32(getCurrentUidGid());
  const count = opensByUid.lookup(uid);
  if (count === null) opensByUid.update(uid, 1);
  else atomicAdd(count.value, 1);
  return 0;
});

export const license = "GPL";
