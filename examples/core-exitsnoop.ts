/**
 * core-exitsnoop: reports process exits with the exit code and the process's age, both read from
 * the kernel's task struct (libbpf-tools exitsnoop: `BPF_CORE_READ(task, exit_code)`,
 * `bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time)`), and the parent's pid.
 *
 * Shows: several CO-RE reads of one task; `exit_code` holds the wait status (exit status << 8,
 * or the signal number), so `exit_code >> 8` is what the shell prints as `$?`.
 *
 * Run it: `tsbpf run examples/core-exitsnoop.ts` (root), then let some processes finish.
 */
import {
  RingBuf,
  currentTask,
  getCurrentPidTgid,
  ktimeGetNs,
  tracepoint,
  u32,
  u64,
  zeroed,
} from "tsbpf";

/** One record per exited process (C layout). */
interface ExitEvent {
  duration_ns: u64;
  pid: u32;
  ppid: u32;
  exit_code: u32;
  sig: u32;
}

const events = new RingBuf<ExitEvent>({ maxEntries: 256 * 1024 });

export const onExit = tracepoint("sched/sched_process_exit", () => {
  const pidTgid = getCurrentPidTgid();
  // A thread whose id differs from its process id is not the main thread: skip it.
  if (u32(pidTgid) !== u32(pidTgid >> 32)) return 0;
  const task = currentTask();
  const e: ExitEvent = zeroed();
  e.duration_ns = ktimeGetNs() - task.start_time;
  e.pid = u32(pidTgid >> 32);
  e.ppid = u32(task.real_parent.tgid);
  const code = u32(task.exit_code);
  e.exit_code = code >> 8;
  e.sig = code & 0x7f;
  events.output(e);
  return 0;
});

export const license = "GPL";
