/**
 * tc-portcount: counts IPv4 TCP and UDP packets per destination port (host order) on a tc hook,
 * passing every packet.
 *
 * Shows: a packet view at a variable offset — the IPv4 header length comes from its IHL field, so
 * the transport header is bounds-checked at `14 + ihl * 4` — and an insert-or-increment counter.
 * TCP and UDP headers both start with the source then destination port, so one view serves both.
 *
 * Run it: `tsbpf run examples/tc-portcount.ts --iface eth0` (root; attaches as a tc classifier).
 */
import {
  BPF_NOEXIST,
  HashMap,
  TC_ACT_OK,
  atomicAdd,
  htons,
  ntohs,
  tc,
  u8,
  u16,
  u32,
  u64,
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

/** struct iphdr without options (20 bytes). */
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

/** The ports at the start of a TCP or UDP header (network order). */
interface Ports {
  source: u16;
  dest: u16;
}

const ETH_P_IP = 0x0800;
const ETH_HLEN = 14;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const portCounts = new HashMap<u16, u64>({ maxEntries: 65536 });

export const portcount = tc((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return TC_ACT_OK;
  if (eth.value.proto !== htons(ETH_P_IP)) return TC_ACT_OK;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return TC_ACT_OK;
  const proto = ip.value.protocol;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return TC_ACT_OK;
  const ihl: u32 = ip.value.versionIhl & 0xf;
  const ports = ctx.header<Ports>(ETH_HLEN + ihl * 4);
  if (ports === null) return TC_ACT_OK;
  const port = ntohs(ports.value.dest);
  const count = portCounts.lookup(port);
  if (count !== null) atomicAdd(count.value, 1);
  else portCounts.update(port, 1, BPF_NOEXIST);
  return TC_ACT_OK;
});

export const license = "GPL";
