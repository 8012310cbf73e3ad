/**
 * opensnoop: reports every openat(2) — pid, uid, command name, flags and file name — through a ring
 * buffer (like bcc's opensnoop), from the syscalls/sys_enter_openat tracepoint. Opens that find the
 * ring full are counted in `eventsLost`, which `tsbpf run` reports as "N events lost".
 */
import {
  type CharArray,
  RingBuf,
  getCurrentComm,
  getCurrentPidTgid,
  getCurrentUidGid,
  i64,
  PerCpuArray,
  probeReadUserStr,
  tracepoint,
  u32,
  type u64,
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
/** Records `events` had no room for (by the `<buffer>Lost` convention, see RingBuf). */
export const eventsLost = new PerCpuArray<u64>({ maxEntries: 1 });

export const traceOpenat = tracepoint("syscalls/sys_enter_openat", (ctx) => {
  const e = events.reserve();
  if (e === null) {
    const lost = eventsLost.lookup(0);
    if (lost !== null) lost.value += 1;
    return 0;
  }
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  e.value.uid = u32(getCurrentUidGid());
  e.value.flags = ctx.flags;
  getCurrentComm(e.value.comm);
  probeReadUserStr(e.value.filename, ctx.filename);
  events.submit(e);
  return 0;
});

export const license = "GPL";
