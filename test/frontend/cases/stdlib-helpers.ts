// stdlib helpers lowered inline: log2 (binary search without a cap, bounded loop with one) and
// the network header structs of stdlib/net.d.ts. test/language runs them against a JS reference.
import {
  ETH_HLEN,
  ETH_P_IP,
  IPPROTO_TCP,
  Ipv4Hdr,
  TcpHdr,
  TCPHDR_SYN,
  XDP_DROP,
  XDP_PASS,
  EthHdr,
  htons,
  log2,
  rawTracepoint,
  u32,
  xdp,
} from "tsbpf";

/** floor(log2(arg 0)), 0 for 0. */
export const log2Of = rawTracepoint("sys_enter", (ctx) => log2(ctx.arg(0)));

/** floor(log2(arg 0)) clamped to 25, a histogram's last slot. */
export const log2Slot = rawTracepoint("sys_enter", (ctx) => log2(ctx.arg(0), 25));

/** Constant arguments fold: 9 + 63 + 0 + 4 * 1000. */
export const log2Folded = rawTracepoint("sys_enter", () => {
  const max: u32 = log2(0xffff_ffff_ffff_ffff);
  return log2(1000) + max + log2(0) + log2(1 << 40, 4) * 1000;
});

/** Drops TCP SYNs to port 80 of IPv4 packets with a 20..60-byte header; passes the rest. */
export const dropSyn80 = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.value.h_proto !== htons(ETH_P_IP)) return XDP_PASS;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null || ip.value.protocol !== IPPROTO_TCP) return XDP_PASS;
  const ihl: u32 = ip.value.version_ihl & 0xf;
  if (ihl < 5) return XDP_PASS;
  const tcp = ctx.header<TcpHdr>(ETH_HLEN + ihl * 4);
  if (tcp === null) return XDP_PASS;
  if (tcp.value.dest === htons(80) && (tcp.value.flags & TCPHDR_SYN) !== 0) return XDP_DROP;
  return XDP_PASS;
});

export const license = "GPL";
