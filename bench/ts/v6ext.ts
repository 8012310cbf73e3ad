/**
 * v6ext (codegen benchmark shape: nested bounded loops over headers): walks up to four IPv6
 * extension headers (hop-by-hop, routing, destination options) to the transport protocol, then
 * folds both addresses word by word into a flow hash, and counts packets per (protocol, hash bucket).
 * C twin: bench/c/v6ext.bpf.c.
 */
import {
  ETH_HLEN,
  ETH_P_IPV6,
  EthHdr,
  HashMap,
  Ipv6Hdr,
  XDP_PASS,
  htons,
  u8,
  u32,
  u64,
  xdp,
} from "tsbpf";

const MAX_EXT = 4;
const IPV6_HLEN = 40;
const NEXTHDR_HOP = 0;
const NEXTHDR_ROUTING = 43;
const NEXTHDR_DEST = 60;

interface ExtHdr {
  nexthdr: u8;
  hdrlen: u8;
}

const buckets = new HashMap<u32, u64>({ maxEntries: 1024 });

export const walk = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return XDP_PASS;
  if (eth.value.h_proto !== htons(ETH_P_IPV6)) return XDP_PASS;
  const ip = ctx.header<Ipv6Hdr>(ETH_HLEN);
  if (ip === null) return XDP_PASS;
  let proto: u32 = ip.value.nexthdr;
  let off: u32 = ETH_HLEN + IPV6_HLEN;
  for (let i = 0; i < MAX_EXT; i++) {
    if (proto !== NEXTHDR_HOP && proto !== NEXTHDR_ROUTING && proto !== NEXTHDR_DEST) break;
    const ext = ctx.header<ExtHdr>(off);
    if (ext === null) return XDP_PASS;
    proto = ext.value.nexthdr;
    off += (u32(ext.value.hdrlen) + 1) * 8;
  }
  let h: u32 = proto;
  for (let a = 0; a < 2; a++) {
    for (let w = 0; w < 4; w++) {
      const word: u32 = a === 0 ? ip.value.saddr[w] : ip.value.daddr[w];
      h = (h ^ word) * 16777619;
    }
  }
  const key: u32 = (proto << 16) | (h & 0xff);
  const count = buckets.lookup(key);
  if (count === null) buckets.update(key, 1);
  else count.value += 1;
  return XDP_PASS;
});

export const license = "GPL";
