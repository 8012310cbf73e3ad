/**
 * xdp-counter: counts packets per IP protocol (TCP, UDP, ICMP, ...) in a per-CPU array, parsing the
 * Ethernet and IPv4 headers (the stdlib's EthHdr and Ipv4Hdr) with bounds-checked packet views; a
 * frame too short for a whole IPv4 header is not counted. Every packet is passed on.
 */
import {
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  type Ipv4Hdr,
  PerCpuArray,
  XDP_PASS,
  htons,
  u32,
  u64,
  xdp,
} from "tsbpf";

export const byProtocol = new PerCpuArray<u64>({ maxEntries: 256 });

export const countProtocols = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return XDP_PASS;
  if (eth.value.h_proto !== htons(ETH_P_IP)) return XDP_PASS;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return XDP_PASS;
  const proto: u32 = ip.value.protocol;
  const counter = byProtocol.lookup(proto);
  if (counter !== null) counter.value += 1;
  return XDP_PASS;
});

export const license = "GPL";
