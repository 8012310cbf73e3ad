/**
 * The hand-written inputs of the generated kind records (core/kernel/map-kinds.ts,
 * core/kernel/program-kinds.ts): facts the installed headers do not state. Read only by the generator
 * (scripts/gen-kernel-tables.ts); every stage reads the generated records.
 *
 * - `MAP_KIND_FACTS`: per map kind (libbpf's name of an enum bpf_map_type member), what the kernel's
 *   map implementation (kernel/bpf/*.c, net/core/*.c) does that a compiler, VM, loader or reader must
 *   know, and which stdlib class declares it. A kind without a row has every fact false.
 * - `PROGRAM_TYPE_CONTEXTS`: each program type's context structs, from the kernel's
 *   include/linux/bpf_types.h `BPF_PROG_TYPE(...)` rows (not an installed header);
 *   test/vm-system/kernel-records.test.ts checks them against the running kernel's BTF
 *   (`struct bpf_ctx_convert`, built from the same rows).
 * - `SECTION_DEFS`: libbpf's `section_defs` table (src/libbpf.c, C code, not a header) as of
 *   `SECTION_DEFS_SOURCE`; the generator asks the installed libbpf (`libbpf_prog_type_by_name`) about
 *   every row and refuses to write records where they disagree.
 * - `NEWER_PROG_TYPES` / `NEWER_ATTACH_TYPES` / `NEWER_MAP_TYPES`: uapi enum members newer than the installed
 *   linux/bpf.h (uapi numbers never change once released).
 */
import type { MapShape, MapValueStruct } from "../../core/kernel/records.ts";

/** What the kernel and the stdlib say about one map kind (absent = false / null). */
export interface MapKindFacts {
  /** Values hold one 8-byte-aligned slot per possible CPU (lookups from user space). */
  readonly perCpu?: boolean;
  /**
   * The kernel takes no BTF key/value type ids (its map_check_btf refuses them, or libbpf clears them
   * in bpf_object__create_map): the object gives sizes only.
   */
  readonly noBtfKeyValue?: boolean;
  /** A u32 index to a u32 file descriptor (key = value = 4 bytes). */
  readonly fdArray?: boolean;
  /**
   * A bpf_redirect_map target (kernel/bpf/devmap.c, cpumap.c, net/xdp/xskmap.c): a u32 key to a u32
   * value (an interface index, a CPU's queue size, an AF_XDP socket fd); the kernel looks the key up
   * when an XDP program redirects through the map.
   */
  readonly redirect?: boolean;
  /**
   * Holds sockets (net/core/sock_map.c, reuseport_array.c): user space stores a socket fd as the u32
   * value; sk_msg and sk_skb programs redirect to them, sockops programs add them, sk_reuseport
   * programs select them (bpf_sk_select_reuseport).
   */
  readonly sockets?: boolean;
  /**
   * Local storage (kernel/bpf/bpf_local_storage.c and its sk / task / inode / cgrp users): one value
   * per owner object, reached with bpf_<owner>_storage_get / _delete; created with BPF_F_NO_PREALLOC,
   * max_entries 0, an int key and a BTF value type (map_check_btf refuses anything else).
   */
  readonly storage?: "sk" | "task" | "inode" | "cgrp";
  /** Records stream to user space through this map: how they are framed. */
  readonly events?: "ringbuf" | "perf_event";
  /** Elements map an integer slot to an integer count, so the map can count a histogram. */
  readonly histogram?: boolean;
  /** The kernel walks it for bpf_for_each_map_elem (its ops have map_for_each_callback). */
  readonly forEach?: boolean;
  /**
   * A map of maps (kernel/bpf/map_in_map.c, bpf_map_meta_alloc): created with the fd of an inner
   * map template; its values are maps (user space writes their fds, programs look up the map).
   */
  readonly innerMaps?: boolean;
  /**
   * A redirect map whose value may instead be a uapi struct naming a program too
   * (kernel/bpf/devmap.c dev_map_alloc and cpumap.c cpu_map_alloc take value_size 4 or 8): the
   * struct (`bpf_devmap_val`: the interface; `bpf_cpumap_val`: the queue size; then the fd of an XDP
   * program with attach type `program`, run on each frame redirected into the entry; lookups
   * return the program's id in its place), and the stdlib interface declaring it.
   */
  readonly valueStruct?: MapValueStruct;
  /**
   * Declared in the stdlib but not supported yet: why (a declaration of its class is TSB3073 with
   * this reason, and `tsbpf features` does not count it as declared).
   */
  readonly unsupported?: string;
  /** The stdlib class declaring the kind, and how its type arguments map to key and value. */
  readonly stdlib?: { readonly class: string; readonly shape: MapShape };
}

const DEVMAP_VAL: MapValueStruct = {
  struct: "bpf_devmap_val",
  stdlib: "BpfDevmapVal",
  program: "XDP_DEVMAP",
};

/** Map facts by libbpf kind name. */
export const MAP_KIND_FACTS: Readonly<Record<string, MapKindFacts>> = {
  hash: { forEach: true, histogram: true, stdlib: { class: "HashMap", shape: "kv" } },
  array: { forEach: true, histogram: true, stdlib: { class: "ArrayMap", shape: "v" } },
  prog_array: { noBtfKeyValue: true, fdArray: true, stdlib: { class: "ProgArray", shape: "none" } },
  perf_event_array: {
    noBtfKeyValue: true,
    fdArray: true,
    events: "perf_event",
    stdlib: { class: "PerfEventArray", shape: "record" },
  },
  percpu_hash: {
    forEach: true,
    perCpu: true,
    histogram: true,
    stdlib: { class: "PerCpuHash", shape: "kv" },
  },
  percpu_array: {
    forEach: true,
    perCpu: true,
    histogram: true,
    stdlib: { class: "PerCpuArray", shape: "v" },
  },
  stack_trace: { noBtfKeyValue: true, stdlib: { class: "StackTraceMap", shape: "stack" } },
  cgroup_array: {
    noBtfKeyValue: true,
    fdArray: true,
    stdlib: { class: "CgroupArray", shape: "none" },
  },
  lru_hash: { forEach: true, histogram: true, stdlib: { class: "LruHash", shape: "kv" } },
  lru_percpu_hash: {
    forEach: true,
    perCpu: true,
    histogram: true,
    stdlib: { class: "LruPerCpuHash", shape: "kv" },
  },
  lpm_trie: { stdlib: { class: "LpmTrie", shape: "kv" } },
  array_of_maps: {
    noBtfKeyValue: true,
    fdArray: true,
    innerMaps: true,
    stdlib: { class: "ArrayOfMaps", shape: "imap" },
  },
  hash_of_maps: {
    noBtfKeyValue: true,
    innerMaps: true,
    stdlib: { class: "HashOfMaps", shape: "kmap" },
  },
  devmap: {
    noBtfKeyValue: true,
    redirect: true,
    valueStruct: DEVMAP_VAL,
    stdlib: { class: "DevMap", shape: "none" },
  },
  devmap_hash: {
    noBtfKeyValue: true,
    redirect: true,
    valueStruct: DEVMAP_VAL,
    stdlib: { class: "DevMapHash", shape: "none" },
  },
  cpumap: {
    noBtfKeyValue: true,
    redirect: true,
    valueStruct: { struct: "bpf_cpumap_val", stdlib: "BpfCpumapVal", program: "XDP_CPUMAP" },
    stdlib: { class: "CpuMap", shape: "none" },
  },
  xskmap: { noBtfKeyValue: true, redirect: true, stdlib: { class: "XskMap", shape: "none" } },
  sockmap: { noBtfKeyValue: true, sockets: true, stdlib: { class: "SockMap", shape: "none" } },
  sockhash: { noBtfKeyValue: true, sockets: true, stdlib: { class: "SockHash", shape: "key" } },
  queue: { noBtfKeyValue: true, stdlib: { class: "Queue", shape: "value" } },
  stack: { noBtfKeyValue: true, stdlib: { class: "Stack", shape: "value" } },
  ringbuf: {
    noBtfKeyValue: true,
    events: "ringbuf",
    stdlib: { class: "RingBuf", shape: "record" },
  },
  user_ringbuf: { noBtfKeyValue: true, stdlib: { class: "UserRingBuf", shape: "record" } },
  reuseport_sockarray: {
    noBtfKeyValue: true,
    sockets: true,
    stdlib: { class: "ReuseportSockArray", shape: "slot" },
  },
  cgroup_storage: { stdlib: { class: "CgroupStorage", shape: "v" } },
  percpu_cgroup_storage: {
    perCpu: true,
    stdlib: { class: "PerCpuCgroupStorage", shape: "v" },
  },
  bloom_filter: { stdlib: { class: "BloomFilter", shape: "value" } },
  sk_storage: { storage: "sk", stdlib: { class: "SkStorage", shape: "v" } },
  task_storage: { storage: "task", stdlib: { class: "TaskStorage", shape: "v" } },
  inode_storage: { storage: "inode", stdlib: { class: "InodeStorage", shape: "v" } },
  cgrp_storage: { storage: "cgrp", stdlib: { class: "CgrpStorage", shape: "v" } },
  // Declared by `structOps(...)` (stdlib/struct-ops.d.ts), not a class: its one value is a kernel
  // ops struct whose function members are programs, written to `.struct_ops` / `.struct_ops.link`.
  struct_ops: { stdlib: { class: "structOps", shape: "none" } },
  arena: {
    noBtfKeyValue: true,
    unsupported:
      "programs reach an arena through __arena pointers (address space 1, bpf_arena_alloc_pages / bpf_arena_free_pages kfuncs), which tsbpf's language has no form for",
    stdlib: { class: "ArenaMap", shape: "none" },
  },
};

/** Which libbpf `section_defs` the table below follows. */
export const SECTION_DEFS_SOURCE = "libbpf v1.5 src/libbpf.c section_defs";

/** One row of libbpf's section table. */
export interface SectionSource {
  /** Pattern: `xdp`, `kprobe+`, `tcx/ingress`. */
  readonly pattern: string;
  /** Program type without prefix: `XDP` for BPF_PROG_TYPE_XDP. */
  readonly progType: string;
  /** Expected attach type without `BPF_` (`TRACE_FENTRY`), or null when the kernel wants none. */
  readonly attachType: string | null;
  /** Loaded with BPF_F_SLEEPABLE (`.s` variants). */
  readonly sleepable?: boolean;
  /** Attach target is a BTF id (fentry, tp_btf, lsm, ...). */
  readonly btfTarget?: boolean;
  /** Loaded with BPF_F_XDP_HAS_FRAGS (libbpf's SEC_XDP_FRAGS: the `xdp.frags` rows). */
  readonly frags?: boolean;
  /**
   * A second spelling libbpf keeps for sections of another row (its legacy or short names): the
   * pattern (matched by libbpf's rules) of the canonical sections it spells. `tp+` spells
   * `tracepoint+`; `cgroup/skb` spells `cgroup_skb/ingress` (it loads without an expected attach
   * type, which leaves the kernel's 0, BPF_CGROUP_INET_INGRESS, the type libbpf attaches it with);
   * plain `sk_skb` spells any `sk_skb/` hook (libbpf never attaches it by itself).
   */
  readonly aliasOf?: string;
}

const d = (
  pattern: string,
  progType: string,
  attachType: string | null,
  extra: { sleepable?: boolean; btfTarget?: boolean; frags?: boolean; aliasOf?: string } = {},
): SectionSource => ({ pattern, progType, attachType, ...extra });

/**
 * libbpf's section table, in its matching order (libbpf >= 1.0 `sec_def_matches`: a pattern ending
 * in `+` matches the bare name or `name/anything`; one ending in `/` needs `name/anything`; any other
 * matches exactly; the first matching row wins, so more specific rows come first).
 */
export const SECTION_DEFS: readonly SectionSource[] = [
  d("socket", "SOCKET_FILTER", null),
  d("sk_reuseport/migrate", "SK_REUSEPORT", "SK_REUSEPORT_SELECT_OR_MIGRATE"),
  d("sk_reuseport", "SK_REUSEPORT", "SK_REUSEPORT_SELECT"),
  d("kprobe+", "KPROBE", null),
  d("uprobe+", "KPROBE", null),
  d("uprobe.s+", "KPROBE", null, { sleepable: true }),
  d("kretprobe+", "KPROBE", null),
  d("uretprobe+", "KPROBE", null),
  d("uretprobe.s+", "KPROBE", null, { sleepable: true }),
  d("kprobe.multi+", "KPROBE", "TRACE_KPROBE_MULTI"),
  d("kretprobe.multi+", "KPROBE", "TRACE_KPROBE_MULTI"),
  d("kprobe.session+", "KPROBE", "TRACE_KPROBE_SESSION"),
  d("uprobe.multi+", "KPROBE", "TRACE_UPROBE_MULTI"),
  d("uretprobe.multi+", "KPROBE", "TRACE_UPROBE_MULTI"),
  d("uprobe.multi.s+", "KPROBE", "TRACE_UPROBE_MULTI", { sleepable: true }),
  d("uretprobe.multi.s+", "KPROBE", "TRACE_UPROBE_MULTI", { sleepable: true }),
  d("uprobe.session+", "KPROBE", "TRACE_UPROBE_SESSION"),
  d("ksyscall+", "KPROBE", null),
  d("kretsyscall+", "KPROBE", null),
  d("usdt+", "KPROBE", null),
  d("usdt.s+", "KPROBE", null, { sleepable: true }),
  d("tc/ingress", "SCHED_CLS", "TCX_INGRESS", { aliasOf: "tcx/ingress" }),
  d("tc/egress", "SCHED_CLS", "TCX_EGRESS", { aliasOf: "tcx/egress" }),
  d("tcx/ingress", "SCHED_CLS", "TCX_INGRESS"),
  d("tcx/egress", "SCHED_CLS", "TCX_EGRESS"),
  d("tc", "SCHED_CLS", null),
  d("classifier", "SCHED_CLS", null, { aliasOf: "tc" }),
  d("action", "SCHED_ACT", null),
  d("netkit/primary", "SCHED_CLS", "NETKIT_PRIMARY"),
  d("netkit/peer", "SCHED_CLS", "NETKIT_PEER"),
  d("tracepoint+", "TRACEPOINT", null),
  d("tp+", "TRACEPOINT", null, { aliasOf: "tracepoint+" }),
  d("raw_tracepoint+", "RAW_TRACEPOINT", null),
  d("raw_tp+", "RAW_TRACEPOINT", null, { aliasOf: "raw_tracepoint+" }),
  d("raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE", null),
  d("raw_tp.w+", "RAW_TRACEPOINT_WRITABLE", null, { aliasOf: "raw_tracepoint.w+" }),
  d("tp_btf+", "TRACING", "TRACE_RAW_TP", { btfTarget: true }),
  d("fentry+", "TRACING", "TRACE_FENTRY", { btfTarget: true }),
  d("fmod_ret+", "TRACING", "MODIFY_RETURN", { btfTarget: true }),
  d("fexit+", "TRACING", "TRACE_FEXIT", { btfTarget: true }),
  d("fentry.s+", "TRACING", "TRACE_FENTRY", { btfTarget: true, sleepable: true }),
  d("fmod_ret.s+", "TRACING", "MODIFY_RETURN", { btfTarget: true, sleepable: true }),
  d("fexit.s+", "TRACING", "TRACE_FEXIT", { btfTarget: true, sleepable: true }),
  d("freplace+", "EXT", null, { btfTarget: true }),
  d("lsm+", "LSM", "LSM_MAC", { btfTarget: true }),
  d("lsm.s+", "LSM", "LSM_MAC", { btfTarget: true, sleepable: true }),
  d("lsm_cgroup+", "LSM", "LSM_CGROUP", { btfTarget: true }),
  d("iter+", "TRACING", "TRACE_ITER", { btfTarget: true }),
  d("iter.s+", "TRACING", "TRACE_ITER", { btfTarget: true, sleepable: true }),
  d("syscall", "SYSCALL", null, { sleepable: true }),
  d("xdp.frags/devmap", "XDP", "XDP_DEVMAP", { frags: true }),
  d("xdp/devmap", "XDP", "XDP_DEVMAP"),
  d("xdp.frags/cpumap", "XDP", "XDP_CPUMAP", { frags: true }),
  d("xdp/cpumap", "XDP", "XDP_CPUMAP"),
  d("xdp.frags", "XDP", "XDP", { frags: true }),
  d("xdp", "XDP", "XDP"),
  d("perf_event", "PERF_EVENT", null),
  d("lwt_in", "LWT_IN", null),
  d("lwt_out", "LWT_OUT", null),
  d("lwt_xmit", "LWT_XMIT", null),
  d("lwt_seg6local", "LWT_SEG6LOCAL", null),
  d("sockops", "SOCK_OPS", "CGROUP_SOCK_OPS"),
  d("sk_skb/stream_parser", "SK_SKB", "SK_SKB_STREAM_PARSER"),
  d("sk_skb/stream_verdict", "SK_SKB", "SK_SKB_STREAM_VERDICT"),
  d("sk_skb/verdict", "SK_SKB", "SK_SKB_VERDICT"),
  d("sk_skb", "SK_SKB", null, { aliasOf: "sk_skb/" }),
  d("sk_msg", "SK_MSG", "SK_MSG_VERDICT"),
  d("lirc_mode2", "LIRC_MODE2", "LIRC_MODE2"),
  d("flow_dissector", "FLOW_DISSECTOR", "FLOW_DISSECTOR"),
  d("cgroup_skb/ingress", "CGROUP_SKB", "CGROUP_INET_INGRESS"),
  d("cgroup_skb/egress", "CGROUP_SKB", "CGROUP_INET_EGRESS"),
  d("cgroup/skb", "CGROUP_SKB", null, { aliasOf: "cgroup_skb/ingress" }),
  d("cgroup/sock_create", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE"),
  d("cgroup/sock_release", "CGROUP_SOCK", "CGROUP_INET_SOCK_RELEASE"),
  d("cgroup/sock", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE", { aliasOf: "cgroup/sock_create" }),
  d("cgroup/post_bind4", "CGROUP_SOCK", "CGROUP_INET4_POST_BIND"),
  d("cgroup/post_bind6", "CGROUP_SOCK", "CGROUP_INET6_POST_BIND"),
  d("cgroup/bind4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_BIND"),
  d("cgroup/bind6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_BIND"),
  d("cgroup/connect4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_CONNECT"),
  d("cgroup/connect6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_CONNECT"),
  d("cgroup/connect_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_CONNECT"),
  d("cgroup/sendmsg4", "CGROUP_SOCK_ADDR", "CGROUP_UDP4_SENDMSG"),
  d("cgroup/sendmsg6", "CGROUP_SOCK_ADDR", "CGROUP_UDP6_SENDMSG"),
  d("cgroup/sendmsg_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_SENDMSG"),
  d("cgroup/recvmsg4", "CGROUP_SOCK_ADDR", "CGROUP_UDP4_RECVMSG"),
  d("cgroup/recvmsg6", "CGROUP_SOCK_ADDR", "CGROUP_UDP6_RECVMSG"),
  d("cgroup/recvmsg_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_RECVMSG"),
  d("cgroup/getpeername4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_GETPEERNAME"),
  d("cgroup/getpeername6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_GETPEERNAME"),
  d("cgroup/getpeername_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_GETPEERNAME"),
  d("cgroup/getsockname4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_GETSOCKNAME"),
  d("cgroup/getsockname6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_GETSOCKNAME"),
  d("cgroup/getsockname_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_GETSOCKNAME"),
  d("cgroup/sysctl", "CGROUP_SYSCTL", "CGROUP_SYSCTL"),
  d("cgroup/getsockopt", "CGROUP_SOCKOPT", "CGROUP_GETSOCKOPT"),
  d("cgroup/setsockopt", "CGROUP_SOCKOPT", "CGROUP_SETSOCKOPT"),
  d("cgroup/dev", "CGROUP_DEVICE", "CGROUP_DEVICE"),
  d("struct_ops+", "STRUCT_OPS", null),
  d("struct_ops.s+", "STRUCT_OPS", null, { sleepable: true }),
  d("sk_lookup", "SK_LOOKUP", "SK_LOOKUP"),
  d("netfilter", "NETFILTER", "NETFILTER"),
];

/** The context structs of one program type. */
export interface ContextSource {
  /** uapi struct the program reads (`__sk_buff`), or null for an untyped `void *` / `__u64 *`. */
  readonly uapi: string | null;
  /** Kernel struct behind it (`sk_buff`). */
  readonly kernel: string | null;
}

/** Program type (BPF_PROG_TYPE_* without prefix) → its context. */
export const PROGRAM_TYPE_CONTEXTS: Readonly<Record<string, ContextSource>> = {
  SOCKET_FILTER: { uapi: "__sk_buff", kernel: "sk_buff" },
  SCHED_CLS: { uapi: "__sk_buff", kernel: "sk_buff" },
  SCHED_ACT: { uapi: "__sk_buff", kernel: "sk_buff" },
  XDP: { uapi: "xdp_md", kernel: "xdp_buff" },
  CGROUP_SKB: { uapi: "__sk_buff", kernel: "sk_buff" },
  CGROUP_SOCK: { uapi: "bpf_sock", kernel: "sock" },
  CGROUP_SOCK_ADDR: { uapi: "bpf_sock_addr", kernel: "bpf_sock_addr_kern" },
  LWT_IN: { uapi: "__sk_buff", kernel: "sk_buff" },
  LWT_OUT: { uapi: "__sk_buff", kernel: "sk_buff" },
  LWT_XMIT: { uapi: "__sk_buff", kernel: "sk_buff" },
  LWT_SEG6LOCAL: { uapi: "__sk_buff", kernel: "sk_buff" },
  SOCK_OPS: { uapi: "bpf_sock_ops", kernel: "bpf_sock_ops_kern" },
  SK_SKB: { uapi: "__sk_buff", kernel: "sk_buff" },
  SK_MSG: { uapi: "sk_msg_md", kernel: "sk_msg" },
  FLOW_DISSECTOR: { uapi: "__sk_buff", kernel: "bpf_flow_dissector" },
  KPROBE: { uapi: "pt_regs", kernel: "pt_regs" },
  TRACEPOINT: { uapi: null, kernel: null },
  PERF_EVENT: { uapi: "bpf_perf_event_data", kernel: "bpf_perf_event_data_kern" },
  RAW_TRACEPOINT: { uapi: "bpf_raw_tracepoint_args", kernel: null },
  RAW_TRACEPOINT_WRITABLE: { uapi: "bpf_raw_tracepoint_args", kernel: null },
  TRACING: { uapi: null, kernel: null },
  CGROUP_DEVICE: { uapi: "bpf_cgroup_dev_ctx", kernel: "bpf_cgroup_dev_ctx" },
  CGROUP_SYSCTL: { uapi: "bpf_sysctl", kernel: "bpf_sysctl_kern" },
  CGROUP_SOCKOPT: { uapi: "bpf_sockopt", kernel: "bpf_sockopt_kern" },
  LIRC_MODE2: { uapi: null, kernel: null },
  SK_REUSEPORT: { uapi: "sk_reuseport_md", kernel: "sk_reuseport_kern" },
  SK_LOOKUP: { uapi: "bpf_sk_lookup", kernel: "bpf_sk_lookup_kern" },
  STRUCT_OPS: { uapi: null, kernel: null },
  EXT: { uapi: null, kernel: null },
  LSM: { uapi: null, kernel: null },
  SYSCALL: { uapi: null, kernel: null },
  NETFILTER: { uapi: "bpf_nf_ctx", kernel: "bpf_nf_ctx" },
};

/**
 * Program types whose context is a plain buffer the verifier lets a program read at any offset that
 * is a multiple of the access size (tracepoint records, pt_regs, perf-event data, raw tracepoint
 * argument words: the kernel's tp_prog/kprobe_prog/pe_prog/raw_tp_prog is_valid_access checks
 * `off % size == 0`). Other contexts (xdp_md, __sk_buff, ...) allow only each field's own width.
 */
export const BUFFER_CONTEXT_PROG_TYPES: readonly string[] = [
  "TRACEPOINT",
  "KPROBE",
  "PERF_EVENT",
  "RAW_TRACEPOINT",
];

/**
 * How BPF_PROG_TEST_RUN builds the skb of each program type it runs through
 * `bpf_prog_test_run_skb` (net/bpf/test_run.c; the types whose `bpf_prog_ops.test_run` is that
 * function in net/core/filter.c). All of them get `skb->protocol = eth_type_trans(skb, dev)`, which
 * pulls the Ethernet header; sched_cls and sched_act (`is_l2`) have it pushed back before the run and
 * see the frame from its MAC header, the others see it from the network header (`len`, `data` and
 * `wire_len` start there) and get data_out with the Ethernet header zeroed. sk_skb has no test run;
 * flow dissector programs run through `bpf_prog_test_run_flow_dissector` on the whole frame.
 */
export const TEST_RUN_SKB_VIEWS: Readonly<Record<string, "l2" | "l3">> = {
  SOCKET_FILTER: "l3",
  SCHED_CLS: "l2",
  SCHED_ACT: "l2",
  CGROUP_SKB: "l3",
  LWT_IN: "l3",
  LWT_OUT: "l3",
  LWT_XMIT: "l3",
  LWT_SEG6LOCAL: "l3",
};

/** Attach types newer than the installed linux/bpf.h, with their uapi numbers. */
export const NEWER_ATTACH_TYPES: Readonly<Record<string, number>> = {
  STRUCT_OPS: 44,
  NETFILTER: 45,
  TCX_INGRESS: 46,
  TCX_EGRESS: 47,
  TRACE_UPROBE_MULTI: 48,
  CGROUP_UNIX_CONNECT: 49,
  CGROUP_UNIX_SENDMSG: 50,
  CGROUP_UNIX_RECVMSG: 51,
  CGROUP_UNIX_GETPEERNAME: 52,
  CGROUP_UNIX_GETSOCKNAME: 53,
  NETKIT_PRIMARY: 54,
  NETKIT_PEER: 55,
  TRACE_KPROBE_SESSION: 56,
  TRACE_UPROBE_SESSION: 57,
};

/** Program types newer than the installed linux/bpf.h. */
export const NEWER_PROG_TYPES: Readonly<Record<string, number>> = { NETFILTER: 32 };

/** uapi `enum bpf_map_type` members newer than the installed linux/bpf.h (Linux 6.2, 6.9). */
export const NEWER_MAP_TYPES: Readonly<Record<string, number>> = { CGRP_STORAGE: 32, ARENA: 33 };
