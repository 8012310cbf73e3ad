/**
 * Kernel fixture: the program kinds attached by tcx and netkit links, run from devmap / cpumap
 * entries, by routes (light-weight tunnels), by tc filters (actions), by an SO_REUSEPORT group, or
 * from user space (syscall), plus multi-buffer XDP, a writable raw tracepoint and a kprobe session.
 */
import {
  ArrayMap,
  atomicAdd,
  lwt,
  netkit,
  skReuseport,
  syscall,
  tcx,
  tcAction,
  rawTracepointWritable,
  kprobeSession,
  xdpFrags,
  xdpMapEntry,
  BPF_OK,
  BPF_DROP,
  SK_DROP,
  TC_ACT_OK,
  TC_ACT_SHOT,
  XDP_PASS,
  XDP_DROP,
  type FixedArray,
  type u8,
  type u32,
  type u64,
} from "tsbpf";

/** Calls per program, in the order below. */
export const calls = new ArrayMap<u64>({ maxEntries: 16 });

function bump(i: u32): void {
  const c = calls.lookup(i);
  if (c !== null) atomicAdd(c.value, 1);
}

export const tcxIn = tcx("ingress", (ctx) => {
  bump(0);
  return TC_ACT_OK;
});
export const tcxOut = tcx("egress", (ctx) => {
  bump(1);
  ctx.mark = 7;
  return TC_ACT_OK;
});
export const netkitPrimary = netkit("primary", (ctx) => {
  bump(2);
  return TC_ACT_OK;
});
export const netkitPeer = netkit("peer", (ctx) => {
  bump(3);
  return TC_ACT_OK;
});
/** Passes frames of at least 60 bytes, drops shorter ones. */
export const frags = xdpFrags((ctx) => {
  bump(4);
  return ctx.header<FixedArray<u8, 60>>(0) === null ? XDP_DROP : XDP_PASS;
});
export const devmapEntry = xdpMapEntry("devmap", (ctx) => {
  bump(5);
  return XDP_PASS;
});
export const cpumapEntry = xdpMapEntry("cpumap", (ctx) => {
  bump(6);
  return XDP_PASS;
});
export const fragsDevmapEntry = xdpMapEntry("frags/devmap", (ctx) => XDP_PASS);
export const fragsCpumapEntry = xdpMapEntry("frags/cpumap", (ctx) => XDP_PASS);
/** Light-weight tunnels: drop packets shorter than 28 bytes (an IPv4 + UDP header). */
export const lwtIn = lwt("in", (ctx) => (ctx.len < 28 ? BPF_DROP : BPF_OK));
export const lwtOut = lwt("out", (ctx) => (ctx.len < 28 ? BPF_DROP : BPF_OK));
export const lwtXmit = lwt("xmit", (ctx) => (ctx.len < 28 ? BPF_DROP : BPF_OK));
export const lwtSeg6 = lwt("seg6local", (ctx) => BPF_OK);
/** Drops every UDP datagram sent to the group (a test sees none arrive). */
export const reuseport = skReuseport("select", (ctx) => {
  bump(7);
  return SK_DROP;
});
export const reuseportMigrate = skReuseport("migrate", (ctx) => SK_DROP);

interface SumArgs {
  a: u32;
  b: u32;
  sum: u64;
}
/** Adds its two arguments, returns the sum and writes it back into the caller's buffer. */
export const sum = syscall((ctx: SumArgs) => {
  bump(8);
  ctx.sum = ctx.a + ctx.b;
  return ctx.a + ctx.b;
});

/** A tc action: shoots packets shorter than 60 bytes. */
export const action = tcAction((ctx) => {
  bump(10);
  return ctx.len < 60 ? TC_ACT_SHOT : TC_ACT_OK;
});
/** Fires at the end of every BPF_PROG_TEST_RUN (a writable tracepoint of net/bpf/test_run.c). */
export const testFinish = rawTracepointWritable("bpf_test_finish", (ctx) => {
  bump(9);
  return 0;
});
export const vfsSession = kprobeSession("vfs_read", (ctx) => {
  bump(12);
  return 0;
});

export const license = "GPL";
