/**
 * Kernel fixture: every struct bpf_sock_addr hook (cgroup/bind4 ... cgroup/getsockname_unix),
 * each counting its calls and letting the call go on.
 */
import { ArrayMap, atomicAdd, cgroupSockAddr, type u32, type u64 } from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 17 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const bind4 = cgroupSockAddr("bind4", (ctx) => {
  bump(0);
  return 1;
});
export const bind6 = cgroupSockAddr("bind6", (ctx) => {
  bump(1);
  return 1;
});
export const connect4 = cgroupSockAddr("connect4", (ctx) => {
  bump(2);
  return 1;
});
export const connect6 = cgroupSockAddr("connect6", (ctx) => {
  bump(3);
  return 1;
});
export const connectUnix = cgroupSockAddr("connect_unix", (ctx) => {
  bump(4);
  return 1;
});
export const sendmsg4 = cgroupSockAddr("sendmsg4", (ctx) => {
  bump(5);
  return 1;
});
export const sendmsg6 = cgroupSockAddr("sendmsg6", (ctx) => {
  bump(6);
  return 1;
});
export const sendmsgUnix = cgroupSockAddr("sendmsg_unix", (ctx) => {
  bump(7);
  return 1;
});
export const recvmsg4 = cgroupSockAddr("recvmsg4", (ctx) => {
  bump(8);
  return 1;
});
export const recvmsg6 = cgroupSockAddr("recvmsg6", (ctx) => {
  bump(9);
  return 1;
});
export const recvmsgUnix = cgroupSockAddr("recvmsg_unix", (ctx) => {
  bump(10);
  return 1;
});
export const getpeername4 = cgroupSockAddr("getpeername4", (ctx) => {
  bump(11);
  return 1;
});
export const getpeername6 = cgroupSockAddr("getpeername6", (ctx) => {
  bump(12);
  return 1;
});
export const getpeernameUnix = cgroupSockAddr("getpeername_unix", (ctx) => {
  bump(13);
  return 1;
});
export const getsockname4 = cgroupSockAddr("getsockname4", (ctx) => {
  bump(14);
  return 1;
});
export const getsockname6 = cgroupSockAddr("getsockname6", (ctx) => {
  bump(15);
  return 1;
});
export const getsocknameUnix = cgroupSockAddr("getsockname_unix", (ctx) => {
  bump(16);
  return 1;
});

export const license = "GPL";
