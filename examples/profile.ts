/**
 * profile: a CPU profiler that samples kernel and user stacks (like bcc's profile). User space
 * attaches the program to a CPU-clock perf event on every CPU, then reads `counts` and resolves the
 * stack ids through `stacks`.
 *
 * Shows: a StackTraceMap and `getStackId` (bpf_get_stackid) for the kernel stack (flags 0) and the
 * user stack (BPF_F_USER_STACK). A failed walk leaves its negative errno in the key, as bcc does, so
 * user space can count lost stacks. Idle samples (pid 0) are skipped.
 *
 * Run it: `tsbpf run examples/profile.ts` (root), let it sample, then stop it to print `counts`.
 */
import {
  BPF_F_USER_STACK,
  BPF_NOEXIST,
  type CharArray,
  HashMap,
  StackTraceMap,
  atomicAdd,
  getCurrentComm,
  getCurrentPidTgid,
  i32,
  perfEvent,
  u32,
  u64,
  zeroed,
} from "tsbpf";

/** What one sample is counted under (C layout). */
interface SampleKey {
  pid: u32;
  kern_stack_id: i32;
  user_stack_id: i32;
  comm: CharArray<16>;
}

export const stacks = new StackTraceMap({ maxEntries: 10240, maxDepth: 127 });
export const counts = new HashMap<SampleKey, u64>({ maxEntries: 10240 });

export const onSample = perfEvent((ctx) => {
  const pid = u32(getCurrentPidTgid() >> 32);
  if (pid === 0) return 0;
  const key: SampleKey = zeroed();
  key.pid = pid;
  key.kern_stack_id = i32(stacks.getStackId(ctx, 0));
  key.user_stack_id = i32(stacks.getStackId(ctx, BPF_F_USER_STACK));
  getCurrentComm(key.comm);
  const count = counts.lookup(key);
  if (count !== null) atomicAdd(count.value, 1);
  else counts.update(key, 1, BPF_NOEXIST);
  return 0;
});

export const license = "GPL";
