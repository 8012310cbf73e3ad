/**
 * Little-endian codecs between JS values and map key/value bytes, for the VM's test API.
 *
 * Consumes/produces `Uint8Array`s of exactly `size` bytes. Integers are checked against their range
 * (a clean `CodecError`, never silent truncation); structs lay fields out in order with C's natural
 * alignment, so `struct({ pid: u32, count: u64 })` matches `struct { __u32 pid; __u64 count; }`.
 */

/** A codec for one fixed-size type. */
export interface Codec<T> {
  readonly size: number;
  /** Alignment in bytes (C natural alignment). */
  readonly align: number;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** A value that does not fit its codec. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

function intCodec(size: 1 | 2 | 4 | 8, signed: boolean): Codec<bigint> {
  const bits = BigInt(size * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const name = `${signed ? "i" : "u"}${size * 8}`;
  return {
    size,
    align: size,
    encode(v) {
      const b = BigInt(v);
      if (b < min || b > max) throw new CodecError(`${b} does not fit in ${name}`);
      const out = new Uint8Array(size);
      let u = BigInt.asUintN(Number(bits), b);
      for (let i = 0; i < size; i++, u >>= 8n) out[i] = Number(u & 0xffn);
      return out;
    },
    decode(bytes) {
      if (bytes.length !== size)
        throw new CodecError(`${name} needs ${size} bytes, got ${bytes.length}`);
      let u = 0n;
      for (let i = size - 1; i >= 0; i--) u = (u << 8n) | BigInt(bytes[i]!);
      return signed ? BigInt.asIntN(Number(bits), u) : u;
    },
  };
}

/** A number-valued view of an integer codec (for sizes up to 32 bits, or values known to be safe). */
function asNumber(c: Codec<bigint>): Codec<number> {
  return {
    size: c.size,
    align: c.align,
    encode: (v) => {
      if (!Number.isInteger(v)) throw new CodecError(`${v} is not an integer`);
      return c.encode(BigInt(v));
    },
    decode: (b) => Number(c.decode(b)),
  };
}

export const u8: Codec<number> = asNumber(intCodec(1, false));
export const u16: Codec<number> = asNumber(intCodec(2, false));
export const u32: Codec<number> = asNumber(intCodec(4, false));
export const i32: Codec<number> = asNumber(intCodec(4, true));
export const u64: Codec<bigint> = intCodec(8, false);
export const i64: Codec<bigint> = intCodec(8, true);

/** Raw bytes of a fixed length. */
export function bytes(size: number): Codec<Uint8Array> {
  return {
    size,
    align: 1,
    encode(v) {
      if (v.length !== size) throw new CodecError(`expected ${size} bytes, got ${v.length}`);
      return v.slice();
    },
    decode: (b) => b.slice(),
  };
}

/** A NUL-padded string in a char array of `size` bytes. */
export function cString(size: number): Codec<string> {
  return {
    size,
    align: 1,
    encode(v) {
      const b = new TextEncoder().encode(v);
      if (b.length >= size)
        throw new CodecError(`"${v}" does not fit in char[${size}] with its NUL`);
      const out = new Uint8Array(size);
      out.set(b);
      return out;
    },
    decode(b) {
      const nul = b.indexOf(0);
      return new TextDecoder().decode(nul < 0 ? b : b.subarray(0, nul));
    },
  };
}

type StructValue<F extends Record<string, Codec<unknown>>> = {
  [K in keyof F]: F[K] extends Codec<infer T> ? T : never;
};

/** A C struct of the given fields, in order, naturally aligned and padded. */
export function struct<F extends Record<string, Codec<unknown>>>(fields: F): Codec<StructValue<F>> {
  const layout: { name: string; codec: Codec<unknown>; offset: number }[] = [];
  let offset = 0;
  let align = 1;
  for (const [name, codec] of Object.entries(fields)) {
    offset = Math.ceil(offset / codec.align) * codec.align;
    layout.push({ name, codec, offset });
    offset += codec.size;
    align = Math.max(align, codec.align);
  }
  const size = Math.ceil(offset / align) * align;
  return {
    size,
    align,
    encode(v) {
      const out = new Uint8Array(size);
      for (const f of layout) {
        const fv = (v as Record<string, unknown>)[f.name];
        if (fv === undefined) throw new CodecError(`struct field ${f.name} is missing`);
        out.set(f.codec.encode(fv), f.offset);
      }
      return out;
    },
    decode(b) {
      const out: Record<string, unknown> = {};
      for (const f of layout)
        out[f.name] = f.codec.decode(b.subarray(f.offset, f.offset + f.codec.size));
      return out as StructValue<F>;
    },
  };
}

/** Encodes a number/bigint as an unsigned little-endian integer of `size` bytes (1, 2, 4 or 8). */
export function encodeUint(value: number | bigint, size: number): Uint8Array {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
    throw new CodecError(
      `cannot encode a number into ${size} bytes; pass the bytes or use a codec`,
    );
  }
  return intCodec(size, false).encode(BigInt(value));
}

/** Decodes an unsigned little-endian integer of 1–8 bytes. */
export function decodeUint(bytes: Uint8Array): bigint {
  let u = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) u = (u << 8n) | BigInt(bytes[i]!);
  return u;
}
