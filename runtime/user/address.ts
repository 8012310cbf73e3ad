/**
 * Text forms of network addresses held in network byte order (the stdlib's `Ipv4Addr` /
 * `Ipv6Addr`, C's `struct in_addr` / `struct in6_addr`; core/btf/address-types.ts names them):
 * dotted quads, and IPv6 in RFC 5952 canonical form (lower case, the longest run of two or more
 * zero groups as `::`, the first such run on a tie, IPv4-mapped addresses as `::ffff:a.b.c.d`).
 *
 * Consumes address bytes or text; produces text or bytes. Invariant: `parseAddress` of
 * `formatAddress(b)` gives back `b`.
 */
import type { AddressFamily } from "../../core/btf/index.ts";

/** The text of 4 (IPv4) or 16 (IPv6) address bytes. */
export function formatAddress(family: AddressFamily, b: Uint8Array): string {
  if (family === "ipv4") return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The bytes of an address in text form, or undefined when `text` is not one of `family`. */
export function parseAddress(family: AddressFamily, text: string): Uint8Array | undefined {
  if (family === "ipv4") return parseIpv4(text);
  return parseIpv6(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((x) => x <= 255) ? Uint8Array.from(bytes) : undefined;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let s = text.trim().toLowerCase();
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groupsOf(halves[0]!);
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill("0"), ...rest];
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}
