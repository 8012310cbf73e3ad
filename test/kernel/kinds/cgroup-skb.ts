/**
 * Kernel fixture: cgroup_skb ingress and egress programs that count packets and pass them;
 * egress marks each packet (`mark` is writable there).
 */
import { ArrayMap, atomicAdd, cgroupSkb, type u32, type u64 } from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 2 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const ingress = cgroupSkb("ingress", (ctx) => {
  bump(0);
  return 1;
});
export const egress = cgroupSkb("egress", (ctx) => {
  bump(1);
  ctx.mark = 7;
  return 1;
});

export const license = "GPL";
