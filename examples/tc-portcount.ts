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
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  HashMap,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ipv4Hdr,
  TC_ACT_OK,
  atomicAdd,
  htons,
  ntohs,
  tc,
  u16,
  u32,
  u64,
} from "tsbpf";

/** The ports at the start of a TCP or UDP header (network order). */
interface Ports {
  source: u16;
  dest: u16;
}

export const portCounts = new HashMap<u16, u64>({ maxEntries: 65536 });

export const portcount = tc((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return TC_ACT_OK;
  if (eth.value.h_proto !== htons(ETH_P_IP)) return TC_ACT_OK;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return TC_ACT_OK;
  const proto = ip.value.protocol;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return TC_ACT_OK;
  const ihl: u32 = ip.value.version_ihl & 0xf;
  const ports = ctx.header<Ports>(ETH_HLEN + ihl * 4);
  if (ports === null) return TC_ACT_OK;
  const port = ntohs(ports.value.dest);
  const count = portCounts.lookup(port);
  if (count !== null) atomicAdd(count.value, 1);
  else portCounts.update(port, 1, BPF_NOEXIST);
  return TC_ACT_OK;
});

export const license = "GPL";
