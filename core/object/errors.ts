/**
 * The error type of the object layer: an ELF file that is well-formed but is not a valid BPF object
 * (bad map definition, relocation against something libbpf would reject, undecodable program bytes).
 * Lower layers throw `ElfError` (core/elf) and `BtfError` (core/btf); this layer adds `ObjectError`.
 */

/** A semantic problem in a BPF object; the message names the section, symbol or map concerned. */
export class ObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ObjectError";
  }
}

/** Kernel map and flag numbers the object layer needs (uapi linux/bpf.h). */
export const BPF_MAP_TYPE_ARRAY = 2;
/** `BPF_F_RDONLY_PROG`: the program may only read the map (libbpf sets it on .rodata maps). */
export const BPF_F_RDONLY_PROG = 1 << 7;
/** `BPF_F_MMAPABLE` (loaders add it to global data maps when the kernel supports it). */
export const BPF_F_MMAPABLE = 1 << 10;
/** Size of one legacy `struct bpf_map_def` field block we read: type, key, value, max_entries, flags. */
export const LEGACY_MAP_DEF_FIELDS = 5;
