/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the
 * data as big-endian 16-bit words (an odd last byte padded with zero), and the pseudo-headers that
 * TCP, UDP and ICMPv6 sum over (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
 */

/** One's complement sum of `data` as big-endian words, folded to 16 bits (not complemented). */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length % 2 === 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum of `data` (over an optional partial sum, e.g. a pseudo-header's). */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesSum(data, initial) & 0xffff;
}

/** Sum of the IPv4 pseudo-header: source, destination, zero, protocol, upper-layer length. */
export function ipv4PseudoSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number) {
  const p = new Uint8Array(12);
  p.set(src, 0);
  p.set(dst, 4);
  p[9] = protocol;
  p[10] = length >> 8;
  p[11] = length & 0xff;
  return onesSum(p);
}

/** Sum of the IPv6 pseudo-header: source, destination, u32 length, three zeros, next header. */
export function ipv6PseudoSum(
  src: Uint8Array,
  dst: Uint8Array,
  nextHeader: number,
  length: number,
) {
  const p = new Uint8Array(40);
  p.set(src, 0);
  p.set(dst, 16);
  new DataView(p.buffer).setUint32(32, length);
  p[39] = nextHeader;
  return onesSum(p);
}
