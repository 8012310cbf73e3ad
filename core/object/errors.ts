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

/** Size of one legacy `struct bpf_map_def` field block we read: type, key, value, max_entries, flags. */
export const LEGACY_MAP_DEF_FIELDS = 5;
