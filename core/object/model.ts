/**
 * The libbpf-shaped view of a BPF object file: programs, maps, global data, license and BTF.
 *
 * Produced by `readBpfObject()` (core/object/read.ts) from ELF bytes (ours or clang's), and by the
 * compiler before `writeBpfObject()` turns it into ELF. Consumed by the VM loader (runtime/vm) and the
 * kernel loader (runtime/loader). Plain data only: no methods, no back-pointers.
 *
 * Invariants: program instructions are exactly the section's bytes decoded (lddw not yet resolved);
 * every relocation names a symbol that exists; `maps[i].index === i`.
 */
import type { Insn } from "../isa/index.ts";
import type { Btf, BtfExt } from "../btf/model.ts";

/** Where an lddw or call instruction must be patched at load time. */
export type BpfReloc =
  /** lddw loading a map (BTF-defined map in `.maps`): becomes BPF_PSEUDO_MAP_FD. */
  | { readonly kind: "map"; readonly insnIndex: number; readonly mapIndex: number }
  /** lddw loading the address of global data: BPF_PSEUDO_MAP_VALUE into the section's map. */
  | {
      readonly kind: "global";
      readonly insnIndex: number;
      readonly mapIndex: number;
      /** Byte offset into the map value (symbol value + addend). */
      readonly offset: number;
    }
  /** BPF-to-BPF call (or lddw of a function address) to a subprogram in the same section or .text. */
  | {
      readonly kind: "call";
      readonly insnIndex: number;
      readonly targetSection: string;
      readonly targetOffset: number;
    }
  /** Reference to an extern (kfunc / ksym); resolved only by the kernel loader. */
  | { readonly kind: "extern"; readonly insnIndex: number; readonly symbol: string };

/** One program: a function symbol in an executable section. */
export interface BpfProgram {
  /** Function symbol name (`countOpens`). */
  readonly name: string;
  /** ELF section name, libbpf SEC() convention (`tracepoint/syscalls/sys_enter_openat`, `xdp`). */
  readonly section: string;
  /** Byte offset of the program inside its section. */
  readonly sectionOffset: number;
  /** Decoded instructions. Index = position in this list (not slot). */
  readonly insns: readonly Insn[];
  /** Relocations, with `insnIndex` relative to `insns`. */
  readonly relocs: readonly BpfReloc[];
}

/** One map: BTF-defined (`.maps`), legacy (`maps`), or the implicit map of a global data section. */
export interface BpfMapDef {
  readonly index: number;
  /** Symbol name (`counts`), or `.bss` / `.data` / `.rodata` for global data. */
  readonly name: string;
  /** Kernel map type number (BPF_MAP_TYPE_*). */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** BTF type ids of key and value when known (0 otherwise). */
  readonly keyTypeId: number;
  readonly valueTypeId: number;
  /** For global data maps: which section, and its initial bytes (zeros for .bss). */
  readonly globalSection?: ".bss" | ".data" | ".rodata" | (string & {});
  readonly initialValue?: Uint8Array;
  /** pinning = LIBBPF_PIN_BY_NAME etc. (0 = none). */
  readonly pinning?: number;
  /** Values of the BTF decl tags on the map's VAR (`parseMapFacts` reads the tsbpf ones). */
  readonly tags?: readonly string[];
  /** A map of maps' inner map template (`__array(values, struct ...)`), index -1. */
  readonly inner?: BpfMapDef;
  /**
   * Initial values from `.rel.maps` (libbpf `.values`): per slot, the map (map of maps) or program
   * (prog array) symbol it holds, or null.
   */
  readonly initialValues?: readonly (string | null)[];
  /**
   * A struct_ops map (`.struct_ops` / `.struct_ops.link`, core/object/struct-ops.ts): the kernel
   * ops struct its value is, whether it registers through a BPF link (BPF_F_LINK), and the program
   * each function-pointer member holds (byte offset in `initialValue`, the value in the object's
   * layout).
   */
  readonly structOps?: {
    readonly struct: string;
    readonly link: boolean;
    readonly funcs: readonly { readonly offset: number; readonly program: string }[];
  };
}

/** A whole object file. */
export interface BpfObject {
  readonly programs: readonly BpfProgram[];
  /** Subprograms (functions in `.text` called from programs), same shape as programs. */
  readonly subprograms: readonly BpfProgram[];
  readonly maps: readonly BpfMapDef[];
  /** Contents of the `license` section ("GPL"), or "" if absent. */
  readonly license: string;
  /** Kernel version from the `version` section, or 0. */
  readonly kernelVersion: number;
  /** Decoded `.BTF`, if present. */
  readonly btf?: Btf;
  /** Decoded `.BTF.ext` (func_info and line_info per section), if present. */
  readonly btfExt?: BtfExt;
}
