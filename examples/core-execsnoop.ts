/**
 * core-execsnoop: reports every exec with the parent's pid, read from the kernel's task struct
 * (libbpf-tools execsnoop's `BPF_CORE_READ(task, real_parent, tgid)`), and one bitfield of it.
 *
 * Shows: kernel structs with CO-RE. `currentTask()` is the running task; `task.real_parent.tgid`
 * follows the parent pointer and reads its tgid, each hop a relocated bpf_probe_read_kernel that
 * the loader adapts to the running kernel's layout of task_struct. `task.in_execve` is a 1-bit
 * bitfield (set while the kernel runs an exec), read with byte offset, size and shifts relocated.
 *
 * Run it: `tsbpf run examples/core-execsnoop.ts` (root), then start programs in another shell.
 */
import {
  CharArray,
  RingBuf,
  currentTask,
  getCurrentComm,
  getCurrentPidTgid,
  tracepoint,
  u32,
  u8,
} from "tsbpf";

/** One record per exec (C layout). */
interface ExecEvent {
  pid: u32;
  ppid: u32;
  in_execve: u8;
  comm: CharArray<16>;
}

const events = new RingBuf<ExecEvent>({ maxEntries: 256 * 1024 });

export const onExec = tracepoint("sched/sched_process_exec", () => {
  const task = currentTask();
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  e.value.ppid = u32(task.real_parent.tgid);
  e.value.in_execve = u8(task.in_execve);
  getCurrentComm(e.value.comm);
  events.submit(e);
  return 0;
});

export const license = "GPL";
