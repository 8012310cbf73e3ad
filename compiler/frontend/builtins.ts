/**
 * Records describing what stdlib/index.d.ts declares: map classes (read from core/kernel's map kind
 * records, which name each kind's stdlib class), program kinds (section naming and context layout),
 * and named constants. The lowering looks names up here instead of switching on
 * them, so adding a program kind is adding a row. Helpers are not here: every kernel helper is a
 * generated record of core/kernel (helper-records.ts), declared in stdlib/helpers.d.ts.
 *
 * Context offsets come from core/kernel's generated layouts of `struct xdp_md`, `struct __sk_buff`,
 * `struct bpf_perf_event_data` and x86-64 `struct pt_regs` (uapi headers, laid out by clang).
 */
import {
  CONTEXT_LAYOUTS,
  MAP_KIND_RECORDS,
  contextOffset,
  programType,
  resolveSection,
  type MapKindName,
  type MapKindRecord,
  type MapShape,
} from "../../core/kernel/index.ts";
import { RETURN_CODES } from "../../core/kernel/return-codes.ts";
import { tracingProgramKinds } from "./tracing-kinds.ts";
import type { TsbType } from "./types.ts";
import { U32, U64 } from "./types.ts";

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

/** Named integer constants of the stdlib (include/uapi/linux/bpf.h, pkt_cls.h; net.d.ts below). */
export const CONSTANTS: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ["BPF_ANY", 0n],
  ["BPF_NOEXIST", 1n],
  ["BPF_EXIST", 2n],
  ["BPF_F_NO_PREALLOC", 1n],
  ...Object.values(RETURN_CODES).flat(),
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

/** A context field at a fixed offset of a kernel context struct. */
export interface CtxField {
  readonly offset: number;
  readonly type: TsbType;
}

/** How a program kind's context is shaped. */
export type CtxShape =
  /** A struct described by the stdlib or user interface (tracepoints): C layout of that interface. */
  | { readonly kind: "struct" }
  /** Fixed kernel struct fields; `packet` gives offsets of `data`/`data_end` for header<T>(). */
  | {
      readonly kind: "fixed";
      readonly fields: ReadonlyMap<string, CtxField>;
      readonly packet?: { readonly data: number; readonly dataEnd: number };
      /** True for `struct __sk_buff`: `ctx.loadBytes(offset, dst)` (bpf_skb_load_bytes) works. */
      readonly skb?: boolean;
      /**
       * Why `header<T>()` is refused when the struct has packet pointers the program type may not
       * read (socket filters); absent when direct packet access works or there is no packet.
       */
      readonly noDirectAccess?: string;
    }
  /** 64-bit argument words: `arg(i)` at `argOffsets[i]`, `ret()` at `retOffset`. */
  | { readonly kind: "args"; readonly argOffsets: readonly number[]; readonly retOffset?: number }
  /**
   * A kernel struct of the compile-time kernel BTF (`bpf_iter__task` for `iter/task`), named by the
   * program's target: its fields are read at their BTF offsets, pointers to structs become BTF
   * pointers the program loads through directly (null-checked first when the kernel marks them so).
   */
  | { readonly kind: "btf"; readonly struct: (target: string) => string };

/** A program kind: its stdlib function, section naming and context. */
export interface ProgramKind {
  readonly fn: string;
  /** True if the first argument is a target name (tracepoint name, function, binary:symbol). */
  readonly hasTarget: boolean;
  /** The ELF section for a target (libbpf's SEC() names, libbpf/src/libbpf.c section_defs). */
  readonly section: (target: string) => string;
  readonly ctx: CtxShape;
  /** Where typed parameters after `ctx` come from, when the kind has them (see `KernelArgs`). */
  readonly kernelArgs?: KernelArgs;
}

/**
 * Typed program parameters after `ctx`, read from kernel BTF like libbpf's BPF_PROG/BPF_KPROBE:
 * `from` picks the prototype (a kernel FUNC, or a tracepoint's `btf_trace_<name>` typedef);
 * `returnValue` says whether the return value follows the arguments (fexit), is the only parameter
 * (kretprobe), or is absent.
 */
export interface KernelArgs {
  readonly from: "func" | "tracepoint";
  readonly returnValue: "none" | "last" | "only";
  /** The BTF function whose prototype applies, when it is not the target (`bpf_lsm_<hook>`). */
  readonly func?: (target: string) => string;
}

/** The uapi context struct of the program type a libbpf section selects (program-kinds.ts). */
const contextOf = (section: string): string => {
  const uapi = programType(resolveSection(section)!.def.progType)!.uapi;
  if (uapi === null) throw new Error(`internal: section ${section} has no uapi context`);
  return uapi;
};

/** Fields of a packet context that hold packet pointers: reached through `header<T>()`, not by name. */
const PACKET_POINTER_FIELDS = new Set(["data", "data_end", "data_meta"]);

/**
 * A fixed context: every scalar field of uapi struct `struct` at its generated offset (core/kernel
 * context-layouts.ts), typed u32 or u64 by size, arrays (`cb[5]`) as fixed arrays. The stdlib
 * interface decides which of them a program can name; core/kernel context-access.ts which of them
 * its program type may write.
 */
const fixed = (struct: string, packet = false, skb = false, noDirectAccess?: string): CtxShape => {
  const layout = CONTEXT_LAYOUTS[struct]!;
  const field = (n: string) => layout.fields.find((f) => f.name === n)!;
  const scalar = (size: number): TsbType => (size === 8 ? U64 : U32);
  return {
    kind: "fixed",
    fields: new Map(
      layout.fields
        .filter((f) => !f.pointer && !PACKET_POINTER_FIELDS.has(f.name))
        .map((f) => [
          f.name,
          {
            offset: f.offset,
            type:
              f.count === undefined
                ? scalar(f.size)
                : { kind: "array", element: scalar(f.size), length: f.count },
          },
        ]),
    ),
    ...(packet
      ? { packet: { data: field("data").offset, dataEnd: field("data_end").offset } }
      : {}),
    ...(skb ? { skb } : {}),
    ...(noDirectAccess !== undefined ? { noDirectAccess } : {}),
  };
};
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
      { fn: "tc", hasTarget: false, section: () => "tc", ctx: SK_BUFF },
      { fn: "socketFilter", hasTarget: false, section: () => "socket", ctx: SOCKET_SK_BUFF },
      {
        fn: "perfEvent",
        hasTarget: false,
        section: () => "perf_event",
        ctx: fixed(contextOf("perf_event")),
      },
    ] satisfies ProgramKind[] as ProgramKind[]
  )
    .concat(tracingProgramKinds({ argWords: ARG_WORDS, ptRegs: PT_REGS }))
    .map((k): [string, ProgramKind] => [k.fn, k]),
);

/** `BPF_F_CURRENT_CPU` for bpf_perf_event_output's flags. */
export const BPF_F_CURRENT_CPU = 0xffffffffn;
