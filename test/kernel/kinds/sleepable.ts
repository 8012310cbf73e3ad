/**
 * Kernel fixture: the sleepable twins of the kinds this kernel loads (libbpf's `.s` sections, loaded
 * with BPF_F_SLEEPABLE): a task iterator, uprobes, multi-uprobes and a USDT probe. The probes copy
 * user memory with copyFromUser, which only sleepable programs may call.
 */
import {
  ArrayMap,
  atomicAdd,
  copyFromUser,
  iterSleepable,
  seqPrintf,
  uprobeSleepable,
  uretprobeSleepable,
  uprobeMultiSleepable,
  uretprobeMultiSleepable,
  usdtSleepable,
  zeroed,
  type FixedArray,
  type u32,
  type u64,
} from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 8 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

/** One line per process: `pid comm`. */
export const processes = iterSleepable("task", (ctx) => {
  const task = ctx.task;
  if (!task) return 0;
  if (task.pid !== task.tgid) return 0;
  seqPrintf(ctx, "%d %s\n", task.tgid, task.comm);
  return 0;
});

/** The first 8 bytes main's argv points at (copied, may fault in). */
export const firstArgBytes = new ArrayMap<u64>({ maxEntries: 1 });

export const onEntry = uprobeSleepable("/bin/true:main", (ctx) => {
  bump(1);
  const word: FixedArray<u64, 1> = zeroed();
  if (copyFromUser(word, ctx.arg(1)) === 0) {
    const v = firstArgBytes.lookup(0);
    if (v !== null) v.value = word[0];
  }
  return 0;
});
export const onReturn = uretprobeSleepable("/bin/true:main", (ctx) => {
  bump(2);
  return 0;
});
export const onMulti = uprobeMultiSleepable("/bin/true:main", (ctx) => {
  bump(3);
  return 0;
});
export const onMultiReturn = uretprobeMultiSleepable("/bin/true:main", (ctx) => {
  bump(4);
  return 0;
});
export const onUsdt = usdtSleepable("/bin/true:provider:probe", (ctx) => {
  bump(5);
  return 0;
});

export const license = "GPL";
