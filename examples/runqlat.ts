/**
 * runqlat: a histogram of run-queue latency (time from wakeup to running), in log2 microsecond
 * slots, like bcc's runqlat. sched_wakeup records a timestamp per pid; sched_switch computes the
 * delay for the task switched in and bumps its slot, `log2(delta, MAX_SLOTS - 1)` (a bounded loop).
 */
import { ArrayMap, HashMap, atomicAdd, ktimeGetNs, log2, tracepoint, u32, u64 } from "tsbpf";

const MAX_SLOTS = 26;
export const start = new HashMap<u32, u64>({ maxEntries: 10240 });
export const histogram = new ArrayMap<u64>({ maxEntries: 26, histogram: "log2" });

export const onWakeup = tracepoint("sched/sched_wakeup", (ctx) => {
  const pid = u32(ctx.pid);
  start.update(pid, ktimeGetNs());
  return 0;
});

export const onSwitch = tracepoint("sched/sched_switch", (ctx) => {
  const pid = u32(ctx.next_pid);
  const ts = start.lookup(pid);
  if (ts === null) return 0;
  const deltaUs = (ktimeGetNs() - ts.value) / 1000;
  start.delete(pid);
  const slot = histogram.lookup(log2(deltaUs, MAX_SLOTS - 1));
  if (slot !== null) atomicAdd(slot.value, 1);
  return 0;
});

export const license = "GPL";
