/**
 * Kernel fixture: cgroup/getsockopt, cgroup/setsockopt, cgroup/sysctl, cgroup/dev and sockops.
 */
import {
  ArrayMap,
  atomicAdd,
  cgroupSockopt,
  cgroupSysctl,
  cgroupDev,
  sockops,
  type u32,
  type u64,
} from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 5 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const getsockopt = cgroupSockopt("getsockopt", (ctx) => {
  bump(0);
  return 1;
});
export const setsockopt = cgroupSockopt("setsockopt", (ctx) => {
  bump(1);
  return 1;
});
export const sysctl = cgroupSysctl((ctx) => {
  bump(2);
  return 1;
});
export const dev = cgroupDev((ctx) => {
  bump(3);
  return 1;
});
export const sockOps = sockops((ctx) => {
  bump(4);
  return 1;
});

export const license = "GPL";
