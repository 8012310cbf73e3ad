/**
 * The kernel's Jenkins hash (include/linux/jhash.h, Bob Jenkins' lookup3 `hashword` / `hashlittle`),
 * which stack trace maps use to turn a stack into its id (kernel/bpf/stackmap.c
 * `jhash2(ips, trace_len / 4, 0)`).
 *
 * Consumes 32-bit words (or bytes, read little-endian as the kernel's x86/arm64 builds do) and an
 * initial value; produces an unsigned 32-bit hash (add, sub, xor and rotate, wrapping at 32 bits).
 *
 * Invariant: for a byte string whose length is a multiple of 4, `jhash(bytes)` equals `jhash2` of
 * the little-endian words it spells (lookup3 defines both with the same mix and the same initial
 * value `0xdeadbeef + byte length + initval`).
 */

/** JHASH_INITVAL: an arbitrary value from lookup3. */
const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Hashes `n` words read by `word(i)` with state starting at `init` (lookup3's core): full blocks of
 * three words are mixed while more than three remain; the last one to three words are added and
 * finalised; no words at all return the initial value.
 */
function hashWords(n: number, word: (i: number) => number, init: number): number {
  let a = init | 0;
  let b = a;
  let c = a;
  let i = 0;
  for (; n - i > 3; i += 3) {
    a = (a + word(i)) | 0;
    b = (b + word(i + 1)) | 0;
    c = (c + word(i + 2)) | 0;
    // __jhash_mix
    a = (a - c) | 0;
    a ^= rol32(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rol32(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 4);
    b = (b + a) | 0;
  }
  const left = n - i;
  if (left === 0) return c >>> 0;
  if (left === 3) c = (c + word(i + 2)) | 0;
  if (left >= 2) b = (b + word(i + 1)) | 0;
  a = (a + word(i)) | 0;
  // __jhash_final
  c ^= b;
  c = (c - rol32(b, 14)) | 0;
  a ^= c;
  a = (a - rol32(c, 11)) | 0;
  b ^= a;
  b = (b - rol32(a, 25)) | 0;
  c ^= b;
  c = (c - rol32(b, 16)) | 0;
  a ^= c;
  a = (a - rol32(c, 4)) | 0;
  b ^= a;
  b = (b - rol32(a, 14)) | 0;
  c ^= b;
  c = (c - rol32(b, 24)) | 0;
  return c >>> 0;
}

/** `jhash2(k, length, initval)`: the hash of 32-bit words. */
export function jhash2(words: ArrayLike<number>, initval = 0): number {
  return hashWords(
    words.length,
    (i) => words[i]! | 0,
    JHASH_INITVAL + (words.length << 2) + initval,
  );
}

/** `jhash(key, length, initval)`: the hash of bytes (a short tail is zero-padded, little-endian). */
export function jhash(bytes: ArrayLike<number>, initval = 0): number {
  const word = (i: number): number => {
    let w = 0;
    for (let j = 3; j >= 0; j--) w = (w << 8) | (bytes[i * 4 + j] ?? 0);
    return w;
  };
  return hashWords(Math.ceil(bytes.length / 4), word, JHASH_INITVAL + bytes.length + initval);
}
