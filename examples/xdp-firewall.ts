/**
 * xdp-firewall: drops IPv4 packets whose source address is on a blocklist and counts verdicts.
 * User space fills `blocklist` (source address in network order → packets dropped from it) and reads
 * `verdicts`, a per-CPU array indexed by the XDP action. Non-IPv4 and truncated packets pass.
 *
 * Shows: bounds-checked packet views (`ctx.header<T>(offset)`), a hash lookup keyed by a packet
 * field, an atomic per-entry counter, per-CPU values, and a helper function shared by every exit.
 *
 * Run it: `tsbpf run examples/xdp-firewall.ts --iface eth0` (root).
 */
import {
  HashMap,
  PerCpuArray,
  XDP_DROP,
  XDP_PASS,
  XDP_REDIRECT,
  atomicAdd,
  htons,
  u8,
  u16,
  u32,
  u64,
  xdp,
} from "tsbpf";

/** struct ethhdr. */
interface EthHdr {
  dst0: u16;
  dst1: u16;
  dst2: u16;
  src0: u16;
  src1: u16;
  src2: u16;
  proto: u16;
}

/** struct iphdr without options (20 bytes); addresses in network order. */
interface Ipv4Hdr {
  versionIhl: u8;
  tos: u8;
  totLen: u16;
  id: u16;
  fragOff: u16;
  ttl: u8;
  protocol: u8;
  check: u16;
  saddr: u32;
  daddr: u32;
}

const ETH_P_IP = 0x0800;
const ETH_HLEN = 14;
const blocklist = new HashMap<u32, u64>({ maxEntries: 4096 });
const verdicts = new PerCpuArray<u64>({ maxEntries: XDP_REDIRECT + 1 });

/** Counts `action` on this CPU and returns it. */
function countVerdict(action: u32): u32 {
  const count = verdicts.lookup(action);
  if (count !== null) count.value += 1;
  return action;
}

export const firewall = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return countVerdict(XDP_PASS);
  if (eth.value.proto !== htons(ETH_P_IP)) return countVerdict(XDP_PASS);
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return countVerdict(XDP_PASS);
  const dropped = blocklist.lookup(ip.value.saddr);
  if (dropped === null) return countVerdict(XDP_PASS);
  atomicAdd(dropped.value, 1);
  return countVerdict(XDP_DROP);
});

export const license = "GPL";
