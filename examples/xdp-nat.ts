/**
 * xdp-nat: a destination NAT / load balancer in XDP. User space fills `backends` (a virtual IP,
 * destination port and protocol → the backend's address, port, MAC and egress interface). An IPv4
 * TCP or UDP packet to a known VIP:port gets the backend's destination address and port, both
 * checksums updated incrementally (RFC 1624, no helper), its old destination MAC as source and the
 * backend's MAC as destination; it leaves by the interface it came in on (XDP_TX) or, when the
 * backend names an ifindex, by that one (bpf_redirect). Everything else passes untouched (also
 * non-first fragments, which carry no ports); `verdicts` counts packets per XDP action.
 *
 * Shows: packet writes through bounds-checked header views, one's-complement arithmetic on u32,
 * a struct map key and value, XDP_TX and redirect from one program.
 *
 * Run it: `tsbpf run examples/xdp-nat.ts --iface eth0 --set 'backends:KEY=VALUE'` (root; JSON).
 */
import {
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  type FixedArray,
  HashMap,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IP_OFFSET,
  type Ipv4Addr,
  type Ipv4Hdr,
  PerCpuArray,
  type TcpHdr,
  type UdpHdr,
  XDP_PASS,
  XDP_REDIRECT,
  XDP_TX,
  htons,
  ntohs,
  redirect,
  u16,
  u32,
  u64,
  u8,
  xdp,
  zeroed,
} from "tsbpf";

/** A service: virtual IP, destination port (host order) and IPPROTO_TCP / IPPROTO_UDP. */
interface Vip {
  addr: Ipv4Addr;
  port: u16;
  proto: u8;
  pad: u8;
}

/** Where a service's packets go. `ifindex` 0 sends them back out of the receiving interface. */
interface Backend {
  addr: Ipv4Addr;
  /** Host order. */
  port: u16;
  mac: FixedArray<u8, 6>;
  ifindex: u32;
}

export const backends = new HashMap<Vip, Backend>({ maxEntries: 1024 });
export const verdicts = new PerCpuArray<u64>({ maxEntries: XDP_REDIRECT + 1 });

function verdict(action: u32): u32 {
  const count = verdicts.lookup(action);
  if (count !== null) count.value += 1;
  return action;
}

/** Folds a one's-complement sum of 16-bit words to 16 bits. */
function fold(sum: u32): u32 {
  const once = (sum & 0xffff) + (sum >> 16);
  return (once & 0xffff) + (once >> 16);
}

/** RFC 1624 eqn. 3: the checksum `check` after a 32-bit field changed from `from` to `to`. */
function replace32(check: u16, from: u32, to: u32): u16 {
  const sum = (~check & 0xffff) + (~from & 0xffff) + (~from >>> 16) + (to & 0xffff) + (to >>> 16);
  return u16(~fold(sum) & 0xffff);
}

/** The same for a 16-bit field. */
function replace16(check: u16, from: u16, to: u16): u16 {
  return u16(~fold((~check & 0xffff) + (~from & 0xffff) + to) & 0xffff);
}

export const nat = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return verdict(XDP_PASS);
  if (eth.value.h_proto !== htons(ETH_P_IP)) return verdict(XDP_PASS);
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return verdict(XDP_PASS);
  const proto = ip.value.protocol;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return verdict(XDP_PASS);
  if ((ip.value.frag_off & htons(IP_OFFSET)) !== 0) return verdict(XDP_PASS);
  const l4 = ETH_HLEN + (ip.value.version_ihl & 0xf) * 4;
  const udp = ctx.header<UdpHdr>(l4); // the ports sit at the same place in TCP
  if (udp === null) return verdict(XDP_PASS);

  const vip: Vip = zeroed();
  vip.addr = ip.value.daddr;
  vip.port = ntohs(udp.value.dest);
  vip.proto = proto;
  const b = backends.lookup(vip);
  if (b === null) return verdict(XDP_PASS);
  const to = b.value;

  const oldAddr = ip.value.daddr;
  const oldPort = udp.value.dest;
  const port = htons(to.port);
  ip.value.daddr = to.addr;
  ip.value.check = replace32(ip.value.check, oldAddr, to.addr);
  if (proto === IPPROTO_TCP) {
    const tcp = ctx.header<TcpHdr>(l4);
    if (tcp === null) return verdict(XDP_PASS);
    const check = replace32(tcp.value.check, oldAddr, to.addr);
    tcp.value.check = replace16(check, oldPort, port);
  } else if (udp.value.check !== 0) {
    // 0: the sender computed no checksum; a computed 0 goes on the wire as 0xffff.
    const check = replace16(replace32(udp.value.check, oldAddr, to.addr), oldPort, port);
    udp.value.check = check === 0 ? 0xffff : check;
  }
  udp.value.dest = port;

  for (let i = 0; i < 6; i++) {
    eth.value.h_source[i] = eth.value.h_dest[i];
    eth.value.h_dest[i] = to.mac[i];
  }
  if (to.ifindex === 0) return verdict(XDP_TX);
  return verdict(u32(redirect(to.ifindex, 0)));
});

export const license = "GPL";
