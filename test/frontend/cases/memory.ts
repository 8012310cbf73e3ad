// Globals (.bss/.data), structs and arrays on the stack, conversions, signed arithmetic.
import {
  FixedArray,
  HashMap,
  zeroed,
  getCurrentPidTgid,
  i16,
  i64,
  u8,
  u32,
  u64,
  tracepoint,
} from "tsbpf";

interface Key {
  pid: u32;
  tag: u8;
  vals: FixedArray<u32, 2>;
}

let hits: u64 = 0;
let limit: i64 = -5;
const SHIFT = 3;
const seen = new HashMap<Key, u64>({ maxEntries: 64 });

export const mem = tracepoint("raw_syscalls/sys_enter", (ctx) => {
  const key: Key = { pid: u32(getCurrentPidTgid()), tag: 7, vals: zeroed() };
  key.vals[1] = u32(ctx.id);
  const idx: u32 = u32(ctx.args[0]);
  key.vals[idx] = 9;
  hits += 1;
  const s: i16 = i16(ctx.id);
  const q: i64 = (limit / s) >> SHIFT;
  seen.update(key, u64(q));
  const big: u64 = 0xffff_ffff_ffff_ffff;
  return big === u64(0xffffffffffffffffn) ? u8(key.tag) : 0;
});

export const license = "GPL";
