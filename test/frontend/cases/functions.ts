// Functions over real values (stdlib/README.md "Functions"): maps, the context, Ref<T>, structs and
// fixed arrays as parameters, inlined at each call; one scalar function stays a BPF-to-BPF call.
import {
  ArrayMap,
  EthHdr,
  ETH_HLEN,
  ETH_P_IP,
  FixedArray,
  HashMap,
  IPPROTO_TCP,
  Ipv4Hdr,
  Ref,
  TcpHdr,
  XDP_DROP,
  XDP_PASS,
  XdpContext,
  atomicAdd,
  htons,
  ntohs,
  i32,
  u32,
  u64,
  xdp,
  zeroed,
} from "tsbpf";

interface Counts {
  packets: u64;
  bytes: u64;
}

const perProto = new HashMap<u32, Counts>({ maxEntries: 256 });
const portHits = new ArrayMap<u64>({ maxEntries: 4 });
const scratch = new ArrayMap<FixedArray<u32, 4>>({ maxEntries: 1 });

/** Adds one packet of `len` bytes to `key`'s counts in `m`. */
function bump(m: HashMap<u32, Counts>, key: u32, len: u64): void {
  const r = m.lookup(key);
  if (r === null) {
    m.update(key, { packets: 1, bytes: len });
    return;
  }
  atomicAdd(r.value.packets, 1);
  atomicAdd(r.value.bytes, len);
}

/** The IPv4 header of an Ethernet frame, through the context (null checks are bounds checks). */
function ipProtocol(ctx: XdpContext): i32 {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return -1;
  if (eth.value.h_proto !== htons(ETH_P_IP)) return -1;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return -1;
  return i32(ip.value.protocol);
}

/** The TCP destination port after `ip` (options skipped), 0 when the frame is too short. */
function tcpDest(ctx: XdpContext, ip: Ref<Ipv4Hdr>): u32 {
  const ihl: u32 = ip.value.version_ihl & 0xf;
  const tcp = ctx.header<TcpHdr>(ETH_HLEN + ihl * 4);
  if (tcp === null) return 0;
  return u32(ntohs(tcp.value.dest));
}

/** Writes v, v+1, ... into `out` (a struct or array parameter is the caller's memory). */
function fill(out: FixedArray<u32, 4>, v: u32): void {
  for (let i = 0; i < 4; i++) out[i] = v + u32(i);
}

function sum(a: FixedArray<u32, 4>): u32 {
  let s: u32 = 0;
  for (let i = 0; i < 4; i++) s += a[i];
  return s;
}

function total(c: Counts): u64 {
  return c.packets + c.bytes;
}

/** A plain scalar function: still a BPF-to-BPF call. */
function slot(port: u32): u32 {
  return port & 3;
}

export const count = xdp((ctx) => {
  const proto = ipProtocol(ctx);
  if (proto < 0) return XDP_PASS;
  bump(perProto, u32(proto), 60);
  if (proto !== IPPROTO_TCP) return XDP_PASS;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return XDP_PASS;
  const port = tcpDest(ctx, ip);
  const hit = portHits.lookup(slot(port));
  if (hit !== null) atomicAdd(hit.value, 1);
  const buf: FixedArray<u32, 4> = zeroed();
  fill(buf, port);
  const s = scratch.lookup(0);
  if (s !== null) fill(s.value, sum(buf));
  const c = perProto.lookup(u32(proto));
  if (c !== null && total(c.value) > 200) return XDP_DROP;
  return XDP_PASS;
});

export const license = "GPL";
