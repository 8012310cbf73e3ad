/**
 * `BpfObjectSpec`: what `writeBpfObject()` consumes. The compiler produces it; `objectToSpec()` derives
 * it from a read `BpfObject` (for round trips and for rewriting clang objects).
 *
 * The spec says what goes in the object, not how it is laid out: the writer chooses section order,
 * symbols, relocation entries and the map-definition BTF, the way clang does. Ids in the spec
 * (`funcTypeId`, `keyTypeId`, `valueTypeId`, `typeId`) refer to `btf`.
 */
import type { Btf } from "../btf/index.ts";
import type { Insn } from "../isa/index.ts";
import type { BpfReloc } from "./model.ts";

/** A source position of one instruction (becomes a `.BTF.ext` line_info record). */
export interface BpfLineSpec {
  /** Index into the function's `insns`. */
  readonly insnIndex: number;
  readonly fileName: string;
  /** Source text of the line. */
  readonly line: string;
  readonly lineNum: number;
  readonly column: number;
}

/** One function: a program (own SEC section) or a subprogram (in `.text`). */
export interface BpfFunctionSpec {
  readonly name: string;
  /** SEC() name for programs (`xdp`, `tracepoint/syscalls/sys_enter_openat`); ignored for subprograms. */
  readonly section: string;
  readonly insns: readonly Insn[];
  /**
   * Relocations with `insnIndex` into `insns`. The writer sets the patched immediates itself:
   * map → imm 0; global → imm = offset; call → pc-relative imm (calls may target `.text` or the
   * function's own section); extern → an undefined symbol.
   */
  readonly relocs: readonly BpfReloc[];
  /** BTF FUNC type id for func_info; when absent and BTF is written, the writer adds a FUNC. */
  readonly funcTypeId?: number;
  readonly lineInfo?: readonly BpfLineSpec[];
  /** CO-RE relocations (`.BTF.ext` core_relo); `typeId` refers to `btf`. */
  readonly coreRelos?: readonly BpfCoreReloSpec[];
}

/** A CO-RE relocation of one instruction (struct bpf_core_relo, by instruction index). */
export interface BpfCoreReloSpec {
  /** Index into the function's `insns`. */
  readonly insnIndex: number;
  readonly typeId: number;
  /** libbpf access string (`0:1:2`). */
  readonly accessStr: string;
  /** bpf_core_relo_kind number. */
  readonly kind: number;
}

/** A BTF-defined map (written to `.maps`). */
export interface BpfMapSpec {
  readonly name: string;
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  readonly maxEntries: number;
  /** Sizes are needed when no key/value type id is given (ringbuf: both 0). */
  readonly keySize: number;
  readonly valueSize: number;
  readonly keyTypeId?: number;
  readonly valueTypeId?: number;
  readonly flags?: number;
  readonly pinning?: number;
  /** BTF decl tags on the map's VAR: the facts user space reads (map-facts.ts `mapFactTags`). */
  readonly tags?: readonly string[];
  /**
   * A map of maps' inner map template (libbpf `__array(values, struct inner)`): its type, sizes,
   * max_entries and flags; `name` is ignored.
   */
  readonly inner?: BpfMapSpec;
  /**
   * Initial values (libbpf's `.values = { [i] = &x }`): per slot, the name of a map of this object
   * (a map of maps) or of a program (a prog array), or null for an empty slot. Written as
   * R_BPF_64_ABS64 relocations in `.rel.maps`.
   */
  readonly values?: readonly (string | null)[];
}

/** A variable of a global data section. */
export interface BpfVarSpec {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  /** BTF type of the variable; when absent, `unsigned char[size]`. */
  readonly typeId?: number;
  /** A `static` variable: local symbol, static BTF linkage (e.g. bpf_printk's format string). */
  readonly isStatic?: boolean;
}

/**
 * A global data section (`.bss`, `.data`, `.rodata`, `.rodata.str1.1`, ...), or a struct_ops
 * section (`.struct_ops`, `.struct_ops.link`): each variable an ops struct, libbpf's struct_ops map.
 */
export interface BpfDataSpec {
  readonly name: string;
  /** Initial bytes (for `.bss*`, only the length matters: it is written as NOBITS). */
  readonly data: Uint8Array;
  readonly vars: readonly BpfVarSpec[];
  /**
   * Function pointers in the data (a struct_ops member holding a program): the byte offset and the
   * program's name. Written as R_BPF_64_ABS64 relocations on the program's symbol, as clang does.
   */
  readonly funcRelocs?: readonly { readonly offset: number; readonly program: string }[];
}

/** Everything `writeBpfObject()` needs. Map indices in `relocs` index `maps` then `data` (as read). */
export interface BpfObjectSpec {
  readonly programs: readonly BpfFunctionSpec[];
  /** Functions placed in `.text` (static, callable from programs). */
  readonly subprograms?: readonly BpfFunctionSpec[];
  readonly maps: readonly BpfMapSpec[];
  readonly data?: readonly BpfDataSpec[];
  readonly license: string;
  /** Written as a `version` section when non-zero. */
  readonly kernelVersion?: number;
  /**
   * Program BTF (e.g. `BtfBuilder.build()`). The writer extends it with map definitions, VARs and
   * DATASECs (reusing a DATASEC of the same name if present) and FUNCs. BTF is written whenever
   * this is given or there are maps (libbpf needs BTF for `.maps`).
   */
  readonly btf?: Btf;
}
