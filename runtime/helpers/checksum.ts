/**
 * The Internet checksum arithmetic of the kernel's packet helpers (include/net/checksum.h and
 * x86-64's arch/x86/lib/csum-partial_64.c), bit for bit: `csumPartial` returns the same 32-bit
 * partial sum x86-64 returns (what bpf_csum_diff hands to programs), not only a congruent one.
 *
 * All values are unsigned JS numbers: 32-bit partial sums (`__wsum`) and 16-bit folded checksums
 * (`__sum16`) as the little-endian host reads them from packet memory.
 */

/** `csum_add`: 32-bit ones'-complement addition. */
export function csumAdd(a: number, b: number): number {
  const r = (a + b) >>> 0;
  return (r + (r < b >>> 0 ? 1 : 0)) >>> 0;
}

/** `csum_sub`. */
export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** `csum_fold`: the 16-bit checksum of a 32-bit partial sum (complemented). */
export function csumFold(sum: number): number {
  let s = (sum & 0xffff) + (sum >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * `csum_partial(buff, len, seed)` on x86-64: 64-bit little-endian words added with end-around
 * carry, then a 32-bit word when `len & 4`, then the last `len & 3` bytes as one little-endian
 * integer; the 64-bit sum folded to 32 bits as `csum_finalize_sum` does.
 */
export function csumPartial(bytes: Uint8Array, seed: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const MASK = (1n << 64n) - 1n;
  let acc = BigInt(seed >>> 0);
  const add = (v: bigint) => {
    acc += v;
    if (acc > MASK) acc = (acc & MASK) + 1n;
  };
  let i = 0;
  for (; i + 8 <= bytes.length; i += 8) add(view.getBigUint64(i, true));
  if (bytes.length & 4) {
    add(BigInt(view.getUint32(i, true)));
    i += 4;
  }
  let trail = 0n;
  for (let k = bytes.length - 1; k >= i; k--) trail = (trail << 8n) | BigInt(bytes[k]!);
  if (i < bytes.length) add(trail);
  const ror = ((acc >> 32n) | (acc << 32n)) & MASK;
  return Number(((acc + ror) & MASK) >> 32n);
}

/** 32-bit words as little-endian bytes. */
function words(...w: number[]): Uint8Array {
  const b = new Uint8Array(4 * w.length);
  const v = new DataView(b.buffer);
  w.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
  return b;
}

/** `csum_replace4`: the checksum `sum` after a 32-bit field changed from `from` to `to`. */
export function csumReplace4(sum: number, from: number, to: number): number {
  return csumFold(csumAdd(csumSub(~sum >>> 0, from >>> 0), to >>> 0));
}

/** `csum16_add`. */
function csum16Add(csum: number, addend: number): number {
  const res = (csum + addend) & 0xffff;
  return (res + (res < (addend & 0xffff) ? 1 : 0)) & 0xffff;
}

/** `csum_replace2`: the checksum after a 16-bit field changed. */
export function csumReplace2(sum: number, from: number, to: number): number {
  return ~csum16Add(csum16Add(~sum & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
}

/** `csum_replace_by_diff`: the checksum after data whose partial-sum difference is `diff` changed. */
export function csumReplaceByDiff(sum: number, diff: number): number {
  return csumFold(csumAdd(diff >>> 0, ~sum >>> 0));
}

/** `inet_proto_csum_replace4` for a packet without CHECKSUM_PARTIAL (as BPF_PROG_TEST_RUN's). */
export function protoCsumReplace4(sum: number, from: number, to: number): number {
  return csumFold(csumPartial(words(~from >>> 0, to >>> 0), ~sum >>> 0));
}

/** `from32to16`: a 32-bit partial sum folded to 16 bits, not complemented. */
export function from32to16(x: number): number {
  let s = (x & 0xffff) + (x >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * `bpf_csum_diff` (net/core/filter.c since Linux 6.13, the same on every architecture): the partial
 * sum that turns a checksum over `from` into one over `to`, starting from `seed`, folded to 16 bits.
 */
export function csumDiff(from: Uint8Array, to: Uint8Array, seed: number): number {
  let sum: number;
  if (from.length > 0 && to.length > 0) sum = csumSub(csumPartial(to, seed), csumPartial(from, 0));
  else if (to.length > 0) sum = csumPartial(to, seed);
  else sum = ~csumPartial(from, ~seed >>> 0) >>> 0;
  return from32to16(sum);
}
