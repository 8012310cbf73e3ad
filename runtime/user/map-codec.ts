/**
 * Typed views of map keys, map values and ring-buffer records, built from BTF.
 *
 * A `Codec` (built from a decoded `Btf` plus a type id, or just a byte size when the object has no
 * BTF, by codec-from-btf.ts) is a plain tree describing the C layout (ints of every width and
 * signedness, bools, enums, char arrays, other arrays, structs/unions with bitfields, pointers,
 * floats), with `decodeValue` / `encodeValue` turning bytes into `UserValue`s and back.
 *
 * Value conventions (chosen so printing and JSON stay exact):
 * - integers of 1, 2 or 4 bytes → `number`; 8 and 16 bytes → `bigint` (u64 counters are exact);
 * - `_Bool` → boolean; enums → the enumerator name, or the number when no enumerator matches;
 * - arrays whose element is a C `char` (an int named `char` / `signed char`, or with the
 *   BTF_INT_CHAR bit; the TypeScript `CharArray<N>`, whose element the compiler emits as `char`)
 *   → string cut at the first NUL, whatever follows it (a reused ring buffer slot leaves bytes of
 *   older records there); arrays of unsigned bytes (`u8`, `unsigned char`) → a string when the
 *   bytes look like one (printable UTF-8 then only NULs), else an array of numbers; other arrays
 *   → arrays;
 * - network addresses (a typedef named `ipv4_addr` / `ipv6_addr`, the stdlib's `Ipv4Addr` /
 *   `Ipv6Addr`, or C's `struct in_addr` / `struct in6_addr`; core/btf/address-types.ts) → their
 *   text, `10.0.0.2` / `2001:db8::1` (address.ts), and encoding takes that text back;
 * - structs → plain objects in member order; unions → only their first member;
 * - pointers → bigint address; floats → number; anything without a layout → `Uint8Array`.
 * Encoding also takes, for any type, a `Uint8Array` of exactly its size as the image itself.
 *
 * Invariant: `encodeValue(c, decodeValue(c, b))` gives back `b` for every byte image whose padding
 * and bytes after a string's NUL are zero (the round trip the tests check); encoding never writes
 * outside `c.size` bytes and rejects values that do not fit with a `CodecError` naming the field.
 */
import type { AddressFamily } from "../../core/btf/index.ts";
import { formatAddress, parseAddress } from "./address.ts";

/** A decoded key, value or record. */
export type UserValue =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | readonly UserValue[]
  | { readonly [field: string]: UserValue };

/** A value that does not fit its type, or bytes of the wrong length. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

/** One struct member. */
export interface CodecField {
  readonly name: string;
  /** Byte offset (bitfields: of the containing storage, see `bitOffset`). */
  readonly offset: number;
  readonly codec: Codec;
  /** Bitfields only: bit position from `offset`, and width in bits. */
  readonly bitOffset?: number;
  readonly bits?: number;
}

/** The layout of a C type, as a plain tree. */
export type Codec =
  | {
      readonly kind: "int";
      readonly size: number;
      readonly signed: boolean;
      /** C type name, for display (`u32`, `unsigned long long`). */
      readonly name: string;
    }
  | { readonly kind: "bool"; readonly size: number }
  | { readonly kind: "float"; readonly size: number }
  | { readonly kind: "ptr"; readonly size: 8 }
  | {
      readonly kind: "enum";
      readonly size: number;
      readonly signed: boolean;
      readonly values: ReadonlyMap<bigint, string>;
    }
  | {
      readonly kind: "string";
      readonly size: number;
      /**
       * Arrays of unsigned bytes (`u8`, `unsigned char`): a string only when the bytes look like
       * one (printable UTF-8, then only NULs), else an array of numbers.
       */
      readonly loose?: boolean;
    }
  | {
      readonly kind: "array";
      readonly size: number;
      readonly element: Codec;
      readonly length: number;
    }
  | {
      readonly kind: "struct";
      readonly size: number;
      readonly name: string;
      readonly fields: readonly CodecField[];
    }
  | {
      /** A network address in network byte order, decoded as its text (`10.0.0.2`). */
      readonly kind: "addr";
      readonly size: number;
      readonly family: AddressFamily;
    }
  | { readonly kind: "bytes"; readonly size: number };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/** The text of NUL-terminated bytes when they look like a string, else undefined. */
function asText(raw: Uint8Array): string | undefined {
  const end = raw.indexOf(0);
  const body = raw.subarray(0, end < 0 ? raw.length : end);
  if (end >= 0 && raw.subarray(end).some((b) => b !== 0)) return undefined;
  if (body.some((b) => b < 0x20 || b === 0x7f)) return undefined;
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

/** Decodes `c.size` bytes at `offset` of `bytes`. */
export function decodeValue(c: Codec, bytes: Uint8Array, offset = 0): UserValue {
  if (offset + c.size > bytes.length) {
    throw new CodecError(`need ${c.size} bytes at offset ${offset}, have ${bytes.length - offset}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeAt(c, bytes, view, offset);
}

function decodeAt(c: Codec, bytes: Uint8Array, view: DataView, at: number): UserValue {
  switch (c.kind) {
    case "int":
      return readInt(view, at, c.size, c.signed);
    case "bool":
      return readInt(view, at, c.size, false) !== 0;
    case "float":
      return c.size === 4
        ? view.getFloat32(at, true)
        : c.size === 8
          ? view.getFloat64(at, true)
          : NaN;
    case "ptr":
      return view.getBigUint64(at, true);
    case "enum": {
      const n = BigInt(readInt(view, at, c.size, c.signed));
      return c.values.get(n) ?? (c.size <= 4 ? Number(n) : n);
    }
    case "string": {
      const raw = bytes.subarray(at, at + c.size);
      if (c.loose) return asText(raw) ?? [...raw];
      const end = raw.indexOf(0);
      return lenientUtf8.decode(raw.subarray(0, end < 0 ? c.size : end));
    }
    case "array":
      return Array.from({ length: c.length }, (_, i) =>
        decodeAt(c.element, bytes, view, at + i * c.element.size),
      );
    case "struct": {
      const out: Record<string, UserValue> = {};
      for (const f of c.fields) {
        out[f.name] =
          f.bits !== undefined
            ? readBits(bytes, at, f)
            : decodeAt(f.codec, bytes, view, at + f.offset);
      }
      return out;
    }
    case "addr":
      return formatAddress(c.family, bytes.subarray(at, at + c.size));
    case "bytes":
      return bytes.slice(at, at + c.size);
  }
}

function readInt(view: DataView, at: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1:
      return signed ? view.getInt8(at) : view.getUint8(at);
    case 2:
      return signed ? view.getInt16(at, true) : view.getUint16(at, true);
    case 4:
      return signed ? view.getInt32(at, true) : view.getUint32(at, true);
    case 8:
      return signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
    default: {
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(view.getUint8(at + i));
      return signed ? BigInt.asIntN(size * 8, v) : v;
    }
  }
}

/** The whole struct as one little-endian integer, from which bitfields are cut. */
function readBits(bytes: Uint8Array, at: number, f: CodecField): UserValue {
  const first = Math.floor(f.bitOffset! / 8);
  const last = Math.ceil((f.bitOffset! + f.bits!) / 8);
  let v = 0n;
  for (let i = last - 1; i >= first; i--) v = (v << 8n) | BigInt(bytes[at + i] ?? 0);
  v = (v >> BigInt(f.bitOffset! - first * 8)) & ((1n << BigInt(f.bits!)) - 1n);
  const signed = f.codec.kind === "int" && f.codec.signed;
  if (signed) v = BigInt.asIntN(f.bits!, v);
  if (f.codec.kind === "bool") return v !== 0n;
  return f.codec.size <= 4 ? Number(v) : v;
}

/** Encodes `value` into a fresh `c.size`-byte image; `what` names it in errors (`key`, `value`). */
export function encodeValue(c: Codec, value: UserValue, what = "value"): Uint8Array {
  // Raw bytes of exactly the type's size are the image itself, whatever the type.
  if (value instanceof Uint8Array && value.length === c.size) return value.slice();
  const bytes = new Uint8Array(c.size);
  encodeAt(c, value, bytes, new DataView(bytes.buffer), 0, what);
  return bytes;
}

function encodeAt(
  c: Codec,
  value: UserValue,
  bytes: Uint8Array,
  view: DataView,
  at: number,
  path: string,
): void {
  switch (c.kind) {
    case "int":
      writeInt(view, at, c.size, toBigInt(value, path, c.size, c.signed));
      return;
    case "bool":
      writeInt(
        view,
        at,
        c.size,
        value === true || value === 1 || value === 1n ? 1n : toBigInt(value, path, c.size, false),
      );
      return;
    case "ptr":
      view.setBigUint64(at, toBigInt(value, path, 8, false), true);
      return;
    case "float":
      if (typeof value !== "number")
        throw new CodecError(`${path}: expected a number, got ${describe(value)}`);
      if (c.size === 4) view.setFloat32(at, value, true);
      else if (c.size === 8) view.setFloat64(at, value, true);
      else throw new CodecError(`${path}: ${c.size}-byte floats are not supported`);
      return;
    case "enum": {
      let n: bigint | undefined;
      if (typeof value === "string") {
        for (const [k, name] of c.values) if (name === value) n = k;
        if (n === undefined) {
          throw new CodecError(
            `${path}: "${value}" is not one of ${[...c.values.values()].join(", ")}`,
          );
        }
      } else n = toBigInt(value, path, c.size, c.signed);
      writeInt(view, at, c.size, n);
      return;
    }
    case "string": {
      if (c.loose && Array.isArray(value)) {
        const element: Codec = { kind: "int", size: 1, signed: false, name: "u8" };
        encodeAt(
          { kind: "array", size: c.size, length: c.size, element },
          value,
          bytes,
          view,
          at,
          path,
        );
        return;
      }
      if (typeof value !== "string")
        throw new CodecError(`${path}: expected a string, got ${describe(value)}`);
      const enc = new TextEncoder().encode(value);
      if (enc.length > c.size)
        throw new CodecError(
          `${path}: "${value}" is ${enc.length} bytes, the field holds ${c.size}`,
        );
      bytes.set(enc, at);
      return;
    }
    case "array": {
      if (!Array.isArray(value))
        throw new CodecError(`${path}: expected an array, got ${describe(value)}`);
      const arr = value as readonly UserValue[];
      if (arr.length > c.length)
        throw new CodecError(`${path}: ${arr.length} elements, the array holds ${c.length}`);
      arr.forEach((v, i) =>
        encodeAt(c.element, v, bytes, view, at + i * c.element.size, `${path}[${i}]`),
      );
      return;
    }
    case "struct": {
      if (
        typeof value !== "object" ||
        value === null ||
        Array.isArray(value) ||
        value instanceof Uint8Array
      ) {
        throw new CodecError(
          `${path}: expected an object with fields ${c.fields.map((f) => f.name).join(", ")}, got ${describe(value)}`,
        );
      }
      const obj = value as { readonly [k: string]: UserValue };
      for (const k of Object.keys(obj)) {
        if (!c.fields.some((f) => f.name === k))
          throw new CodecError(`${path}: no field "${k}" in ${c.name || "the struct"}`);
      }
      for (const f of c.fields) {
        const v = obj[f.name];
        if (v === undefined) continue;
        if (f.bits !== undefined)
          writeBits(
            bytes,
            at,
            f,
            toBigInt(v === true ? 1 : v === false ? 0 : v, `${path}.${f.name}`, 8, true),
          );
        else encodeAt(f.codec, v, bytes, view, at + f.offset, `${path}.${f.name}`);
      }
      return;
    }
    case "addr": {
      const raw = typeof value === "string" ? parseAddress(c.family, value) : undefined;
      if (raw) bytes.set(raw, at);
      else if (value instanceof Uint8Array && value.length === c.size) bytes.set(value, at);
      else if (c.family === "ipv4" && typeof value !== "string")
        writeInt(view, at, 4, toBigInt(value, path, 4, false)); // the u32 as the program sees it
      else
        throw new CodecError(
          `${path}: expected an ${c.family === "ipv4" ? "IPv4 address (10.0.0.2)" : "IPv6 address (2001:db8::1)"}, got ${describe(value)}`,
        );
      return;
    }
    case "bytes": {
      if (!(value instanceof Uint8Array) || value.length !== c.size) {
        throw new CodecError(`${path}: expected ${c.size} raw bytes, got ${describe(value)}`);
      }
      bytes.set(value, at);
      return;
    }
  }
}

function writeBits(bytes: Uint8Array, at: number, f: CodecField, v: bigint): void {
  const mask = (1n << BigInt(f.bits!)) - 1n;
  const first = Math.floor(f.bitOffset! / 8);
  const last = Math.ceil((f.bitOffset! + f.bits!) / 8);
  const shift = BigInt(f.bitOffset! - first * 8);
  for (let i = first; i < last; i++) {
    const bitBase = BigInt((i - first) * 8);
    const fieldMask = Number(((mask << shift) >> bitBase) & 0xffn);
    const fieldBits = Number((((v & mask) << shift) >> bitBase) & 0xffn);
    bytes[at + i] = (bytes[at + i]! & ~fieldMask) | fieldBits;
  }
}

function writeInt(view: DataView, at: number, size: number, v: bigint): void {
  const u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) view.setUint8(at + i, Number((u >> BigInt(i * 8)) & 0xffn));
}

function toBigInt(value: UserValue, path: string, size: number, signed: boolean): bigint {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^-?(0x[0-9a-f]+|\d+)$/i.test(value.trim())) {
    const s = value.trim();
    n = s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
  } else throw new CodecError(`${path}: expected an integer, got ${describe(value)}`);
  const bits = BigInt(size * 8);
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  // Accept the other signedness's range too (-1 for a u32 means 0xffffffff, as in C).
  if (n < -(1n << (bits - 1n)) || n > (1n << bits) - 1n) {
    throw new CodecError(`${path}: ${n} does not fit in ${size * 8} bits (${lo}..${hi})`);
  }
  return n;
}

function describe(v: UserValue): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `"${v}"`;
  return `${typeof v} ${String(v)}`;
}
