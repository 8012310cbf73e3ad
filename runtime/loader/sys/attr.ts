/**
 * `union bpf_attr` marshalling: one field list per command (linux/bpf.h), from which offsets are
 * computed with C alignment rules, and one encoder/decoder for all of them.
 *
 * Consumes: a layout (ordered `[field, type]` pairs mirroring the uapi struct for that command) and
 * a partial record of field values. Produces: a zeroed byte buffer of the layout's size with the
 * given fields written little-endian; and reads back output fields (retval, next_id, ...).
 *
 * Field types: `u32`; `u64` (bigint or number); `ptr` (a `Uint8Array` whose native address is stored,
 * or a bigint address); `name` (char[16], NUL-padded, truncated to 15 bytes like libbpf).
 *
 * Invariants: unset fields are zero, which the kernel requires for every field it does not use
 * (bpf_check_uarg_tail_zero); the buffer ends after the layout's last field, rounded to 8 bytes, so
 * older kernels that know fewer fields still accept it as long as the tail is zero.
 */
import { addressOf } from "./libc.ts";

/** A field's C type. */
export type FieldType = "u32" | "u64" | "ptr" | "name";

/** One field of an attr struct: name and type. */
export type FieldDef = readonly [name: string, type: FieldType];

/** A computed layout: fields with offsets, plus total size. */
export interface AttrLayout<F extends string = string> {
  readonly fields: ReadonlyMap<F, { readonly offset: number; readonly type: FieldType }>;
  readonly size: number;
}

/** A value for one field. */
export type FieldValue = number | bigint | Uint8Array | string | undefined;

const SIZE: Record<FieldType, number> = { u32: 4, u64: 8, ptr: 8, name: 16 };
const ALIGN: Record<FieldType, number> = { u32: 4, u64: 8, ptr: 8, name: 1 };

/** Computes offsets for an ordered field list with C (x86_64) alignment rules. */
export function defineLayout<const D extends readonly FieldDef[]>(
  defs: D,
): AttrLayout<D[number][0]> {
  const fields = new Map<D[number][0], { offset: number; type: FieldType }>();
  let at = 0;
  for (const [name, type] of defs) {
    at = Math.ceil(at / ALIGN[type]) * ALIGN[type];
    fields.set(name, { offset: at, type });
    at += SIZE[type];
  }
  return { fields, size: Math.ceil(at / 8) * 8 };
}

/** Builds the attr bytes for a layout from field values (missing fields stay zero). */
export function encodeAttr<F extends string>(
  layout: AttrLayout<F>,
  values: Partial<Record<F, FieldValue>>,
): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  for (const [name, value] of Object.entries(values) as [F, FieldValue][]) {
    if (value === undefined) continue;
    const field = layout.fields.get(name);
    if (!field) throw new Error(`internal: bpf_attr layout has no field ${name}`);
    writeField(bytes, view, field.offset, field.type, value, name);
  }
  return bytes;
}

function writeField(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  type: FieldType,
  value: Exclude<FieldValue, undefined>,
  name: string,
): void {
  if (type === "name") {
    if (typeof value !== "string") throw new Error(`internal: field ${name} needs a string`);
    const enc = new TextEncoder().encode(value).subarray(0, 15);
    bytes.set(enc, at);
    return;
  }
  if (value instanceof Uint8Array) {
    if (type !== "ptr") throw new Error(`internal: field ${name} is not a pointer`);
    view.setBigUint64(at, addressOf(value), true);
    return;
  }
  if (typeof value === "string") throw new Error(`internal: field ${name} is not a name`);
  if (type === "u32") view.setUint32(at, Number(value) >>> 0, true);
  else view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
}

/** Reads a u32 field back (output fields such as `retval`, `next_id`, `info_len`). */
export function readU32<F extends string>(
  layout: AttrLayout<F>,
  bytes: Uint8Array,
  name: F,
): number {
  const field = layout.fields.get(name)!;
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(field.offset, true);
}

/** A decoded field: u32 → number, u64/ptr → bigint, name → string. */
export type DecodedField = number | bigint | string;

/** Decodes every field of a layout from bytes (used for bpf_*_info structs). */
export function decodeAttr<F extends string>(
  layout: AttrLayout<F>,
  bytes: Uint8Array,
): Record<F, DecodedField> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = {} as Record<F, DecodedField>;
  for (const [name, { offset, type }] of layout.fields) {
    if (offset + SIZE[type] > bytes.length) continue;
    if (type === "u32") out[name] = view.getUint32(offset, true);
    else if (type === "name") {
      const raw = bytes.subarray(offset, offset + 16);
      const end = raw.indexOf(0);
      out[name] = new TextDecoder().decode(raw.subarray(0, end < 0 ? 16 : end));
    } else out[name] = view.getBigUint64(offset, true);
  }
  return out;
}
