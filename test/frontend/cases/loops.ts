// Early returns inside loops (nested too), `continue` in `for` loops with non-trivial updates, and
// do/while. test/language runs them against a JS reference.
import { rawTracepoint, u32 } from "tsbpf";

/** Index of the first i in 0..31 with i*i >= n, returned from inside the loop; 99 if none. */
export const firstSquare = rawTracepoint("sys_enter", (ctx) => {
  const n = u32(ctx.arg(0));
  for (let i: u32 = 0; i < 32; i++) {
    if (i * i >= n) return i;
  }
  return 99;
});

/** A return from an inner loop leaves both loops. */
export const nestedReturn = rawTracepoint("sys_enter", (ctx) => {
  const target = u32(ctx.arg(0));
  let steps: u32 = 0;
  for (let i: u32 = 1; i < 8; i++) {
    let j: u32 = i;
    while (j < 40) {
      steps++;
      if (i * j === target) return i * 1000 + j * 10 + (steps > 9 ? 9 : steps);
      j += i;
    }
  }
  return steps;
});

/** `continue` must run the update: `i = i * 2 + 1` with a step that changes in the body. */
export const continueUpdate = rawTracepoint("sys_enter", (ctx) => {
  const skip = u32(ctx.arg(0));
  let sum: u32 = 0;
  let step: u32 = 1;
  for (let i: u32 = 0; i < 200; i = i * 2 + step) {
    if (i % 3 === skip) {
      step++;
      continue;
    }
    sum += i;
  }
  return sum * 100 + step;
});

/** `continue` in a do/while jumps to the condition. */
export const doWhileContinue = rawTracepoint("sys_enter", (ctx) => {
  let n = u32(ctx.arg(0));
  let odd: u32 = 0;
  do {
    n--;
    if (n % 2 === 0) continue;
    odd++;
  } while (n > 0 && n < 1000);
  return odd;
});

export const license = "GPL";
