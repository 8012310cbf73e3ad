/**
 * The shapes of the generated kernel records (helper-records.ts, context-layouts.ts): plain readonly
 * data every stage reads. Hand-written; the generator (scripts/gen-kernel-tables.ts) fills them.
 */

/**
 * How a helper parameter is passed, derived from its C prototype (scripts/kernel-gen/helper-defs.ts):
 * - `int`: a scalar of the C integer type;
 * - `map`: a map (`void *map`, `struct bpf_map *`, `void *ringbuf`); `key` / `value`: a pointer to a
 *   key or value of that map;
 * - `ctx`: the program context (`ctxStruct` names the uapi struct; "" for any context);
 * - `buf` + `size`: a pointer to memory and its byte size, passed as one typed argument;
 * - `struct`: a uapi struct the program owns (`struct bpf_timer *`), by address;
 * - `kptr`: a kernel object pointer the program got from the kernel (`struct task_struct *`);
 * - `ptr`: any other pointer (a reserved record, a kernel or user address);
 * - `callback`: a callback function or its context; `varargs`: `...`.
 */
export type ParamKind =
  | "int"
  | "map"
  | "key"
  | "value"
  | "ctx"
  | "buf"
  | "size"
  | "struct"
  | "kptr"
  | "ptr"
  | "callback"
  | "varargs";

/** One parameter of a helper prototype. */
export interface HelperParam {
  readonly name: string;
  /** C type as the header writes it (`const void *`, `__u32`, `struct bpf_timer *`). */
  readonly ctype: string;
  readonly kind: ParamKind;
  /** For pointer kinds: the helper only reads through it (`const` in the prototype). */
  readonly readOnly?: boolean;
  /** For `ctx`: the uapi context struct, or "" for `void *ctx`. */
  readonly ctxStruct?: string;
  /** For `struct` / `kptr`: the struct's name. */
  readonly struct?: string;
}

/** One kernel helper, as libbpf's bpf_helper_defs.h declares it. */
export interface HelperRecord {
  /** `enum bpf_func_id` value: the `imm` of the call instruction. */
  readonly id: number;
  /** Name without `bpf_` (`map_lookup_elem`). */
  readonly name: string;
  /** The stdlib function (`mapLookupElem`): camelCase of the name. */
  readonly fn: string;
  /** C return type. */
  readonly ret: string;
  readonly params: readonly HelperParam[];
  /** First paragraph of the header's description. */
  readonly summary: string;
  /** First paragraph of the header's "Returns" section. */
  readonly returns: string;
}

/** One field of a context struct, as clang lays it out for the BPF target. */
export interface ContextField {
  readonly name: string;
  readonly offset: number;
  /** Byte size of one element. */
  readonly size: number;
  /** Element count of an array field. */
  readonly count?: number;
  /** A pointer field (`__bpf_md_ptr`: 8 bytes, the verifier tracks its type). */
  readonly pointer?: boolean;
}

/** A uapi context struct. */
export interface ContextLayout {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly ContextField[];
}
