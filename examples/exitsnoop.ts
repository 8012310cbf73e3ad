/**
 * exitsnoop: reports process exits (not thread exits) — time, pid, uid, priority and command name —
 * through a ring buffer (like bcc's exitsnoop, reduced to the tracepoint's data).
 *
 * Shows: building a record on the stack with `zeroed()` and copying it out with `RingBuf.output`
 * (the reserve/submit style is in opensnoop and execsnoop); filtering threads by comparing the two
 * halves of bpf_get_current_pid_tgid.
 *
 * Run it: `tsbpf run examples/exitsnoop.ts` (root), then let some processes finish.
 */
import {
  type CharArray,
  RingBuf,
  getCurrentComm,
  getCurrentPidTgid,
  getCurrentUidGid,
  i32,
  ktimeGetNs,
  tracepoint,
  u32,
  u64,
  zeroed,
} from "tsbpf";

/** One record per exited process (C layout). */
interface ExitEvent {
  timestamp_ns: u64;
  pid: u32;
  uid: u32;
  prio: i32;
  comm: CharArray<16>;
}

export const events = new RingBuf<ExitEvent>({ maxEntries: 256 * 1024 });

export const onExit = tracepoint("sched/sched_process_exit", (ctx) => {
  const pidTgid = getCurrentPidTgid();
  // A thread whose id differs from its process id is not the main thread: skip it.
  if (u32(pidTgid) !== u32(pidTgid >> 32)) return 0;
  const e: ExitEvent = zeroed();
  e.timestamp_ns = ktimeGetNs();
  e.pid = u32(pidTgid >> 32);
  e.uid = u32(getCurrentUidGid());
  e.prio = ctx.prio;
  getCurrentComm(e.comm);
  events.output(e);
  return 0;
});

export const license = "GPL";
