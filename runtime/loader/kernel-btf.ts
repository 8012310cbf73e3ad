/**
 * Minimal lookup of named types in the running kernel's BTF (/sys/kernel/btf/vmlinux), enough to
 * find attach targets: `FUNC` ids for fentry/fexit/fmod_ret/lsm, and the `btf_trace_<tp>` TYPEDEF
 * ids for tp_btf programs. A full decoder lives in core/btf; this one only walks the type section
 * (Documentation/bpf/btf.rst §2.2: each `struct btf_type` is 12 bytes plus kind-specific data) to
 * assign ids and record (kind, name) pairs.
 *
 * Consumes: raw BTF bytes. Produces: an index from name to type id per kind. The vmlinux index is
 * built once per process and cached: walking ~6 MB of vmlinux BTF for names takes ~70 ms, against
 * ~700 ms for a full `decodeBtf` (core/btf), which attach-by-name does not need.
 */
import { readFileSync } from "node:fs";
import { LoaderError } from "./errors.ts";

/** BTF kinds the loader names (BTF_KIND_*). */
export const BtfKind = { STRUCT: 4, TYPEDEF: 8, FUNC: 12 } as const;

/** Extra bytes after the 12-byte btf_type header, by kind, given vlen. */
const TRAILER: Readonly<Record<number, (vlen: number) => number>> = {
  1: () => 4, // INT
  3: () => 12, // ARRAY
  4: (v) => 12 * v, // STRUCT
  5: (v) => 12 * v, // UNION
  6: (v) => 8 * v, // ENUM
  13: (v) => 8 * v, // FUNC_PROTO
  14: () => 4, // VAR
  15: (v) => 12 * v, // DATASEC
  17: () => 4, // DECL_TAG
  19: (v) => 12 * v, // ENUM64
};
const MAX_KIND = 19;

/** Name → type id, for the kinds indexed. */
export interface BtfNameIndex {
  /** The id of the type of `kind` named `name`, or undefined. */
  find(kind: number, name: string): number | undefined;
}

/** Builds a name index of `kinds` over raw BTF bytes. */
export function indexBtfNames(bytes: Uint8Array, kinds: readonly number[]): BtfNameIndex {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint16(0, true) !== 0xeb9f) {
    throw new LoaderError("not BTF data (bad magic; big-endian BTF is not supported)");
  }
  const hdrLen = view.getUint32(4, true);
  const typeOff = hdrLen + view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = hdrLen + view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  if (typeOff + typeLen > bytes.length || strOff + strLen > bytes.length) {
    throw new LoaderError("BTF sections extend past the end of the data");
  }
  const wanted = new Set(kinds);
  const maps = new Map<number, Map<string, number>>(kinds.map((k) => [k, new Map()]));
  const decoder = new TextDecoder();
  const nameAt = (off: number): string => {
    let end = strOff + off;
    while (end < strOff + strLen && bytes[end] !== 0) end++;
    return decoder.decode(bytes.subarray(strOff + off, end));
  };
  let at = typeOff;
  const end = typeOff + typeLen;
  for (let id = 1; at < end; id++) {
    const nameOff = view.getUint32(at, true);
    const info = view.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (kind === 0 || kind > MAX_KIND)
      throw new LoaderError(`BTF type ${id} has unknown kind ${kind}`);
    if (wanted.has(kind) && nameOff !== 0) {
      const m = maps.get(kind)!;
      const name = nameAt(nameOff);
      if (!m.has(name)) m.set(name, id);
    }
    at += 12 + (TRAILER[kind]?.(vlen) ?? 0);
  }
  return { find: (kind, name) => maps.get(kind)?.get(name) };
}

/** Path of the running kernel's BTF. */
export const VMLINUX_BTF = "/sys/kernel/btf/vmlinux";

let vmlinux: BtfNameIndex | undefined;

/** The cached name index of the running kernel's BTF (FUNC, TYPEDEF and STRUCT names). */
export function vmlinuxBtf(): BtfNameIndex {
  if (vmlinux) return vmlinux;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(VMLINUX_BTF);
  } catch {
    throw new LoaderError(
      `cannot read ${VMLINUX_BTF}: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), which fentry/fexit/tp_btf need`,
    );
  }
  vmlinux = indexBtfNames(bytes, [BtfKind.FUNC, BtfKind.TYPEDEF, BtfKind.STRUCT]);
  return vmlinux;
}

/** The vmlinux BTF id of kernel function `name`, or a LoaderError naming the function. */
export function kernelFuncId(name: string): number {
  const id = vmlinuxBtf().find(BtfKind.FUNC, name);
  if (id === undefined) {
    throw new LoaderError(
      `kernel function "${name}" is not in ${VMLINUX_BTF} (misspelled, inlined, or not traceable)`,
    );
  }
  return id;
}

/** The vmlinux BTF id of `btf_trace_<tracepoint>` for a tp_btf program. */
export function kernelTracepointTypeId(tracepoint: string): number {
  const id = vmlinuxBtf().find(BtfKind.TYPEDEF, `btf_trace_${tracepoint}`);
  if (id === undefined) {
    throw new LoaderError(`kernel has no BTF-enabled raw tracepoint "${tracepoint}"`);
  }
  return id;
}
