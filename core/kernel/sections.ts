/**
 * libbpf's SEC() naming convention: which program type and expected attach type an ELF section name
 * selects. Hand-written (libbpf's `section_defs` table is C code, not a header we can generate from).
 *
 * Consumes a section name (`tracepoint/syscalls/sys_enter_openat`, `xdp`, `tcx/ingress`); produces a
 * `SectionInfo` naming the kernel `BPF_PROG_TYPE_*` / `BPF_*` attach type and their numbers.
 *
 * Matching follows libbpf ≥ 1.0 (`sec_def_matches`): a pattern ending in `+` matches the bare name or
 * `name/anything`; a pattern ending in `/` needs `name/anything`; any other pattern matches exactly.
 * The first matching row wins, so more specific rows come first.
 *
 * Attach types newer than the uapi header the tables were generated from (tcx, netkit, ...) are kept in
 * `NEWER_ATTACH_TYPES`: uapi enum values never change once released, so these numbers are stable.
 */
import { BPF_ATTACH_TYPE, BPF_PROG_TYPE } from "./generated.ts";

/** One row of the section table. */
export interface SectionDef {
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
}

/**
 * Program types whose context is a plain buffer the verifier lets a program read at any offset that
 * is a multiple of the access size (tracepoint records, pt_regs, perf-event data, raw tracepoint
 * argument words: the kernel's tp_prog/kprobe_prog/pe_prog/raw_tp_prog is_valid_access checks
 * `off % size == 0`). Other contexts (xdp_md, __sk_buff, ...) allow only each field's own width.
 */
export const BUFFER_CONTEXT_PROG_TYPES: ReadonlySet<string> = new Set([
  "TRACEPOINT",
  "KPROBE",
  "PERF_EVENT",
  "RAW_TRACEPOINT",
]);

/** What a section name selects. */
export interface SectionInfo {
  readonly def: SectionDef;
  /** BPF_PROG_TYPE_* number. */
  readonly progTypeId: number;
  /** BPF_* attach type number, or null. */
  readonly attachTypeId: number | null;
  /** Text after the first `/` (`syscalls/sys_enter_openat`), or "" for a bare name. */
  readonly target: string;
}

/** Attach types (and program types) that post-date the generated header, with their uapi numbers. */
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

/** Program types that post-date the generated header. */
export const NEWER_PROG_TYPES: Readonly<Record<string, number>> = { NETFILTER: 32 };

const d = (
  pattern: string,
  progType: string,
  attachType: string | null,
  extra: { sleepable?: boolean; btfTarget?: boolean } = {},
): SectionDef => ({ pattern, progType, attachType, ...extra });

/** libbpf's section table, in its matching order. */
export const SECTION_DEFS: readonly SectionDef[] = [
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
  d("tc/ingress", "SCHED_CLS", "TCX_INGRESS"),
  d("tc/egress", "SCHED_CLS", "TCX_EGRESS"),
  d("tcx/ingress", "SCHED_CLS", "TCX_INGRESS"),
  d("tcx/egress", "SCHED_CLS", "TCX_EGRESS"),
  d("tc", "SCHED_CLS", null),
  d("classifier", "SCHED_CLS", null),
  d("action", "SCHED_ACT", null),
  d("netkit/primary", "SCHED_CLS", "NETKIT_PRIMARY"),
  d("netkit/peer", "SCHED_CLS", "NETKIT_PEER"),
  d("tracepoint+", "TRACEPOINT", null),
  d("tp+", "TRACEPOINT", null),
  d("raw_tracepoint+", "RAW_TRACEPOINT", null),
  d("raw_tp+", "RAW_TRACEPOINT", null),
  d("raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE", null),
  d("raw_tp.w+", "RAW_TRACEPOINT_WRITABLE", null),
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
  d("xdp.frags/devmap", "XDP", "XDP_DEVMAP"),
  d("xdp/devmap", "XDP", "XDP_DEVMAP"),
  d("xdp.frags/cpumap", "XDP", "XDP_CPUMAP"),
  d("xdp/cpumap", "XDP", "XDP_CPUMAP"),
  d("xdp.frags", "XDP", "XDP"),
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
  d("sk_skb", "SK_SKB", null),
  d("sk_msg", "SK_MSG", "SK_MSG_VERDICT"),
  d("lirc_mode2", "LIRC_MODE2", "LIRC_MODE2"),
  d("flow_dissector", "FLOW_DISSECTOR", "FLOW_DISSECTOR"),
  d("cgroup_skb/ingress", "CGROUP_SKB", "CGROUP_INET_INGRESS"),
  d("cgroup_skb/egress", "CGROUP_SKB", "CGROUP_INET_EGRESS"),
  d("cgroup/skb", "CGROUP_SKB", null),
  d("cgroup/sock_create", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE"),
  d("cgroup/sock_release", "CGROUP_SOCK", "CGROUP_INET_SOCK_RELEASE"),
  d("cgroup/sock", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE"),
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

/** True when `name` matches `pattern` under libbpf's rules (see file header). */
export function matchesSection(pattern: string, name: string): boolean {
  if (pattern.endsWith("+")) {
    const p = pattern.slice(0, -1);
    return name === p || name.startsWith(p + "/");
  }
  if (pattern.endsWith("/")) return name.startsWith(pattern) && name.length > pattern.length;
  return name === pattern;
}

/** BPF_PROG_TYPE_* number for a type name without prefix (`XDP`), or undefined. */
export function progTypeId(name: string): number | undefined {
  const table = BPF_PROG_TYPE as Readonly<Record<string, number>>;
  return table[`BPF_PROG_TYPE_${name}`] ?? NEWER_PROG_TYPES[name];
}

/** BPF_* attach type number for a name without `BPF_` (`TRACE_FENTRY`), or undefined. */
export function attachTypeId(name: string): number | undefined {
  const table = BPF_ATTACH_TYPE as Readonly<Record<string, number>>;
  return table[`BPF_${name}`] ?? NEWER_ATTACH_TYPES[name];
}

/**
 * What the section name selects, or undefined when no libbpf rule matches (libbpf then refuses to
 * load the program unless the caller sets its type by hand).
 */
export function resolveSection(section: string): SectionInfo | undefined {
  const def = SECTION_DEFS.find((s) => matchesSection(s.pattern, section));
  if (!def) return undefined;
  const slash = section.indexOf("/");
  return {
    def,
    progTypeId: progTypeId(def.progType)!,
    attachTypeId: def.attachType === null ? null : attachTypeId(def.attachType)!,
    target: slash < 0 ? "" : section.slice(slash + 1),
  };
}
