/**
 * zerorecord (codegen benchmark shape: zeroing a large record): per-process exit statistics in a
 * 136-byte record, zeroed on the stack, a few fields filled, and stored in a hash map.
 * C twin: bench/c/zerorecord.bpf.c.
 */
import {
  CharArray,
  FixedArray,
  HashMap,
  getCurrentPidTgid,
  ktimeGetNs,
  tracepoint,
  u32,
  u64,
  zeroed,
} from "tsbpf";

interface ExitRecord {
  pid: u32;
  tgid: u32;
  exitTime: u64;
  prio: u32;
  flags: u32;
  counters: FixedArray<u64, 8>;
  comm: CharArray<16>;
  reserved: FixedArray<u64, 4>;
}

const exits = new HashMap<u32, ExitRecord>({ maxEntries: 1024 });

export const onExit = tracepoint("sched/sched_process_exit", (ctx) => {
  const id = getCurrentPidTgid();
  const rec: ExitRecord = zeroed();
  rec.pid = u32(id);
  rec.tgid = u32(id >> 32);
  rec.exitTime = ktimeGetNs();
  rec.prio = u32(ctx.prio);
  exits.update(rec.pid, rec);
  return 0;
});

export const license = "GPL";
