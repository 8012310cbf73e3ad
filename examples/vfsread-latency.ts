/**
 * vfsread-latency: latency of vfs_read() as a histogram of log2 nanosecond slots (the fentry/fexit
 * flavour of bcc's funclatency, for one kernel function).
 *
 * Shows: fentry/fexit programs (BPF trampolines, attached by BTF name), a per-thread start time keyed
 * by the low half of bpf_get_current_pid_tgid, and the stdlib's
 * `log2(v, cap)` histogram slot (a bounded loop). Kernels in lockdown refuse
 * trampolines even to root (EPERM).
 *
 * Run it: `tsbpf run examples/vfsread-latency.ts` (root), read some files, read `hist`.
 */
import {
  ArrayMap,
  HashMap,
  atomicAdd,
  fentry,
  fexit,
  getCurrentPidTgid,
  ktimeGetNs,
  log2,
  u32,
  u64,
} from "tsbpf";

const MAX_SLOTS = 32;
export const start = new HashMap<u32, u64>({ maxEntries: 10240 });
export const hist = new ArrayMap<u64>({ maxEntries: MAX_SLOTS, histogram: "log2" });

export const onReadEntry = fentry("vfs_read", () => {
  const tid = u32(getCurrentPidTgid());
  start.update(tid, ktimeGetNs());
  return 0;
});

export const onReadExit = fexit("vfs_read", () => {
  const tid = u32(getCurrentPidTgid());
  const ts = start.lookup(tid);
  if (ts === null) return 0;
  const count = hist.lookup(log2(ktimeGetNs() - ts.value, MAX_SLOTS - 1));
  if (count !== null) atomicAdd(count.value, 1);
  start.delete(tid);
  return 0;
});

export const license = "GPL";
