/**
 * Builds a test packet from a few fields, for the playground's packet editor: an Ethernet II frame
 * carrying IPv4 with a UDP or TCP header (or another protocol number with no header) and a payload.
 * The IPv4 header checksum is computed (RFC 791); UDP/TCP checksums are left 0, which XDP and tc
 * programs see as any NIC would hand them over before checksum validation.
 *
 * Consumes field values as text (what the form holds); produces the frame bytes, or a message
 * naming the first bad field.
 */

/** The form's fields. */
export interface PacketFields {
  readonly src: string;
  readonly dst: string;
  /** "udp", "tcp", or an IP protocol number. */
  readonly protocol: string;
  readonly sport: string;
  readonly dport: string;
  /** UTF-8 payload text. */
  readonly payload: string;
}

const ETH_P_IP = 0x0800;

function ipv4(text: string, what: string): number[] | string {
  const parts = text.trim().split(".");
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (bytes.length !== 4 || bytes.some((b) => !(b >= 0 && b <= 255)))
    return `${what}: not an IPv4 address a.b.c.d: ${JSON.stringify(text)}`;
  return bytes;
}

function port(text: string, what: string): number | string {
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : `${what}: not a port 0..65535: ${text}`;
}

/** The RFC 1071 one's-complement checksum of `b`. */
function checksum(b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const be16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];

/** The frame described by `f`, or the first problem. */
export function buildPacket(f: PacketFields): Uint8Array | string {
  const src = ipv4(f.src, "source");
  if (typeof src === "string") return src;
  const dst = ipv4(f.dst, "destination");
  if (typeof dst === "string") return dst;
  const proto = f.protocol.trim().toLowerCase();
  const protoNum = proto === "udp" ? 17 : proto === "tcp" ? 6 : Number(proto);
  if (!Number.isInteger(protoNum) || protoNum < 0 || protoNum > 255)
    return `protocol: udp, tcp or a number 0..255, got ${JSON.stringify(f.protocol)}`;
  const payload = [...new TextEncoder().encode(f.payload)];
  let l4: number[] = [];
  if (protoNum === 17 || protoNum === 6) {
    const sp = port(f.sport, "source port");
    if (typeof sp === "string") return sp;
    const dp = port(f.dport, "destination port");
    if (typeof dp === "string") return dp;
    l4 =
      protoNum === 17
        ? [...be16(sp), ...be16(dp), ...be16(8 + payload.length), 0, 0]
        : // seq 1, ack 0, data offset 5 words, flags SYN, window 64240, checksum 0, urgent 0
          [...be16(sp), ...be16(dp), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0];
  }
  const total = 20 + l4.length + payload.length;
  if (total > 65535) return "payload too long for one IPv4 packet";
  const ip = [0x45, 0, ...be16(total), 0, 1, 0, 0, 64, protoNum, 0, 0, ...src, ...dst];
  const sum = checksum(ip);
  ip[10] = sum >>> 8;
  ip[11] = sum & 0xff;
  const eth = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...be16(ETH_P_IP)];
  return Uint8Array.from([...eth, ...ip, ...l4, ...payload]);
}
