/**
 * String helpers (kernel/bpf/helpers.c): bpf_strncmp, bpf_strtol, bpf_strtoul.
 *
 * bpf_strncmp(s1, s1_sz, s2) is lib/string.c `strncmp(s1, s2, s1_sz)`: 0, or -1 / 1 at the first
 * differing byte. bpf_strtol / bpf_strtoul parse an integer from at most `buf_len` bytes as
 * `__bpf_strtoull` does: leading whitespace, an optional `-` (strtol only), base from the low 5 bits
 * of `flags` (0 = auto: `0x` hex, `0` octal, else decimal; 8, 10 or 16), at least one digit; they
 * store the value at `res` and return the number of bytes consumed, or -EINVAL (no digits, bad
 * flags) / -ERANGE (overflow).
 */
import { Errno } from "../maps/index.ts";
import type { HelperCall } from "../vm/contract.ts";
import type { HelperImpl } from "./types.ts";
import { errno, numArg } from "./types.ts";

/** Bytes of the NUL-terminated string at `addr`, at most `max`. */
function readString(call: HelperCall, addr: bigint, max: number): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < max; i++) {
    const b = call.memory.read(addr + BigInt(i), 1)[0]!;
    if (b === 0) break;
    out.push(b);
  }
  return Uint8Array.from(out);
}

function strncmp(call: HelperCall): bigint {
  const n = numArg(call, 2);
  const a = call.memory.read(call.args[0], n);
  for (let i = 0; i < n; i++) {
    const c1 = a[i]!;
    const c2 = call.memory.read(call.args[2] + BigInt(i), 1)[0]!;
    if (c1 !== c2) return c1 < c2 ? -1n : 1n;
    if (c1 === 0) break;
  }
  return 0n;
}

const digit = (c: number): number =>
  c >= 0x30 && c <= 0x39
    ? c - 0x30
    : c >= 0x61 && c <= 0x66
      ? c - 0x57
      : c >= 0x41 && c <= 0x46
        ? c - 0x37
        : 99;

function strto(call: HelperCall, signed: boolean): bigint {
  const len = numArg(call, 2);
  const flags = call.args[2];
  if ((flags & ~0x1fn) !== 0n || len === 0) return errno(Errno.EINVAL);
  const text = readString(call, call.args[0], len);
  let i = 0;
  while (i < text.length && (text[i] === 0x20 || (text[i]! >= 0x09 && text[i]! <= 0x0d))) i++;
  const negative = signed && text[i] === 0x2d;
  if (negative) i++;
  let base = Number(flags & 0x1fn);
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return errno(Errno.EINVAL);
  const hexPrefix = text[i] === 0x30 && (text[i + 1] === 0x78 || text[i + 1] === 0x58);
  if ((base === 0 || base === 16) && hexPrefix && digit(text[i + 2] ?? 0) < 16) {
    base = 16;
    i += 2;
  } else if (base === 0) base = text[i] === 0x30 ? 8 : 10;
  const start = i;
  let v = 0n;
  const limit = (1n << 64n) - 1n;
  while (i < text.length && digit(text[i]!) < base) {
    v = v * BigInt(base) + BigInt(digit(text[i]!));
    if (v > limit) return errno(Errno.ERANGE);
    i++;
  }
  if (i === start) return errno(Errno.EINVAL);
  if (signed) {
    if (negative ? v > 1n << 63n : v > (1n << 63n) - 1n) return errno(Errno.ERANGE);
    if (negative) v = -v;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  call.memory.write(call.args[3], out);
  return BigInt(i);
}

/** The string helpers. */
export const STRING_HELPERS: readonly HelperImpl[] = [
  { name: "strncmp", fn: strncmp },
  { name: "strtol", fn: (c) => strto(c, true) },
  { name: "strtoul", fn: (c) => strto(c, false) },
];
