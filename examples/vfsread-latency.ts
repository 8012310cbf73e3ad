/**
 * vfsread-latency: latency of vfs_read() as a histogram of log2 nanosecond slots (the fentry/fexit
 * flavour of bcc's funclatency, for one kernel function).
 *
 * Shows: fentry/fexit programs (BPF trampolines, attached by BTF name), a per-thread start time keyed
 * by the low half of bpf_get_current_pid_tgid, and a bounded log2 loop. Kernels in lockdown refuse
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
  u32,
  u64,
} from "tsbpf";

const MAX_SLOTS = 32;
const start = new HashMap<u32, u64>({ maxEntries: 10240 });
const hist = new ArrayMap<u64>({ maxEntries: MAX_SLOTS });

/** floor(log2(v)) clamped to the last slot; 0 and 1 both land in slot 0. */
function log2Slot(v: u64): u32 {
  let slot: u32 = 0;
  let x = v;
  for (let i = 0; i < MAX_SLOTS - 1; i++) {
    x = x >> 1;
    if (x === 0) break;
    slot++;
  }
  return slot;
}

export const onReadEntry = fentry("vfs_read", () => {
  const tid = u32(getCurrentPidTgid());
  start.update(tid, ktimeGetNs());
  return 0;
});

export const onReadExit = fexit("vfs_read", () => {
  const tid = u32(getCurrentPidTgid());
  const ts = start.lookup(tid);
  if (ts === null) return 0;
  const count = hist.lookup(log2Slot(ktimeGetNs() - ts.value));
  if (count !== null) atomicAdd(count.value, 1);
  start.delete(tid);
  return 0;
});

export const license = "GPL";
