/**
 * Records describing what stdlib/index.d.ts declares: map classes (read from core/kernel's map kind
 * records, which name each kind's stdlib class), program kinds (section naming and context layout),
 * and named constants. The lowering looks names up here instead of switching on
 * them, so adding a program kind is adding a row. Helpers are not here: every kernel helper is a
 * generated record of core/kernel (helper-records.ts), declared in stdlib/helpers.d.ts.
 *
 * Context offsets come from core/kernel's generated layouts of `struct xdp_md`, `struct __sk_buff`,
 * `struct bpf_perf_event_data` and x86-64 `struct pt_regs` (uapi headers, laid out by clang); the
 * socket and cgroup kinds are in net-program-kinds.ts.
 */
import {
  BPF_CONSTANTS,
  MAP_KIND_RECORDS,
  SECTION_DEFS,
  contextOffset,
  type MapKindName,
  type MapKindRecord,
  type MapShape,
} from "../../core/kernel/index.ts";
import { RETURN_CODES } from "../../core/kernel/return-codes.ts";
import { contextOf, fixed, type CtxShape } from "./context-shapes.ts";
import { NET_CONSTANTS, NET_PROGRAM_KINDS } from "./net-program-kinds.ts";
import { tracingProgramKinds } from "./tracing-kinds.ts";
import { U32 } from "./types.ts";

export type { CtxField, CtxShape } from "./context-shapes.ts";

/** A map class of the stdlib. */
export interface MapKind {
  /** libbpf kind name, as `MapDecl.kind`. */
  readonly kind: MapKindName;
  /** How the class's type arguments map to key and value (records.ts `MapShape`). */
  readonly shape: MapShape;
  /** The kind's record. */
  readonly record: MapKindRecord;
}
/** The stdlib map classes, by class name: every map kind record with a stdlib class. */
export const MAP_KINDS: ReadonlyMap<string, MapKind> = new Map(
  MAP_KIND_RECORDS.flatMap((r): [string, MapKind][] =>
    r.stdlib ? [[r.stdlib.class, { kind: r.kind, shape: r.stdlib.shape, record: r }]] : [],
  ),
);

/**
 * Which type argument of a map class of each shape is its key and which its value: an index into
 * the type arguments, "u32" for the u32 index of array-like maps, or null for none.
 */
export const SHAPE_TYPE_ARGS: Readonly<
  Record<MapShape, { count: number; key: number | "u32" | null; value: number | null }>
> = {
  kv: { count: 2, key: 0, value: 1 },
  v: { count: 1, key: "u32", value: 0 },
  record: { count: 1, key: null, value: 0 },
  value: { count: 1, key: null, value: 0 },
  key: { count: 1, key: 0, value: null },
  none: { count: 0, key: null, value: null },
  slot: { count: 0, key: "u32", value: null },
  stack: { count: 0, key: null, value: null },
  // Maps of maps: the last type argument is the inner map class (map-of-maps.ts), not a value type.
  kmap: { count: 2, key: 0, value: null },
  imap: { count: 1, key: "u32", value: null },
};

/** A map class's key and value types from its type arguments (`resolve(i)` resolves argument i). */
export function mapTypesOf<T>(
  shape: MapShape,
  resolve: (i: number) => T,
): { key: T | typeof U32 | null; value: T | null } {
  const a = SHAPE_TYPE_ARGS[shape];
  return {
    key: a.key === null ? null : a.key === "u32" ? U32 : resolve(a.key),
    value: a.value === null ? null : resolve(a.value),
  };
}

/** Named integer constants of the stdlib (include/uapi/linux/bpf.h, pkt_cls.h; net.d.ts below). */
export const CONSTANTS: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ["BPF_ANY", 0n],
  ["BPF_NOEXIST", 1n],
  ["BPF_EXIST", 2n],
  ["BPF_F_NO_PREALLOC", 1n],
  ["BPF_F_INNER_MAP", BigInt(BPF_CONSTANTS.BPF_F_INNER_MAP)],
  ["BPF_F_BROADCAST", 8n],
  ["BPF_LOCAL_STORAGE_GET_F_CREATE", 1n],
  ["BPF_F_EXCLUDE_INGRESS", 16n],
  ...Object.values(RETURN_CODES).flat(),
  ...NET_CONSTANTS,
  ["BPF_F_SKIP_FIELD_MASK", 0xffn],
  ["BPF_F_USER_STACK", 1n << 8n],
  ["BPF_F_FAST_STACK_CMP", 1n << 9n],
  ["BPF_F_REUSE_STACKID", 1n << 10n],
  ["BPF_F_RECOMPUTE_CSUM", 1n],
  ["BPF_F_INVALIDATE_HASH", 2n],
  ["BPF_F_HDR_FIELD_MASK", 0xfn],
  ["BPF_F_PSEUDO_HDR", 1n << 4n],
  ["BPF_F_MARK_MANGLED_0", 1n << 5n],
  ["BPF_F_MARK_ENFORCE", 1n << 6n],
  ["BPF_F_INGRESS", 1n],
  ["BPF_ADJ_ROOM_NET", 0n],
  ["BPF_ADJ_ROOM_MAC", 1n],
  ["BPF_F_ADJ_ROOM_FIXED_GSO", 1n],
  ["BPF_F_ADJ_ROOM_NO_CSUM_RESET", 1n << 5n],
  // stdlib/net.d.ts: linux/if_ether.h, linux/in.h, linux/in6.h, include/net/ip.h, include/net/tcp.h.
  ["ETH_ALEN", 6n],
  ["ETH_HLEN", 14n],
  ["ETH_P_IP", 0x0800n],
  ["ETH_P_ARP", 0x0806n],
  ["ETH_P_8021Q", 0x8100n],
  ["ETH_P_8021AD", 0x88a8n],
  ["ETH_P_IPV6", 0x86ddn],
  ["IPPROTO_IP", 0n],
  ["IPPROTO_ICMP", 1n],
  ["IPPROTO_TCP", 6n],
  ["IPPROTO_UDP", 17n],
  ["IPPROTO_IPV6", 41n],
  ["IPPROTO_GRE", 47n],
  ["IPPROTO_ICMPV6", 58n],
  ["IPPROTO_SCTP", 132n],
  ["IP_DF", 0x4000n],
  ["IP_MF", 0x2000n],
  ["IP_OFFSET", 0x1fffn],
  ["TCPHDR_FIN", 0x01n],
  ["TCPHDR_SYN", 0x02n],
  ["TCPHDR_RST", 0x04n],
  ["TCPHDR_PSH", 0x08n],
  ["TCPHDR_ACK", 0x10n],
  ["TCPHDR_URG", 0x20n],
  ["TCPHDR_ECE", 0x40n],
  ["TCPHDR_CWR", 0x80n],
]);

/** Stack depth of a StackTraceMap without `maxDepth`: PERF_MAX_STACK_DEPTH, the sysctl default. */
export const DEFAULT_STACK_DEPTH = 127;

/** A program kind: its stdlib function, section naming and context. */
export interface ProgramKind {
  readonly fn: string;
  /** True if the first argument is a target name (tracepoint name, function, binary:symbol). */
  readonly hasTarget: boolean;
  /**
   * The only targets the kind takes, when it has a fixed set (the hooks of `cgroupSockAddr`:
   * `connect4`, `bind6`, ...); any other is TSB3040. Absent: any non-empty name.
   */
  readonly targets?: readonly string[];
  /** The ELF section for a target (libbpf's SEC() names, libbpf/src/libbpf.c section_defs). */
  readonly section: (target: string) => string;
  readonly ctx: CtxShape;
  /** Where typed parameters after `ctx` come from, when the kind has them (see `KernelArgs`). */
  readonly kernelArgs?: KernelArgs;
  /**
   * The kernel reads the return value as a C `int`: only r0's low 32 bits count (an LSM hook's
   * verdict; the verifier checks the 32-bit subregister, kernel/bpf/verifier.c
   * `check_return_code`'s `return_32bit`), so a signed 32-bit result is returned zero-extended
   * (one `w0 = wX`, as clang returns an `int`) rather than sign-extended (two more shifts).
   */
  readonly returnsInt?: boolean;
}

/**
 * Typed program parameters after `ctx`, read from kernel BTF like libbpf's BPF_PROG/BPF_KPROBE:
 * `from` picks the prototype (a kernel FUNC, or a tracepoint's `btf_trace_<name>` typedef);
 * `returnValue` says whether the return value follows the arguments (fexit), is the only parameter
 * (kretprobe), or is absent.
 */
export interface KernelArgs {
  /** `syscall`: the arguments of the system call a ksyscall program probes (syscall-args.ts). */
  /** `member`: a struct_ops member's function prototype, given by the caller (struct-ops.ts). */
  readonly from: "func" | "tracepoint" | "syscall" | "member";
  readonly returnValue: "none" | "last" | "only";
  /** The BTF function whose prototype applies, when it is not the target (`bpf_lsm_<hook>`). */
  readonly func?: (target: string) => string;
}

/** struct xdp_md. */
const XDP_MD = fixed(contextOf("xdp"), true);
/** struct __sk_buff for tc: `data`/`data_end` are readable, so header<T>() works. */
const SK_BUFF = fixed(contextOf("tc"), true, true);
/**
 * struct __sk_buff for socket filters: the kernel's `sk_filter_is_valid_access`
 * (net/core/filter.c) refuses reads of `data`/`data_end`, so packets are read with
 * bpf_skb_load_bytes only.
 */
const SOCKET_SK_BUFF = fixed(
  contextOf("socket"),
  false,
  true,
  "sk_filter_is_valid_access refuses the data/data_end fields of __sk_buff",
);
/** x86-64 struct pt_regs: di, si, dx, cx, r8, r9 carry the arguments; ax the return value. */
const PT_REGS: CtxShape = {
  kind: "args",
  argOffsets: ["rdi", "rsi", "rdx", "rcx", "r8", "r9"].map((r) =>
    contextOffset(contextOf("kprobe"), r),
  ),
  retOffset: contextOffset(contextOf("kprobe"), "rax"),
};
/** fentry/fexit and raw tracepoints: an array of u64 arguments. */
const ARG_WORDS: CtxShape = {
  kind: "args",
  argOffsets: [0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88],
};

/** The program kinds of the stdlib, by function name. */
export const PROGRAM_KINDS: ReadonlyMap<string, ProgramKind> = new Map(
  (
    [
      {
        fn: "tracepoint",
        hasTarget: true,
        section: (t: string) => `tracepoint/${t}`,
        ctx: { kind: "struct" } as CtxShape,
      },
      {
        fn: "rawTracepoint",
        hasTarget: true,
        section: (t: string) => `raw_tracepoint/${t}`,
        ctx: ARG_WORDS,
        kernelArgs: { from: "tracepoint", returnValue: "none" },
      },
      {
        fn: "rawTracepointWritable",
        hasTarget: true,
        section: (t: string) => `raw_tracepoint.w/${t}`,
        ctx: ARG_WORDS,
        kernelArgs: { from: "tracepoint", returnValue: "none" },
      },
      {
        fn: "tpBtf",
        hasTarget: true,
        section: (t: string) => `tp_btf/${t}`,
        ctx: ARG_WORDS,
        kernelArgs: { from: "tracepoint", returnValue: "none" },
      },
      {
        fn: "fentry",
        hasTarget: true,
        section: (t: string) => `fentry/${t}`,
        ctx: ARG_WORDS,
        kernelArgs: { from: "func", returnValue: "none" },
      },
      {
        fn: "fexit",
        hasTarget: true,
        section: (t: string) => `fexit/${t}`,
        ctx: ARG_WORDS,
        kernelArgs: { from: "func", returnValue: "last" },
      },
      {
        fn: "fmodRet",
        hasTarget: true,
        section: (t: string) => `fmod_ret/${t}`,
        ctx: ARG_WORDS,
        kernelArgs: { from: "func", returnValue: "last" },
      },
      {
        fn: "kprobe",
        hasTarget: true,
        section: (t: string) => `kprobe/${t}`,
        ctx: PT_REGS,
        kernelArgs: { from: "func", returnValue: "none" },
      },
      {
        fn: "kretprobe",
        hasTarget: true,
        section: (t: string) => `kretprobe/${t}`,
        ctx: PT_REGS,
        kernelArgs: { from: "func", returnValue: "only" },
      },
      { fn: "uprobe", hasTarget: true, section: (t: string) => `uprobe/${t}`, ctx: PT_REGS },
      { fn: "uretprobe", hasTarget: true, section: (t: string) => `uretprobe/${t}`, ctx: PT_REGS },
      { fn: "xdp", hasTarget: false, section: () => "xdp", ctx: XDP_MD },
      { fn: "xdpFrags", hasTarget: false, section: () => "xdp.frags", ctx: XDP_MD },
      {
        fn: "xdpMapEntry",
        hasTarget: true,
        targets: ["devmap", "cpumap", "frags/devmap", "frags/cpumap"],
        // libbpf: `xdp/devmap`, `xdp.frags/devmap` (the frags variants take multi-buffer frames).
        section: (t: string) => (t.startsWith("frags/") ? `xdp.${t}` : `xdp/${t}`),
        ctx: XDP_MD,
      },
      { fn: "tc", hasTarget: false, section: () => "tc", ctx: SK_BUFF },
      // BPF_PROG_TYPE_SCHED_ACT: a tc action (`tc ... action bpf`), same context as a classifier.
      { fn: "tcAction", hasTarget: false, section: () => "action", ctx: SK_BUFF },
      {
        fn: "tcx",
        hasTarget: true,
        targets: ["ingress", "egress"],
        section: (t: string) => `tcx/${t}`,
        ctx: SK_BUFF,
      },
      {
        fn: "netkit",
        hasTarget: true,
        targets: ["primary", "peer"],
        section: (t: string) => `netkit/${t}`,
        ctx: SK_BUFF,
      },
      { fn: "socketFilter", hasTarget: false, section: () => "socket", ctx: SOCKET_SK_BUFF },
      // BPF_PROG_TYPE_LIRC_MODE2: the context is one u32 sample of an infrared receiver.
      { fn: "lircMode2", hasTarget: false, section: () => "lirc_mode2", ctx: { kind: "struct" } },
      // BPF_PROG_TYPE_SYSCALL: the context is user memory of a layout the program declares.
      {
        fn: "syscall",
        hasTarget: false,
        section: () => "syscall",
        ctx: { kind: "struct", writable: true },
      },
      {
        fn: "perfEvent",
        hasTarget: false,
        section: () => "perf_event",
        ctx: fixed(contextOf("perf_event")),
      },
      ...NET_PROGRAM_KINDS,
    ] satisfies ProgramKind[] as ProgramKind[]
  )
    .concat(tracingProgramKinds({ argWords: ARG_WORDS, ptRegs: PT_REGS }))
    .flatMap(withSleepableTwin)
    .map((k): [string, ProgramKind] => [k.fn, k]),
);

/**
 * A kind and, when libbpf has a sleepable row for its section prefix (`uprobe.s+` for `uprobe/...`,
 * core/kernel SECTION_DEFS), its `<fn>Sleepable` twin: the same target and context in the `.s`
 * section, which the loader loads with BPF_F_SLEEPABLE (so the program may call helpers that
 * fault in user memory, such as `copyFromUser`).
 */
function withSleepableTwin(k: ProgramKind): ProgramKind[] {
  const section = k.section("x");
  const slash = section.indexOf("/");
  if (slash < 0) return [k];
  const prefix = `${section.slice(0, slash)}.s`;
  const row = SECTION_DEFS.find((d) => d.pattern === `${prefix}+`);
  if (!row?.sleepable) return [k];
  const twin: ProgramKind = {
    ...k,
    fn: `${k.fn}Sleepable`,
    section: (t) => `${prefix}${k.section(t).slice(slash)}`,
  };
  return [k, twin];
}

/** `BPF_F_CURRENT_CPU` for bpf_perf_event_output's flags. */
export const BPF_F_CURRENT_CPU = 0xffffffffn;
