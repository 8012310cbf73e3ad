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

/**
 * How a stdlib map class's type arguments map to key and value: "kv", "v" (u32 key), "record" (a
 * record type, no elements), "value" (elements without a key: queue, stack, bloom filter; key size
 * 0), "none", "slot" (no type arguments, a u32 slot that helpers take by pointer: the reuseport
 * sockarray), "stack" (no type arguments: u32 stack id → `maxDepth` u64 addresses), or the maps of
 * maps: "kmap" (a key type, then the inner map class) and "imap" (u32 index → the inner map class).
 */
export type MapShape =
  "kv" | "v" | "record" | "value" | "key" | "none" | "slot" | "stack" | "kmap" | "imap";

/** A redirect map's struct value (MapKindRecord.valueStruct). */
export interface MapValueStruct {
  /** The uapi struct (`bpf_devmap_val`), laid out in context-layouts.ts. */
  readonly struct: string;
  /** The stdlib interface declaring it (`BpfDevmapVal`). */
  readonly stdlib: string;
  /** The attach type (without `BPF_`, as `attachType()` takes it) of the program an entry names. */
  readonly program: string;
}

/** One map kind: a member of uapi `enum bpf_map_type` and what every stage must know about it. */
export interface MapKindRecord {
  /** uapi name (`BPF_MAP_TYPE_HASH`). */
  readonly name: string;
  /** `enum bpf_map_type` value: the `map_type` of BPF_MAP_CREATE and of the object's map. */
  readonly id: number;
  /** libbpf's name (`libbpf_bpf_map_type_str`: `hash`, `percpu_array`). */
  readonly kind: string;
  /** Values hold one 8-byte-aligned slot per possible CPU. */
  readonly perCpu: boolean;
  /** The kernel takes BTF key/value type ids for it (false: the object gives sizes only). */
  readonly btfKeyValue: boolean;
  /** A u32 index to a u32 file descriptor (key = value = 4 bytes). */
  readonly fdArray: boolean;
  /** A bpf_redirect_map target: a u32 key to a u32 value (ifindex, CPU queue size, AF_XDP socket). */
  readonly redirect: boolean;
  /**
   * Holds sockets: the value user space stores is a socket fd (u32); sk_msg/sk_skb redirect to them
   * (sockmap, sockhash), sk_reuseport programs select them (those and reuseport_sockarray).
   */
  readonly sockets: boolean;
  /** Local storage: whose objects own the values (bpf_<owner>_storage_get), or null. */
  readonly storage: "sk" | "task" | "inode" | "cgrp" | null;
  /** Records stream to user space through it, framed as a ring buffer or perf event records. */
  readonly events: "ringbuf" | "perf_event" | null;
  /** Its elements can count a histogram (integer slot → integer count). */
  readonly histogram: boolean;
  /** bpf_for_each_map_elem can walk it (the kernel's map ops have map_for_each_callback). */
  readonly forEach: boolean;
  /**
   * A map of maps (kernel/bpf/map_in_map.c): created from an inner map template (`inner_map_fd`),
   * user space stores map fds as u32 values, and a program's lookup yields the inner map itself.
   */
  readonly innerMaps: boolean;
  /**
   * A uapi struct the value may be instead of the u32 target, naming an XDP program run on each
   * frame redirected into the entry: `struct` (its layout in context-layouts.ts; its first u32 is
   * the target, the program fd follows), the stdlib interface declaring it, and the attach type
   * (BPF_XDP_DEVMAP / BPF_XDP_CPUMAP) the program must be loaded with. Null: u32 values only.
   */
  readonly valueStruct: MapValueStruct | null;
  /** Declared in the stdlib but not supported yet: why (TSB3073), or null. */
  readonly unsupported: string | null;
  /** The stdlib class declaring it, or null. */
  readonly stdlib: { readonly class: string; readonly shape: MapShape } | null;
}

/** One program type: a member of uapi `enum bpf_prog_type`. */
export interface ProgramTypeRecord {
  /** uapi name (`BPF_PROG_TYPE_XDP`). */
  readonly name: string;
  readonly id: number;
  /** Name without prefix (`XDP`), as sections and the records' other rows name it. */
  readonly type: string;
  /** libbpf's name (`libbpf_bpf_prog_type_str`: `xdp`), or null when the installed libbpf lacks it. */
  readonly libbpf: string | null;
  /** uapi context struct a program reads (`xdp_md`), or null for an untyped context. */
  readonly uapi: string | null;
  /** Kernel struct the verifier rewrites context accesses to (`xdp_buff`), or null. */
  readonly kernel: string | null;
  /**
   * The context is a plain buffer readable at any offset that is a multiple of the access size
   * (tracepoint records, pt_regs, perf-event data, raw tracepoint argument words).
   */
  readonly bufferContext: boolean;
  /**
   * Where BPF_PROG_TEST_RUN's skb starts for this type (net/bpf/test_run.c bpf_prog_test_run_skb):
   * `l2` at the Ethernet header (tc), `l3` at the network header (the Ethernet header pulled:
   * `len`, `data` and `wire_len` start after it, data_out has it zeroed); null when the type is not
   * run on an skb that way.
   */
  readonly testRunSkb: "l2" | "l3" | null;
}

/** One attach type: a member of uapi `enum bpf_attach_type`. */
export interface AttachTypeRecord {
  /** uapi name (`BPF_TRACE_FENTRY`). */
  readonly name: string;
  readonly id: number;
  /** Name without `BPF_` (`TRACE_FENTRY`). */
  readonly type: string;
  /** libbpf's name (`trace_fentry`), or null when the installed libbpf lacks it. */
  readonly libbpf: string | null;
}

/** One row of libbpf's SEC() table: which program and expected attach type a section selects. */
export interface SectionDef {
  /** Pattern: `xdp`, `kprobe+`, `tcx/ingress`. */
  readonly pattern: string;
  /** Program type without prefix: `XDP` for BPF_PROG_TYPE_XDP. */
  readonly progType: string;
  /** BPF_PROG_TYPE_* number. */
  readonly progTypeId: number;
  /** Expected attach type without `BPF_` (`TRACE_FENTRY`), or null when the kernel wants none. */
  readonly attachType: string | null;
  /** BPF_* attach type number, or null. */
  readonly attachTypeId: number | null;
  /** Loaded with BPF_F_SLEEPABLE (`.s` variants). */
  readonly sleepable: boolean;
  /** Attach target is a BTF id (fentry, tp_btf, lsm, ...). */
  readonly btfTarget: boolean;
  /** Loaded with BPF_F_XDP_HAS_FRAGS (libbpf's SEC_XDP_FRAGS: the `xdp.frags` rows). */
  readonly frags: boolean;
  /** The installed libbpf resolves this row to the same types (false: newer than it). */
  readonly libbpf: boolean;
  /**
   * For libbpf's second spellings (`tp+`, `raw_tp+`, `classifier`, `cgroup/skb`, ...): the pattern
   * of the canonical sections this row spells (`tracepoint+`); absent on canonical rows.
   */
  readonly aliasOf?: string;
}

/** The context fields one program type (with one expected attach type) may read and write. */
export interface ContextAccess {
  /** BPF_PROG_TYPE_* without prefix. */
  readonly progType: string;
  /** Expected attach type without `BPF_`, or null. */
  readonly attachType: string | null;
  /** The uapi context struct (`__sk_buff`). */
  readonly struct: string;
  readonly readable: readonly string[];
  readonly writable: readonly string[];
}
