// if/else, ternary, short-circuit, switch, loops with break/continue, local functions.
import { getPrandomU32, i32, printk, rawTracepoint, u32, u64 } from "tsbpf";

function clamp(x: u32, hi: u32): u32 {
  return x > hi ? hi : x;
}

export const flow = rawTracepoint("sys_enter", (ctx) => {
  let total: u64 = 0;
  const n: u32 = getPrandomU32();
  for (let i: u32 = 0; i < 8; i++) {
    if (i === 3) continue;
    if (i > n && n !== 0) break;
    total += i;
  }
  let k: i32 = 0;
  while (k < 4 || total === 0) {
    k++;
    if (k > 10) break;
  }
  switch (clamp(n, 4)) {
    case 0:
      total = 1;
    case 1:
      total += 2;
      break;
    default:
      total = ctx.arg(0);
  }
  printk("total=%llu k=%d\n", total, k);
  return total > 100 ? 1 : 0;
});

export const license = "GPL";
