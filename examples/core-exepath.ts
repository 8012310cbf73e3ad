/**
 * core-exepath: reports each exec with the executable's file name and its directory's name, read
 * by walking kernel structs: the task's `mm`, its `exe_file`, the file's `f_path.dentry`, the
 * dentry's `d_name.name` and its parent's (libbpf-tools style `BPF_CORE_READ(task, mm, exe_file,
 * f_path.dentry, d_name.name)`).
 *
 * Shows: a long CO-RE chain through four pointers and two embedded structs, each pointer hop one
 * relocated read; the last field is a `const unsigned char *`, an address for probeReadKernelStr.
 *
 * Run it: `tsbpf run examples/core-exepath.ts` (root), then start programs in another shell.
 */
import {
  CharArray,
  RingBuf,
  currentTask,
  getCurrentPidTgid,
  probeReadKernelStr,
  tracepoint,
  u32,
} from "tsbpf";

/** One record per exec (C layout). */
interface ExePathEvent {
  pid: u32;
  name: CharArray<32>;
  dir: CharArray<32>;
}

const events = new RingBuf<ExePathEvent>({ maxEntries: 256 * 1024 });

export const onExec = tracepoint("sched/sched_process_exec", () => {
  const dentry = currentTask().mm.exe_file.f_path.dentry;
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  probeReadKernelStr(e.value.name, dentry.d_name.name);
  probeReadKernelStr(e.value.dir, dentry.d_parent.d_name.name);
  events.submit(e);
  return 0;
});

export const license = "GPL";
