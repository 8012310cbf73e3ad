/**
 * The fixed header shared by `.BTF` and `.BTF.ext` blobs (struct btf_header / struct btf_ext_header).
 *
 * Consumes raw bytes; produces the validated section ranges. Only little-endian blobs are accepted, as
 * BPF objects for x86/arm64 hosts are little-endian and the kernel rejects foreign byte order.
 */
import { BtfError } from "./model.ts";

/** Magic number of BTF and BTF.ext headers (read little-endian). */
export const BTF_MAGIC = 0xeb9f;
/** The only BTF version defined. */
export const BTF_VERSION = 1;
/** Size of struct btf_header. */
export const BTF_HEADER_SIZE = 24;

/** A little-endian DataView over a byte array. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Checks magic and version at the start of `bytes`; `what` names the blob for messages. */
export function checkMagic(bytes: Uint8Array, what: string): void {
  if (bytes.length < 8)
    throw new BtfError(`${what} is truncated: ${bytes.length} bytes, header needs at least 8`);
  const v = viewOf(bytes);
  const magic = v.getUint16(0, true);
  if (magic === 0x9feb)
    throw new BtfError(`${what} is big-endian, only little-endian is supported`);
  if (magic !== BTF_MAGIC)
    throw new BtfError(`${what} has bad magic 0x${magic.toString(16)} (expected 0xeb9f)`);
  const version = v.getUint8(2);
  if (version !== BTF_VERSION) throw new BtfError(`${what} has unsupported version ${version}`);
}

/**
 * Checks that a sub-section `[off, off+len)` (relative to the end of the header) lies inside the blob
 * and returns its absolute byte range.
 */
export function subRange(
  bytes: Uint8Array,
  hdrLen: number,
  off: number,
  len: number,
  what: string,
): { start: number; end: number } {
  const start = hdrLen + off;
  const end = start + len;
  if (end > bytes.length) {
    throw new BtfError(
      `${what} [${start}, ${end}) extends past the end of the blob (${bytes.length} bytes)`,
    );
  }
  return { start, end };
}
