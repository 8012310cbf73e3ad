/**
 * opensnoop: reports every openat(2) — pid, uid, command name, flags and file name — through a ring
 * buffer (like bcc's opensnoop), from the syscalls/sys_enter_openat tracepoint.
 */
import {
  type CharArray,
  RingBuf,
  getCurrentComm,
  getCurrentPidTgid,
  getCurrentUidGid,
  i64,
  probeReadUserStr,
  tracepoint,
  u32,
} from "tsbpf";

/** One record per open, as user space reads it (C layout). */
interface OpenEvent {
  pid: u32;
  uid: u32;
  flags: i64;
  comm: CharArray<16>;
  filename: CharArray<256>;
}

export const events = new RingBuf<OpenEvent>({ maxEntries: 1024 * 1024 });

export const traceOpenat = tracepoint("syscalls/sys_enter_openat", (ctx) => {
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  e.value.uid = u32(getCurrentUidGid());
  e.value.flags = ctx.flags;
  getCurrentComm(e.value.comm);
  probeReadUserStr(e.value.filename, ctx.filename);
  events.submit(e);
  return 0;
});

export const license = "GPL";
