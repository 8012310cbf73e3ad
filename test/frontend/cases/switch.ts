// switch: dense and sparse labels, fallthrough, default first/middle/absent, break and continue
// inside loops. Each program maps ctx.arg(0) (and arg(1)) to a result; test/language runs them.
import { i32, rawTracepoint, u32 } from "tsbpf";

export const dense = rawTracepoint("sys_enter", (ctx) => {
  switch (u32(ctx.arg(0))) {
    case 0:
      return 10;
    case 1:
      return 11;
    case 2:
      return 12;
    case 3:
      return 13;
    case 4:
      return 14;
    default:
      return 99;
  }
});

export const sparse = rawTracepoint("sys_enter", (ctx) => {
  let r: u32 = 0;
  switch (i32(ctx.arg(0))) {
    case -7:
      r = 1;
      break;
    case 100:
      r = 2;
      break;
    case 65535:
      r = 3;
      break;
    case 1000000:
      r = 4;
      break;
  }
  return r;
});

export const fallthrough = rawTracepoint("sys_enter", (ctx) => {
  let acc: u32 = 0;
  switch (u32(ctx.arg(0))) {
    case 1:
      acc += 1;
    case 2:
      acc += 10;
    case 3:
      acc += 100;
      break;
    case 4:
      acc += 1000;
    default:
      acc += 5;
    case 6:
      acc += 20000;
  }
  return acc;
});

export const defaultFirst = rawTracepoint("sys_enter", (ctx) => {
  let r: u32 = 7;
  switch (u32(ctx.arg(0))) {
    default:
      r = 1;
      break;
    case 5:
      r = 2;
  }
  return r;
});

/** `break` in a switch leaves the switch; `continue` continues the enclosing loop. */
export const inLoop = rawTracepoint("sys_enter", (ctx) => {
  const n = u32(ctx.arg(0));
  let sum: u32 = 0;
  for (let i: u32 = 0; i < 10; i++) {
    if (i >= n) break;
    switch (i % 4) {
      case 0:
        sum += 1;
        break;
      case 1:
        continue;
      case 2:
        sum += 100;
      default:
        sum += 10;
    }
    sum += 1000;
  }
  return sum;
});

/** A loop inside a case: its `break` leaves the loop, not the switch. */
export const loopInCase = rawTracepoint("sys_enter", (ctx) => {
  let r: u32 = 0;
  switch (u32(ctx.arg(0))) {
    case 1:
      for (let i: u32 = 0; i < 100; i++) {
        if (i === u32(ctx.arg(1))) break;
        r += 2;
      }
      r += 1;
      break;
    case 2:
      r = 50;
  }
  return r;
});

export const license = "GPL";
