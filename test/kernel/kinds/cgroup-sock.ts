/**
 * Kernel fixture: the struct bpf_sock hooks; sock_create sets the socket priority.
 */
import { ArrayMap, atomicAdd, cgroupSock, type u32, type u64 } from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 4 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const sockCreate = cgroupSock("sock_create", (ctx) => {
  bump(0);
  ctx.priority = 3;
  return 1;
});
export const sockRelease = cgroupSock("sock_release", (ctx) => {
  bump(1);
  return 1;
});
export const postBind4 = cgroupSock("post_bind4", (ctx) => {
  bump(2);
  return ctx.src_port === 0 ? 0 : 1;
});
export const postBind6 = cgroupSock("post_bind6", (ctx) => {
  bump(3);
  return 1;
});

export const license = "GPL";
