/**
 * Packet builders for probe tests: a frame is a list of layers, outermost first,
 *
 * ```ts
 * packet(ethernet(), vlan({ id: 7 }), ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }), tcp({ dport: 80 }), "hi")
 * ```
 *
 * assembled innermost first so each layer fills what depends on its inner layers: EtherType and
 * VLAN inner type, IPv4 protocol / IHL / total length / header checksum, IPv6 next header (through
 * its extension headers) and payload length, TCP data offset, UDP length, and the TCP, UDP, ICMP and
 * ICMPv6 checksums (over the pseudo-header of the nearest IP layer outside them). Every derived
 * field can be given explicitly instead — a wrong checksum, a lying length — and is then written
 * as given.
 *
 * Wire formats: IEEE 802.3 / 802.1Q, RFC 791 (IPv4, options padded with End-of-Options to a 4-byte
 * multiple), RFC 8200 (IPv6 and its extension headers), RFC 9293 (TCP), RFC 768 (UDP), RFC 792 / 4443
 * (ICMP / ICMPv6). Consumes layer specs (plain data); produces bytes.
 */
import { ipv4Bytes, ipv6Bytes, macBytes } from "./addr.ts";
import { internetChecksum, ipv4PseudoSum, ipv6PseudoSum } from "./checksum.ts";

/** EtherTypes and IP protocol numbers the builders fill in. */
export const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, IPV6: 0x86dd };
export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
};

export interface EthernetLayer {
  readonly kind: "ethernet";
  readonly dst?: string | Uint8Array;
  readonly src?: string | Uint8Array;
  /** Default: from the next layer (VLAN TPID, IPv4, IPv6), else 0x88b5 (local experimental). */
  readonly type?: number;
}
export interface VlanLayer {
  readonly kind: "vlan";
  /** VLAN id (12 bits). */
  readonly id: number;
  readonly pcp?: number;
  readonly dei?: boolean;
  /** The TPID the outer layer announces (default 0x8100; 0x88a8 for an 802.1ad outer tag). */
  readonly tpid?: number;
  /** Inner EtherType (default: from the next layer). */
  readonly type?: number;
}
export interface Ipv4Layer {
  readonly kind: "ipv4";
  readonly src: string | Uint8Array;
  readonly dst: string | Uint8Array;
  readonly protocol?: number;
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
  readonly dontFragment?: boolean;
  readonly moreFragments?: boolean;
  /** In 8-byte units. */
  readonly fragmentOffset?: number;
  /** Option bytes (padded with End-of-Options to a multiple of 4). */
  readonly options?: Uint8Array;
  readonly ihl?: number;
  readonly totalLength?: number;
  readonly checksum?: number;
}
/** An IPv6 extension header. */
export type Ipv6Extension =
  | {
      readonly type: "hop-by-hop" | "destination";
      /** Option TLVs (padded with PadN to a multiple of 8 with the 2-byte header). */
      readonly options?: Uint8Array;
    }
  | {
      readonly type: "routing";
      readonly routingType?: number;
      readonly segmentsLeft?: number;
      /** Type-specific data after the 4 fixed bytes (padded with zeros to a multiple of 8). */
      readonly data?: Uint8Array;
    }
  | {
      readonly type: "fragment";
      /** In 8-byte units. */
      readonly offset?: number;
      readonly more?: boolean;
      readonly identification?: number;
    };
export interface Ipv6Layer {
  readonly kind: "ipv6";
  readonly src: string | Uint8Array;
  readonly dst: string | Uint8Array;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
  readonly hopLimit?: number;
  readonly extensions?: readonly Ipv6Extension[];
  /** The upper-layer protocol after the extension headers (default: from the next layer). */
  readonly nextHeader?: number;
  readonly payloadLength?: number;
}
export interface TcpFlags {
  readonly fin?: boolean;
  readonly syn?: boolean;
  readonly rst?: boolean;
  readonly psh?: boolean;
  readonly ack?: boolean;
  readonly urg?: boolean;
  readonly ece?: boolean;
  readonly cwr?: boolean;
}
export interface TcpLayer {
  readonly kind: "tcp";
  readonly sport?: number;
  readonly dport?: number;
  readonly seq?: number;
  readonly ack?: number;
  /** Flag bits, or the flags byte (default: SYN). */
  readonly flags?: TcpFlags | number;
  readonly window?: number;
  readonly urgent?: number;
  /** Option bytes (padded with End-of-Options to a multiple of 4). */
  readonly options?: Uint8Array;
  /** In 4-byte words. */
  readonly dataOffset?: number;
  readonly checksum?: number;
}
export interface UdpLayer {
  readonly kind: "udp";
  readonly sport?: number;
  readonly dport?: number;
  readonly length?: number;
  readonly checksum?: number;
}
export interface IcmpLayer {
  /** ICMP (IPv4) or ICMPv6 (checksum over the IPv6 pseudo-header). */
  readonly kind: "icmp" | "icmpv6";
  /** Default: echo request (8, or 128 for ICMPv6). */
  readonly type?: number;
  readonly code?: number;
  /** The 4 bytes after the checksum: echo identifier and sequence number. */
  readonly id?: number;
  readonly seq?: number;
  readonly checksum?: number;
}
export interface PayloadLayer {
  readonly kind: "payload";
  readonly bytes: Uint8Array;
}

/** One layer of a frame. */
export type Layer =
  | EthernetLayer
  | VlanLayer
  | Ipv4Layer
  | Ipv6Layer
  | TcpLayer
  | UdpLayer
  | IcmpLayer
  | PayloadLayer;

/** A layer's fields without its kind. */
type Fields<L> = Omit<L, "kind">;

export const ethernet = (f: Fields<EthernetLayer> = {}): EthernetLayer => ({
  kind: "ethernet",
  ...f,
});
export const vlan = (f: Fields<VlanLayer>): VlanLayer => ({ kind: "vlan", ...f });
export const ipv4 = (f: Fields<Ipv4Layer>): Ipv4Layer => ({ kind: "ipv4", ...f });
export const ipv6 = (f: Fields<Ipv6Layer>): Ipv6Layer => ({ kind: "ipv6", ...f });
export const tcp = (f: Fields<TcpLayer> = {}): TcpLayer => ({ kind: "tcp", ...f });
export const udp = (f: Fields<UdpLayer> = {}): UdpLayer => ({ kind: "udp", ...f });
export const icmp = (f: Fields<IcmpLayer> = {}): IcmpLayer => ({ kind: "icmp", ...f });
export const icmpv6 = (f: Fields<IcmpLayer> = {}): IcmpLayer => ({ kind: "icmpv6", ...f });
/** Raw bytes (a string is UTF-8 encoded). */
export const payload = (b: Uint8Array | string): PayloadLayer => ({
  kind: "payload",
  bytes: typeof b === "string" ? new TextEncoder().encode(b) : b,
});

/** A layer list that cannot be assembled (a TCP header without an IP layer around it, ...). */
export class PacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PacketError";
  }
}

const EXT_PROTO = { "hop-by-hop": 0, routing: 43, fragment: 44, destination: 60 } as const;

/** The number an outer layer announces for `l` (EtherType or IP protocol). */
function etherTypeOf(l: Layer | undefined): number {
  if (l?.kind === "vlan") return l.tpid ?? ETHERTYPE.VLAN;
  if (l?.kind === "ipv4") return ETHERTYPE.IPV4;
  if (l?.kind === "ipv6") return ETHERTYPE.IPV6;
  return 0x88b5;
}
function protocolOf(l: Layer | undefined): number {
  switch (l?.kind) {
    case "tcp":
      return IPPROTO.TCP;
    case "udp":
      return IPPROTO.UDP;
    case "icmp":
      return IPPROTO.ICMP;
    case "icmpv6":
      return IPPROTO.ICMPV6;
    case "ipv4":
      return 4; // IP-in-IP
    case "ipv6":
      return IPPROTO.IPV6;
    default:
      return IPPROTO.NONE;
  }
}

const pad = (b: Uint8Array, multiple: number, fill = 0): Uint8Array => {
  const n = Math.ceil(b.length / multiple) * multiple;
  const out = new Uint8Array(n).fill(fill);
  out.set(b);
  return out;
};
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The pseudo-header sum for an upper-layer checksum, from the nearest IP layer before `i`. */
function pseudoSum(layers: readonly Layer[], i: number, protocol: number, length: number): number {
  for (let k = i - 1; k >= 0; k--) {
    const l = layers[k]!;
    if (l.kind === "ipv4")
      return ipv4PseudoSum(ipv4Bytes(l.src), ipv4Bytes(l.dst), protocol, length);
    if (l.kind === "ipv6")
      return ipv6PseudoSum(ipv6Bytes(l.src), ipv6Bytes(l.dst), protocol, length);
  }
  throw new PacketError(`a ${layers[i]!.kind} layer needs an IPv4 or IPv6 layer outside it`);
}

function tcpFlags(f: TcpFlags | number | undefined): number {
  if (f === undefined) return 0x02;
  if (typeof f === "number") return f & 0xff;
  const bits: [keyof TcpFlags, number][] = [
    ["fin", 0x01],
    ["syn", 0x02],
    ["rst", 0x04],
    ["psh", 0x08],
    ["ack", 0x10],
    ["urg", 0x20],
    ["ece", 0x40],
    ["cwr", 0x80],
  ];
  return bits.reduce((a, [k, b]) => (f[k] ? a | b : a), 0);
}

function extensionBytes(e: Ipv6Extension, next: number): Uint8Array {
  if (e.type === "fragment") {
    const b = new Uint8Array(8);
    const v = new DataView(b.buffer);
    b[0] = next;
    v.setUint16(2, ((e.offset ?? 0) << 3) | (e.more ? 1 : 0));
    v.setUint32(4, e.identification ?? 0);
    return b;
  }
  let body: Uint8Array;
  if (e.type === "routing") {
    // next header, length, routing type, segments left, then the type-specific data.
    const data = e.data ?? new Uint8Array(4);
    body = pad(concat(new Uint8Array([0, 0, e.routingType ?? 0, e.segmentsLeft ?? 0]), data), 8);
  } else {
    const opts = e.options ?? new Uint8Array(0);
    const len = Math.ceil((2 + opts.length) / 8) * 8;
    body = new Uint8Array(len);
    body.set(opts, 2);
    const gap = len - 2 - opts.length;
    // PadN (type 1, length gap - 2) or Pad1 (type 0) for a single byte.
    if (gap === 1) body[2 + opts.length] = 0;
    else if (gap >= 2) {
      body[2 + opts.length] = 1;
      body[3 + opts.length] = gap - 2;
    }
  }
  body[0] = next;
  body[1] = body.length / 8 - 1;
  return body;
}

/** Assembles layers (outermost first); a string or bytes layer is a payload. */
export function packet(...input: readonly (Layer | Uint8Array | string)[]): Uint8Array {
  const layers: Layer[] = input.map((l) =>
    typeof l === "string" || l instanceof Uint8Array ? payload(l) : l,
  );
  let inner: Uint8Array = new Uint8Array(0);
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    const next = layers[i + 1];
    switch (l.kind) {
      case "payload":
        inner = concat(l.bytes, inner);
        break;
      case "ethernet": {
        const h = new Uint8Array(14);
        h.set(macBytes(l.dst ?? "02:00:00:00:00:02"), 0);
        h.set(macBytes(l.src ?? "02:00:00:00:00:01"), 6);
        new DataView(h.buffer).setUint16(12, l.type ?? etherTypeOf(next));
        inner = concat(h, inner);
        break;
      }
      case "vlan": {
        const h = new Uint8Array(4);
        const v = new DataView(h.buffer);
        v.setUint16(0, ((l.pcp ?? 0) << 13) | (l.dei ? 0x1000 : 0) | (l.id & 0xfff));
        v.setUint16(2, l.type ?? etherTypeOf(next));
        inner = concat(h, inner);
        break;
      }
      case "ipv4": {
        const opts = pad(l.options ?? new Uint8Array(0), 4);
        const h = new Uint8Array(20 + opts.length);
        const v = new DataView(h.buffer);
        h[0] = 0x40 | ((l.ihl ?? h.length / 4) & 0xf);
        h[1] = l.tos ?? 0;
        v.setUint16(2, l.totalLength ?? h.length + inner.length);
        v.setUint16(4, l.id ?? 0);
        v.setUint16(
          6,
          (l.dontFragment ? 0x4000 : 0) |
            (l.moreFragments ? 0x2000 : 0) |
            ((l.fragmentOffset ?? 0) & 0x1fff),
        );
        h[8] = l.ttl ?? 64;
        h[9] = l.protocol ?? protocolOf(next);
        h.set(ipv4Bytes(l.src), 12);
        h.set(ipv4Bytes(l.dst), 16);
        h.set(opts, 20);
        v.setUint16(10, l.checksum ?? internetChecksum(h));
        inner = concat(h, inner);
        break;
      }
      case "ipv6": {
        const upper = l.nextHeader ?? protocolOf(next);
        const exts = l.extensions ?? [];
        let extBytes: Uint8Array = new Uint8Array(0);
        let nh = upper;
        for (let k = exts.length - 1; k >= 0; k--) {
          extBytes = concat(extensionBytes(exts[k]!, nh), extBytes);
          nh = EXT_PROTO[exts[k]!.type];
        }
        const h = new Uint8Array(40);
        const v = new DataView(h.buffer);
        v.setUint32(
          0,
          (6 << 28) | (((l.trafficClass ?? 0) & 0xff) << 20) | ((l.flowLabel ?? 0) & 0xfffff),
        );
        v.setUint16(4, l.payloadLength ?? extBytes.length + inner.length);
        h[6] = nh;
        h[7] = l.hopLimit ?? 64;
        h.set(ipv6Bytes(l.src), 8);
        h.set(ipv6Bytes(l.dst), 24);
        inner = concat(h, extBytes, inner);
        break;
      }
      case "tcp": {
        const opts = pad(l.options ?? new Uint8Array(0), 4);
        const h = new Uint8Array(20 + opts.length);
        const v = new DataView(h.buffer);
        v.setUint16(0, l.sport ?? 40000);
        v.setUint16(2, l.dport ?? 80);
        v.setUint32(4, l.seq ?? 1);
        v.setUint32(8, l.ack ?? 0);
        h[12] = ((l.dataOffset ?? h.length / 4) & 0xf) << 4;
        h[13] = tcpFlags(l.flags);
        v.setUint16(14, l.window ?? 65535);
        v.setUint16(18, l.urgent ?? 0);
        h.set(opts, 20);
        const seg = concat(h, inner);
        const sum =
          l.checksum ?? internetChecksum(seg, pseudoSum(layers, i, IPPROTO.TCP, seg.length));
        new DataView(seg.buffer).setUint16(16, sum);
        inner = seg;
        break;
      }
      case "udp": {
        const h = new Uint8Array(8);
        const v = new DataView(h.buffer);
        v.setUint16(0, l.sport ?? 40000);
        v.setUint16(2, l.dport ?? 53);
        v.setUint16(4, l.length ?? 8 + inner.length);
        const dgram = concat(h, inner);
        // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
        const sum =
          l.checksum ??
          (internetChecksum(dgram, pseudoSum(layers, i, IPPROTO.UDP, dgram.length)) || 0xffff);
        new DataView(dgram.buffer).setUint16(6, sum);
        inner = dgram;
        break;
      }
      case "icmp":
      case "icmpv6": {
        const v6 = l.kind === "icmpv6";
        const h = new Uint8Array(8);
        const v = new DataView(h.buffer);
        h[0] = l.type ?? (v6 ? 128 : 8);
        h[1] = l.code ?? 0;
        v.setUint16(4, l.id ?? 0);
        v.setUint16(6, l.seq ?? 0);
        const msg = concat(h, inner);
        const sum =
          l.checksum ??
          internetChecksum(msg, v6 ? pseudoSum(layers, i, IPPROTO.ICMPV6, msg.length) : 0);
        new DataView(msg.buffer).setUint16(2, sum);
        inner = msg;
        break;
      }
    }
  }
  return inner;
}
