/**
 * xdp-counter: counts packets per IP protocol (TCP, UDP, ICMP, ...) in a per-CPU array, parsing the
 * Ethernet and IPv4 headers with bounds-checked packet views; every packet is passed on.
 */
import { PerCpuArray, XDP_PASS, htons, u8, u16, u32, u64, xdp } from "tsbpf";

/** struct ethhdr (14 bytes). */
interface EthHdr {
  dst0: u16;
  dst1: u16;
  dst2: u16;
  src0: u16;
  src1: u16;
  src2: u16;
  proto: u16;
}

/** The first bytes of struct iphdr. */
interface Ipv4Hdr {
  versionIhl: u8;
  tos: u8;
  totLen: u16;
  id: u16;
  fragOff: u16;
  ttl: u8;
  protocol: u8;
}

const ETH_P_IP = 0x0800;
const byProtocol = new PerCpuArray<u64>({ maxEntries: 256 });

export const countProtocols = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return XDP_PASS;
  if (eth.value.proto !== htons(ETH_P_IP)) return XDP_PASS;
  const ip = ctx.header<Ipv4Hdr>(14);
  if (ip === null) return XDP_PASS;
  const proto: u32 = ip.value.protocol;
  const counter = byProtocol.lookup(proto);
  if (counter !== null) counter.value += 1;
  return XDP_PASS;
});

export const license = "GPL";
