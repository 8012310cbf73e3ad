/**
 * The socket, cgroup and flow program kinds of the stdlib (stdlib/index.d.ts `cgroupSkb`,
 * `cgroupSockAddr`, `sockops`, `skSkb`, `skMsg`, `skLookup`, `lwt`, `skReuseport`, `flowDissector`,
 * `netfilter`, ...): one
 * row each, as builtins.ts's PROGRAM_KINDS has for tracing, XDP and tc. Sections are libbpf's SEC()
 * names (core/kernel program-kinds.ts `SECTION_DEFS`); a kind with a fixed set of hooks lists them in
 * `targets`, the SEC() suffixes libbpf knows for it. Contexts are the uapi structs of
 * core/kernel/context-layouts.ts; which fields each hook may read and write is core/kernel
 * context-access.ts, probed from the kernel.
 */
import type { ProgramKind } from "./builtins.ts";
import { BPF_CONSTANTS, contextOffset } from "../../core/kernel/index.ts";
import { fixed, layoutStruct, type CtxShape } from "./context-shapes.ts";

/** `struct __sk_buff` with direct packet access and `loadBytes` (cgroup_skb, sk_skb, flow dissector). */
const SKB: CtxShape = fixed("__sk_buff", true, true);

/** A context without fields a program can name. */
const NO_FIELDS: CtxShape = { kind: "fixed", fields: new Map() };

/** The hooks of `cgroup/<hook>` programs whose context is `struct bpf_sock_addr`. */
export const SOCK_ADDR_HOOKS = [
  "bind4",
  "bind6",
  "connect4",
  "connect6",
  "connect_unix",
  "sendmsg4",
  "sendmsg6",
  "sendmsg_unix",
  "recvmsg4",
  "recvmsg6",
  "recvmsg_unix",
  "getpeername4",
  "getpeername6",
  "getpeername_unix",
  "getsockname4",
  "getsockname6",
  "getsockname_unix",
] as const;

/** Socket, cgroup and flow program kinds. */
export const NET_PROGRAM_KINDS: readonly ProgramKind[] = [
  {
    fn: "cgroupSkb",
    hasTarget: true,
    targets: ["ingress", "egress"],
    section: (t) => `cgroup_skb/${t}`,
    ctx: SKB,
  },
  {
    fn: "cgroupSock",
    hasTarget: true,
    targets: ["sock_create", "sock_release", "post_bind4", "post_bind6"],
    section: (t) => `cgroup/${t}`,
    ctx: fixed("bpf_sock"),
  },
  {
    fn: "cgroupSockAddr",
    hasTarget: true,
    targets: SOCK_ADDR_HOOKS,
    section: (t) => `cgroup/${t}`,
    ctx: fixed("bpf_sock_addr"),
  },
  {
    fn: "cgroupSockopt",
    hasTarget: true,
    targets: ["getsockopt", "setsockopt"],
    section: (t) => `cgroup/${t}`,
    ctx: fixed("bpf_sockopt", ["optval", "optval_end"]),
  },
  {
    fn: "cgroupSysctl",
    hasTarget: false,
    section: () => "cgroup/sysctl",
    ctx: fixed("bpf_sysctl"),
  },
  {
    fn: "cgroupDev",
    hasTarget: false,
    section: () => "cgroup/dev",
    ctx: fixed("bpf_cgroup_dev_ctx"),
  },
  {
    fn: "sockops",
    hasTarget: false,
    section: () => "sockops",
    ctx: fixed("bpf_sock_ops", ["skb_data", "skb_data_end"]),
  },
  {
    fn: "skSkb",
    hasTarget: true,
    targets: ["stream_parser", "stream_verdict", "verdict"],
    section: (t) => `sk_skb/${t}`,
    ctx: SKB,
  },
  { fn: "skMsg", hasTarget: false, section: () => "sk_msg", ctx: fixed("sk_msg_md", true) },
  { fn: "skLookup", hasTarget: false, section: () => "sk_lookup", ctx: fixed("bpf_sk_lookup") },
  {
    fn: "lwt",
    hasTarget: true,
    targets: ["in", "out", "xmit", "seg6local"],
    section: (t) => `lwt_${t}`,
    ctx: SKB,
  },
  {
    fn: "skReuseport",
    hasTarget: true,
    targets: ["select", "migrate"],
    // libbpf: `sk_reuseport` (BPF_SK_REUSEPORT_SELECT), `sk_reuseport/migrate`.
    section: (t) => (t === "migrate" ? "sk_reuseport/migrate" : "sk_reuseport"),
    ctx: fixed("sk_reuseport_md", true),
  },
  {
    fn: "flowDissector",
    hasTarget: false,
    section: () => "flow_dissector",
    ctx: {
      ...(SKB as CtxShape & { kind: "fixed" }),
      flowKeys: {
        offset: contextOffset("__sk_buff", "flow_keys"),
        type: layoutStruct("bpf_flow_keys"),
      },
    },
  },
  // struct bpf_nf_ctx (include/net/netfilter/nf_bpf_link.h, not uapi) holds only kernel pointers.
  { fn: "netfilter", hasTarget: false, section: () => "netfilter", ctx: NO_FIELDS },
];

/**
 * The uapi constants these kinds' programs compare with (linux/bpf.h anonymous enums, read from
 * core/kernel generated.ts): sock_ops callbacks and flags, device-cgroup access and device types,
 * bpf_sk_assign flags. stdlib/net-programs.d.ts declares the same names.
 */
export const NET_CONSTANTS: readonly (readonly [string, bigint])[] = Object.entries(BPF_CONSTANTS)
  .filter(([n]) => /^BPF_(SOCK_OPS_|DEVCG_|SK_LOOKUP_F_|TCP_[A-Z_0-9]+$)/.test(n))
  .map(([n, v]) => [n, BigInt(v)] as const);
