/**
 * Kernel fixture: the probe kinds whose targets a test cannot rely on at load time (kprobes on a
 * kernel that may lack them, uprobes and USDT probes of a binary named in the section), loaded so
 * the verifier judges their code in their sections; the attach paths are tested where the kernel
 * has them (test/kernel/attach-more.test.ts, test/tracing-kinds, test/kernel/link-kinds.test.ts).
 */
import {
  ArrayMap,
  atomicAdd,
  kprobe,
  kretprobe,
  kprobeMulti,
  kretprobeMulti,
  rawTracepoint,
  uprobe,
  uretprobeMulti,
  uprobeSession,
  usdt,
  type u32,
  type u64,
} from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 9 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

/** Counts reads of more than a page (the third argument, `count`). */
export const onRead = kprobe("vfs_read", (ctx, file, buf, count) => {
  if (count > 4096) bump(0);
  return 0;
});
export const onReadReturn = kretprobe("vfs_read", (ctx, ret) => {
  if (ret < 0) bump(1);
  return 0;
});
export const onReads = kprobeMulti("vfs_read*", (ctx) => {
  bump(2);
  return 0;
});
export const onReadsReturn = kretprobeMulti("vfs_read*", (ctx) => {
  bump(3);
  return 0;
});
export const onExec = rawTracepoint("sched_process_exec", (ctx) => {
  bump(4);
  return 0;
});
export const onMain = uprobe("/bin/true:main", (ctx) => {
  bump(5);
  return 0;
});
export const onMainsReturn = uretprobeMulti("/bin/true:main*", (ctx) => {
  bump(6);
  return 0;
});
export const onMainSession = uprobeSession("/bin/true:main", (ctx) => {
  bump(7);
  return 0;
});
export const onUsdt = usdt("/bin/true:provider:probe", (ctx) => {
  bump(8);
  return 0;
});

export const license = "GPL";
