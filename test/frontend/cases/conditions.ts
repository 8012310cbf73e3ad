// Nested && / || in conditions and as values, `!`, and ternaries whose branches have side effects
// (increments, calls that write a global). test/language runs them against a JS reference.
import { rawTracepoint, u32, u64 } from "tsbpf";

let calls: u32 = 0;

/** Counts its calls in a global, so skipped (short-circuited) calls are visible. */
function touch(x: u32): u32 {
  calls++;
  return x;
}

export const nestedCond = rawTracepoint("sys_enter", (ctx) => {
  const a = u32(ctx.arg(0));
  const b = u32(ctx.arg(1));
  const c = u32(ctx.arg(2));
  if ((a > 1 && (b < 5 || c === 7)) || (!(a === 0) && b === c && c !== 3)) return 1;
  if (!(a > 10 || b > 10) && (c > 10 || (a === b && b !== 0))) return 2;
  return 0;
});

export const condValues = rawTracepoint("sys_enter", (ctx) => {
  const a = u32(ctx.arg(0));
  const b = u32(ctx.arg(1));
  const both = a !== 0 && b !== 0;
  const either = a > b || (b > 100 && a === 0);
  const neither = !(a !== 0 || b !== 0);
  let r: u32 = 0;
  if (both) r |= 1;
  if (either) r |= 2;
  if (neither) r |= 4;
  return r;
});

/** `touch` runs only where evaluation reaches it; the result packs the value and the call count. */
export const shortCircuitCalls = rawTracepoint("sys_enter", (ctx) => {
  calls = 0;
  const a = u32(ctx.arg(0));
  let r: u32 = 0;
  if (a > 5 && touch(a) > 7) r += 1;
  if (a > 5 || touch(a) === 2) r += 10;
  return r * 100 + calls;
});

export const ternarySideEffects = rawTracepoint("sys_enter", (ctx) => {
  calls = 0;
  const a = u32(ctx.arg(0));
  let i: u32 = 0;
  let j: u32 = 100;
  const v = a % 2 === 0 ? i++ + touch(5) : --j;
  const w = a > 2 ? (a > 4 ? touch(a) : j++) : i;
  const x: u64 = a === 0 ? u64(0) : u64(a) * 3;
  return ((v * 1000 + w) * 1000 + i * 100 + (j - 90)) * 10 + calls + x * 1000000000;
});

export const license = "GPL";
