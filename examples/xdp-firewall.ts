/**
 * xdp-firewall: drops IPv4 packets whose source address is on a blocklist and counts verdicts.
 * User space fills `blocklist` (source address in network order → packets dropped from it) and reads
 * `verdicts`, a per-CPU array indexed by the XDP action. Non-IPv4 and truncated packets pass.
 *
 * Shows: bounds-checked packet views (`ctx.header<T>(offset)`) over the stdlib's `EthHdr` and
 * `Ipv4Hdr` (struct ethhdr / struct iphdr), a hash lookup keyed by a packet
 * field, an atomic per-entry counter, per-CPU values, and a helper function shared by every exit.
 *
 * Run it: `tsbpf run examples/xdp-firewall.ts --iface eth0` (root).
 */
import {
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  HashMap,
  type Ipv4Addr,
  type Ipv4Hdr,
  PerCpuArray,
  XDP_DROP,
  XDP_PASS,
  XDP_REDIRECT,
  atomicAdd,
  htons,
  u32,
  u64,
  xdp,
} from "tsbpf";

export const blocklist = new HashMap<Ipv4Addr, u64>({ maxEntries: 4096 });
export const verdicts = new PerCpuArray<u64>({ maxEntries: XDP_REDIRECT + 1 });

/** Counts `action` on this CPU and returns it. */
function countVerdict(action: u32): u32 {
  const count = verdicts.lookup(action);
  if (count !== null) count.value += 1;
  return action;
}

export const firewall = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return countVerdict(XDP_PASS);
  if (eth.value.h_proto !== htons(ETH_P_IP)) return countVerdict(XDP_PASS);
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return countVerdict(XDP_PASS);
  const dropped = blocklist.lookup(ip.value.saddr);
  if (dropped === null) return countVerdict(XDP_PASS);
  atomicAdd(dropped.value, 1);
  return countVerdict(XDP_DROP);
});

export const license = "GPL";
