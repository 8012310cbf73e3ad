/**
 * execsnoop: reports every successful exec — pid, previous pid, uid, command name and the new
 * program's path — through a ring buffer (like bcc's execsnoop, reduced to the tracepoint's data).
 *
 * Shows: a `__data_loc` tracepoint field. sched/sched_process_exec carries the path inside the
 * record itself; `ctx.filename` is a DataLoc (offset | length << 16) and `dataLocAddress(ctx, ...)`
 * turns it into the address probeReadKernelStr copies from.
 *
 * Run it: `tsbpf run examples/execsnoop.ts` (root), then start programs in another shell.
 */
import {
  type CharArray,
  RingBuf,
  dataLocAddress,
  getCurrentComm,
  getCurrentUidGid,
  probeReadKernelStr,
  tracepoint,
  u32,
} from "tsbpf";

/** One record per exec, as user space reads it (C layout). */
interface ExecEvent {
  pid: u32;
  old_pid: u32;
  uid: u32;
  comm: CharArray<16>;
  filename: CharArray<256>;
}

export const events = new RingBuf<ExecEvent>({ maxEntries: 256 * 1024 });

export const onExec = tracepoint("sched/sched_process_exec", (ctx) => {
  const filename = dataLocAddress(ctx, ctx.filename);
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(ctx.pid);
  e.value.old_pid = u32(ctx.old_pid);
  e.value.uid = u32(getCurrentUidGid());
  getCurrentComm(e.value.comm);
  probeReadKernelStr(e.value.filename, filename);
  events.submit(e);
  return 0;
});

export const license = "GPL";
