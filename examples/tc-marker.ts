/**
 * tc-marker: an egress classifier that marks IPv4 TCP and UDP packets by destination port. User
 * space fills `classes` (destination port, host order → the `skb->mark` and `skb->priority` to set);
 * policy routing (`ip rule fwmark`), iptables and qdiscs then act on the mark and priority. Every
 * packet passes; `marked` counts packets left alone (0) and marked (1).
 *
 * Shows: writable `__sk_buff` fields (`mark` and `priority` in tc; any field tc may not write is
 * TSB3008), a struct map value, and a transport header at a variable offset.
 *
 * Run it: `tsbpf run examples/tc-marker.ts --iface eth0 --tc-direction egress` (root).
 */
import {
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  HashMap,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ipv4Hdr,
  PerCpuArray,
  TC_ACT_OK,
  htons,
  ntohs,
  tc,
  u16,
  u32,
  u64,
} from "tsbpf";

/** What packets to one port get. */
interface PortClass {
  mark: u32;
  priority: u32;
}

/** The ports at the start of a TCP or UDP header (network order). */
interface Ports {
  source: u16;
  dest: u16;
}

export const classes = new HashMap<u16, PortClass>({ maxEntries: 1024 });
export const marked = new PerCpuArray<u64>({ maxEntries: 2 });

function count(isMarked: u32): void {
  const n = marked.lookup(isMarked);
  if (n !== null) n.value += 1;
}

export const marker = tc((ctx) => {
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
  const c = classes.lookup(ntohs(ports.value.dest));
  if (c === null) {
    count(0);
    return TC_ACT_OK;
  }
  ctx.mark = c.value.mark;
  ctx.priority = c.value.priority;
  count(1);
  return TC_ACT_OK;
});

export const license = "GPL";
