/**
 * syscount: counts system calls per syscall id and per process, from the raw_syscalls/sys_enter
 * tracepoint (like bcc's syscount). User space reads the two hash maps.
 */
import { HashMap, atomicAdd, getCurrentPidTgid, tracepoint, u32, u64 } from "tsbpf";

export const bySyscall = new HashMap<u32, u64>({ maxEntries: 1024 });
export const byPid = new HashMap<u32, u64>({ maxEntries: 10240 });

/** Adds one to `map[key]`, inserting 1 the first time. */
export const countSyscalls = tracepoint("raw_syscalls/sys_enter", (ctx) => {
  const id: u32 = u32(ctx.id);
  const count = bySyscall.lookup(id);
  if (count !== null) {
    atomicAdd(count.value, 1);
  } else {
    bySyscall.update(id, 1);
  }
  const pid: u32 = u32(getCurrentPidTgid() >> 32);
  const perPid = byPid.lookup(pid);
  if (perPid !== null) atomicAdd(perPid.value, 1);
  else byPid.update(pid, 1);
  return 0;
});

export const license = "GPL";
