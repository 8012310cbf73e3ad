/**
 * The seeded input corpus of the example differential test: Ethernet frames a network program may
 * meet on a real interface, plus the malformed ones it must survive.
 *
 * Consumes a seed and a count; produces `Frame`s (a label saying how the frame was made, and its
 * bytes). The same seed gives the same frames on every machine (test/support/gen/rng.ts). The
 * corpus always starts with a fixed list of edge cases (`edgeFrames`): one frame of every kind and
 * a valid TCP frame cut at every header boundary (and one byte either side), so a small count still
 * covers them; the rest is drawn at random:
 *
 * - Ethernet + IPv4 (IHL 5..15, so 0..40 bytes of options) + TCP / UDP / ICMP / other protocols;
 * - Ethernet + IPv6 + TCP / UDP / ICMPv6; ARP; 802.1Q VLAN-tagged IPv4; 802.3 length frames;
 * - IPv4 with a bogus IHL (0..4: the "transport" header then overlaps the IPv4 header);
 * - random truncations of all of the above, and random garbage (0..96 bytes, some with the IPv4
 *   EtherType so the parsers go further).
 *
 * Source addresses come from `SOURCE_POOL`, half of which (`BLOCKED_SOURCES`) the firewall's
 * blocklist holds; destination ports from a small pool so that per-port counters accumulate.
 */
import { Rng } from "../../support/gen/rng.ts";

/** One input frame. */
export interface Frame {
  /** How it was made, e.g. `ipv4/tcp ihl=7 src=10.0.0.1 cut@34`. */
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** IPv4 source addresses frames come from (dotted). */
export const SOURCE_POOL: readonly string[] = [
  "10.0.0.1",
  "10.0.0.2",
  "192.168.7.9",
  "172.16.0.200",
  "8.8.8.8",
  "203.0.113.5",
  "255.255.255.255",
  "0.0.0.0",
];

/** The sources the firewall's blocklist holds (every other member of `SOURCE_POOL`). */
export const BLOCKED_SOURCES: readonly string[] = SOURCE_POOL.filter((_, i) => i % 2 === 0);

/** Destination ports frames use (host order); 0 and 65535 are the edges. */
export const PORT_POOL: readonly number[] = [0, 22, 53, 80, 443, 8080, 65535];

const ETH_P_IP = 0x0800;
const ETH_P_ARP = 0x0806;
const ETH_P_8021Q = 0x8100;
const ETH_P_IPV6 = 0x86dd;
const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;

/** Dotted IPv4 address → 4 bytes in network order. */
export function ipv4Bytes(dotted: string): Uint8Array {
  const parts = dotted.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not a dotted IPv4 address: "${dotted}"`);
  }
  return new Uint8Array(parts);
}

const concat = (...parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const be16 = (v: number) => new Uint8Array([(v >> 8) & 0xff, v & 0xff]);

/** Ethernet header: fixed MACs (unicast dst, locally administered src) and the EtherType. */
function ethHeader(etherType: number): Uint8Array {
  return concat(new Uint8Array([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]), be16(etherType));
}

/** A TCP (20 bytes) or UDP (8 bytes) header; other protocols get 8 random payload bytes. */
function transport(rng: Rng, protocol: number, dport: number): Uint8Array {
  const sport = rng.int(1024, 65535);
  if (protocol === TCP) {
    const h = concat(be16(sport), be16(dport), rng.bytes(16));
    h[12] = 0x50; // data offset 5 words
    return h;
  }
  if (protocol === UDP) return concat(be16(sport), be16(dport), be16(8 + 4), be16(0), rng.bytes(4));
  return rng.bytes(8);
}

/** An IPv4 header with `ihl` words (options random; IHL < 5 is deliberately malformed). */
function ipv4Header(rng: Rng, src: string, protocol: number, ihl: number, payloadLen: number) {
  const h = new Uint8Array(Math.max(ihl, 5) * 4);
  h[0] = 0x40 | ihl;
  h.set(be16(h.length + payloadLen), 2);
  h.set(be16(rng.int(0, 0xffff)), 4);
  h[8] = rng.int(1, 255); // ttl
  h[9] = protocol;
  h.set(ipv4Bytes(src), 12);
  h.set(ipv4Bytes(rng.pick(SOURCE_POOL)), 16);
  h.set(rng.bytes(h.length - 20), 20);
  return h;
}

interface Built {
  readonly label: string;
  readonly bytes: Uint8Array;
  /** Offsets where one header ends and the next begins (for truncation). */
  readonly boundaries: readonly number[];
}

function buildIpv4(
  rng: Rng,
  opts: { protocol?: number; ihl?: number; vlan?: boolean } = {},
): Built {
  const protocol =
    opts.protocol ??
    rng.weighted<number>([
      [TCP, 4],
      [UDP, 4],
      [ICMP, 2],
      [rng.int(0, 255), 1],
    ]);
  const ihl = opts.ihl ?? (rng.chance(0.3) ? rng.int(6, 15) : 5);
  const src = rng.pick(SOURCE_POOL);
  const dport = rng.chance(0.8) ? rng.pick(PORT_POOL) : rng.int(0, 65535);
  const l4 = transport(rng, protocol, dport);
  const ip = ipv4Header(rng, src, protocol, ihl, l4.length);
  const vlan = opts.vlan ? concat(be16(rng.int(0, 0xfff)), be16(ETH_P_IP)) : new Uint8Array(0);
  const eth = ethHeader(opts.vlan ? ETH_P_8021Q : ETH_P_IP);
  const l3 = 14 + vlan.length;
  return {
    label: `ipv4${opts.vlan ? "/vlan" : ""} proto=${protocol} ihl=${ihl} src=${src} dport=${dport}`,
    bytes: concat(eth, vlan, ip, l4),
    boundaries: [6, 12, 14, l3, l3 + 9, l3 + 10, l3 + 20, l3 + ip.length, l3 + ip.length + 4],
  };
}

function buildIpv6(rng: Rng): Built {
  const protocol = rng.pick([TCP, UDP, ICMPV6]);
  const dport = rng.pick(PORT_POOL);
  const l4 = transport(rng, protocol, dport);
  const ip = new Uint8Array(40);
  ip[0] = 0x60;
  ip.set(be16(l4.length), 4);
  ip[6] = protocol;
  ip[7] = 64;
  ip.set(rng.bytes(32), 8);
  return {
    label: `ipv6 next=${protocol} dport=${dport}`,
    bytes: concat(ethHeader(ETH_P_IPV6), ip, l4),
    boundaries: [14, 54, 58],
  };
}

function buildArp(rng: Rng): Built {
  const arp = concat(new Uint8Array([0, 1, 8, 0, 6, 4, 0, rng.int(1, 2)]), rng.bytes(20));
  return { label: "arp", bytes: concat(ethHeader(ETH_P_ARP), arp), boundaries: [14, 42] };
}

/** An 802.3 frame: the EtherType field is a length (< 0x600), followed by LLC bytes. */
function build8023(rng: Rng): Built {
  const payload = rng.bytes(rng.int(3, 46));
  return {
    label: `802.3 len=${payload.length}`,
    bytes: concat(ethHeader(payload.length), payload),
    boundaries: [14],
  };
}

function buildGarbage(rng: Rng): Built {
  const bytes = rng.bytes(rng.int(0, 96));
  const ipType = rng.chance(0.5) && bytes.length >= 14;
  if (ipType) bytes.set(be16(ETH_P_IP), 12);
  return {
    label: `garbage${ipType ? "/ethertype=ipv4" : ""} len=${bytes.length}`,
    bytes,
    boundaries: [],
  };
}

const cut = (b: Built, at: number): Frame => ({
  label: `${b.label} cut@${at}`,
  bytes: b.bytes.slice(0, at),
});

/**
 * The fixed edge cases: one frame of each kind, every boundary cut (±1) of a TCP frame with IPv4
 * options, the empty frame, and IHL 0..4.
 */
export function edgeFrames(): Frame[] {
  const rng = new Rng(0x5eed);
  const tcp = buildIpv4(rng, { protocol: TCP, ihl: 7 });
  const cuts = new Set<number>([0, 1]);
  for (const b of tcp.boundaries) for (const at of [b - 1, b, b + 1]) cuts.add(at);
  const whole: Built[] = [
    buildIpv4(rng, { protocol: TCP, ihl: 5 }),
    buildIpv4(rng, { protocol: UDP, ihl: 15 }),
    buildIpv4(rng, { protocol: ICMP }),
    buildIpv4(rng, { vlan: true, protocol: UDP }),
    buildIpv6(rng),
    buildArp(rng),
    build8023(rng),
    ...[0, 1, 2, 3, 4].map((ihl) => buildIpv4(rng, { protocol: UDP, ihl })),
  ];
  return [
    ...whole.map((b) => ({ label: b.label, bytes: b.bytes })),
    ...[...cuts]
      .filter((at) => at >= 0 && at < tcp.bytes.length)
      .sort((a, b) => a - b)
      .map((at) => cut(tcp, at)),
  ];
}

/** `count` frames for `seed`: the edge cases first, then random ones (see the file comment). */
export function generateFrames(seed: number, count: number): Frame[] {
  const rng = new Rng(seed);
  const out = edgeFrames().slice(0, count);
  while (out.length < count) {
    const kind = rng.weighted<() => Built>([
      [() => buildIpv4(rng), 10],
      [() => buildIpv4(rng, { vlan: true }), 1],
      [() => buildIpv4(rng, { ihl: rng.int(0, 4) }), 1],
      [() => buildIpv6(rng), 2],
      [() => buildArp(rng), 1],
      [() => build8023(rng), 1],
      [() => buildGarbage(rng), 2],
    ]);
    const b = kind();
    if (b.boundaries.length > 0 && rng.chance(0.2)) {
      const at = rng.chance(0.5) ? rng.pick(b.boundaries) : rng.int(0, b.bytes.length);
      out.push(cut(b, Math.min(at, b.bytes.length)));
    } else out.push({ label: b.label, bytes: b.bytes });
  }
  return out;
}
