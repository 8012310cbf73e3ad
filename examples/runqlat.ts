/**
 * runqlat: a histogram of run-queue latency (time from wakeup to running), in log2 microsecond
 * slots, like bcc's runqlat. sched_wakeup records a timestamp per pid; sched_switch computes the
 * delay for the task switched in and bumps its slot, found with a bounded log2 loop.
 */
import { ArrayMap, HashMap, atomicAdd, ktimeGetNs, tracepoint, u32, u64 } from "tsbpf";

const MAX_SLOTS = 26;
const start = new HashMap<u32, u64>({ maxEntries: 10240 });
const histogram = new ArrayMap<u64>({ maxEntries: 26 });

/** floor(log2(v)), capped at MAX_SLOTS - 1: a loop with a constant bound the verifier accepts. */
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
  const slot = histogram.lookup(log2Slot(deltaUs));
  if (slot !== null) atomicAdd(slot.value, 1);
  return 0;
});

export const license = "GPL";
