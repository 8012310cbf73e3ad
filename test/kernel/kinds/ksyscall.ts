/**
 * Kernel fixture: ksyscall / kretsyscall programs on openat with typed arguments (libbpf's
 * BPF_KSYSCALL): the entry program adds the flags of each openat relative to the working directory
 * (dfd AT_FDCWD) to slot 0 and counts them in slot 2; the return program counts successful calls in
 * slot 1.
 */
import { ArrayMap, atomicAdd, ksyscall, kretsyscall, type i32, u64 } from "tsbpf";

export const calls = new ArrayMap<u64>({ maxEntries: 3 });

/** AT_FDCWD (linux/fcntl.h). */
const AT_FDCWD = -100;

export const onOpenat = ksyscall("openat", (ctx, dfd: i32, filename, flags: i32) => {
  if (dfd !== AT_FDCWD) return 0;
  const f = calls.lookup(0);
  if (f !== null) atomicAdd(f.value, u64(flags));
  const n = calls.lookup(2);
  if (n !== null) atomicAdd(n.value, 1);
  return 0;
});
export const onOpenatReturn = kretsyscall("openat", (ctx, ret) => {
  const c = calls.lookup(1);
  if (c !== null && ret >= 0) atomicAdd(c.value, 1);
  return 0;
});

export const license = "GPL";
