/**
 * Socket, cgroup and flow program kinds (compiler/frontend/net-program-kinds.ts has their rows):
 * contexts are the uapi structs of linux/bpf.h. Which fields a program may read and write depends on
 * its program type and hook, as the kernel's verifier decides (probed into
 * core/kernel/context-access.ts): reading a field the hook may not read is compile error TSB3041,
 * assigning one it may not write TSB3008, and each names the fields that are allowed. Cgroup
 * programs attach through BPF links to a cgroup v2 directory (`tsbpf run --cgroup PATH`, default
 * the root of the cgroup v2 hierarchy); return 1 to allow, 0 to refuse.
 */
import type {
  FixedArray,
  Program,
  ProgramOptions,
  Ref,
  SkBuff,
  u8,
  u16,
  u32,
  u64,
  i64,
} from "./index.js";

/** `struct bpf_sock`: the socket of a `cgroupSock` program (sock_create, post_bind, ...). */
export interface SockContext {
  /** Device the socket is bound to (`SO_BINDTODEVICE`): writable in sock_create / sock_release. */
  bound_dev_if: u32;
  family: u32;
  type: u32;
  protocol: u32;
  /** `SO_MARK`: writable in sock_create / sock_release. */
  mark: u32;
  /** `SO_PRIORITY`: writable in sock_create / sock_release. */
  priority: u32;
  /** Bound address and port (post_bind4 / post_bind6), host order port. */
  src_ip4: u32;
  src_ip6: FixedArray<u32, 4>;
  src_port: u32;
  /** Peer port, network order. */
  dst_port: u16;
  dst_ip4: u32;
  dst_ip6: FixedArray<u32, 4>;
  state: u32;
  rx_queue_mapping: u32;
}
/** Hooks of `cgroupSock`: `SEC("cgroup/<hook>")`. */
export type CgroupSockHook = "sock_create" | "sock_release" | "post_bind4" | "post_bind6";
/** `SEC("cgroup/sock_create")` and the other `struct bpf_sock` hooks. */
export declare function cgroupSock<H extends CgroupSockHook>(
  hook: H,
  body: (ctx: SockContext) => number,
  options?: ProgramOptions<H extends "sock_create" ? "cgroup/sock" : never>,
): Program;

/**
 * `struct bpf_sock_addr`: the address a process passes to bind / connect / sendmsg (or gets back
 * from recvmsg, getpeername, getsockname). Addresses and `user_port` are in network byte order. The
 * IPv4 hooks may read and write `user_ip4`, the IPv6 ones `user_ip6`; every hook may write
 * `user_port`; sendmsg4 / sendmsg6 also `msg_src_ip4` / `msg_src_ip6` (the source address).
 */
export interface SockAddrContext {
  user_family: u32;
  user_ip4: u32;
  user_ip6: FixedArray<u32, 4>;
  /** The port in network order, in the low 16 bits. */
  user_port: u32;
  family: u32;
  type: u32;
  protocol: u32;
  msg_src_ip4: u32;
  msg_src_ip6: FixedArray<u32, 4>;
}
/** Hooks of `cgroupSockAddr`: `SEC("cgroup/<hook>")`. */
export type CgroupSockAddrHook =
  | "bind4"
  | "bind6"
  | "connect4"
  | "connect6"
  | "connect_unix"
  | "sendmsg4"
  | "sendmsg6"
  | "sendmsg_unix"
  | "recvmsg4"
  | "recvmsg6"
  | "recvmsg_unix"
  | "getpeername4"
  | "getpeername6"
  | "getpeername_unix"
  | "getsockname4"
  | "getsockname6"
  | "getsockname_unix";
/**
 * `SEC("cgroup/connect4")` and the other `struct bpf_sock_addr` hooks: return 1 to let the call go
 * on (with the address as the program left it), 0 to refuse it with EPERM. recvmsg, getpeername and
 * getsockname programs must return 1.
 */
export declare function cgroupSockAddr(
  hook: CgroupSockAddrHook,
  body: (ctx: SockAddrContext) => number,
): Program;

/** `SEC("cgroup_skb/ingress")` / `SEC("cgroup_skb/egress")`: return 1 to pass the packet, 0 to drop it. */
export declare function cgroupSkb<D extends "ingress" | "egress">(
  direction: D,
  body: (ctx: SkBuff) => number,
  options?: ProgramOptions<D extends "ingress" ? "cgroup/skb" : never>,
): Program;

/**
 * `struct bpf_sockopt`: a getsockopt / setsockopt call. `header<T>(offset)` views the option value
 * (`optval`..`optval_end`, at most one page of it).
 */
export interface SockoptContext {
  level: u32;
  optname: u32;
  optlen: u32;
  /** getsockopt: the kernel's return value (writable, to make the call fail or succeed). */
  retval: u32;
  header<T>(offset: number): Ref<T> | null;
}
/**
 * `SEC("cgroup/getsockopt")` / `SEC("cgroup/setsockopt")`: return 1 to go on, 0 to fail the call
 * with EPERM. setsockopt may rewrite `level`, `optname` and `optlen`; getsockopt `optlen` and `retval`.
 */
export declare function cgroupSockopt(
  hook: "getsockopt" | "setsockopt",
  body: (ctx: SockoptContext) => number,
): Program;

/** `struct bpf_sysctl`: an access to a /proc/sys file. */
export interface SysctlContext {
  /** 1 for a write, 0 for a read. */
  readonly write: u32;
  /** The file position (writable). */
  file_pos: u32;
}
/**
 * `SEC("cgroup/sysctl")`: return 1 to allow the access, 0 to refuse it with EPERM. The name and values
 * come from `sysctlGetName`, `sysctlGetCurrentValue`, `sysctlGetNewValue`.
 */
export declare function cgroupSysctl(body: (ctx: SysctlContext) => number): Program;

/** `struct bpf_cgroup_dev_ctx`: a device access. */
export interface CgroupDevContext {
  /** The device type (BPF_DEVCG_DEV_*) in the low 16 bits, the access (BPF_DEVCG_ACC_*) above. */
  readonly access_type: u32;
  readonly major: u32;
  readonly minor: u32;
}
/** `SEC("cgroup/dev")`: return 1 to allow the device access, 0 to refuse it. */
export declare function cgroupDev(body: (ctx: CgroupDevContext) => number): Program;

/**
 * `struct bpf_sock_ops`: a TCP event (`op`, BPF_SOCK_OPS_*) of a socket in the cgroup. `reply` /
 * `replylong` (aliases of `args`) answer ops that ask for a value; `header<T>()` views the packet of
 * the header-option callbacks (`skb_data`..`skb_data_end`).
 */
export interface SockOpsContext {
  readonly op: u32;
  args: FixedArray<u32, 4>;
  reply: u32;
  replylong: FixedArray<u32, 4>;
  readonly family: u32;
  readonly remote_ip4: u32;
  readonly local_ip4: u32;
  readonly remote_ip6: FixedArray<u32, 4>;
  readonly local_ip6: FixedArray<u32, 4>;
  /** Network order. */
  readonly remote_port: u32;
  /** Host order. */
  readonly local_port: u32;
  readonly is_fullsock: u32;
  readonly snd_cwnd: u32;
  readonly srtt_us: u32;
  readonly bpf_sock_ops_cb_flags: u32;
  readonly state: u32;
  readonly rtt_min: u32;
  readonly snd_ssthresh: u32;
  readonly rcv_nxt: u32;
  readonly snd_nxt: u32;
  readonly snd_una: u32;
  readonly mss_cache: u32;
  readonly ecn_flags: u32;
  readonly rate_delivered: u32;
  readonly rate_interval_us: u32;
  readonly packets_out: u32;
  readonly retrans_out: u32;
  readonly total_retrans: u32;
  readonly segs_in: u32;
  readonly data_segs_in: u32;
  readonly segs_out: u32;
  readonly data_segs_out: u32;
  readonly lost_out: u32;
  readonly sacked_out: u32;
  sk_txhash: u32;
  readonly bytes_received: u64;
  readonly bytes_acked: u64;
  readonly skb_len: u32;
  readonly skb_tcp_flags: u32;
  header<T>(offset: number): Ref<T> | null;
}
/** `SEC("sockops")`: attached to a cgroup; returns 1 (the kernel reads answers from `reply`). */
export declare function sockops(body: (ctx: SockOpsContext) => number): Program;

/**
 * `SEC("sk_skb/stream_parser")`, `SEC("sk_skb/stream_verdict")`, `SEC("sk_skb/verdict")`: programs of
 * a sockmap / sockhash. A parser returns the length of the next message; a verdict SK_PASS or
 * SK_DROP (or the result of `skRedirectMap`).
 */
export declare function skSkb(
  kind: "stream_parser" | "stream_verdict" | "verdict",
  body: (ctx: SkBuff) => number,
  options?: ProgramOptions<"sk_skb">,
): Program;

/** `struct sk_msg_md`: a sendmsg on a socket of a sockmap / sockhash. */
export interface SkMsgContext {
  readonly family: u32;
  readonly remote_ip4: u32;
  readonly local_ip4: u32;
  readonly remote_ip6: FixedArray<u32, 4>;
  readonly local_ip6: FixedArray<u32, 4>;
  readonly remote_port: u32;
  readonly local_port: u32;
  /** Total size of the message. */
  readonly size: u32;
  /** A view of the message bytes (`data`..`data_end`). */
  header<T>(offset: number): Ref<T> | null;
}
/** `SEC("sk_msg")`: return SK_PASS or SK_DROP (or the result of `msgRedirectMap`). */
export declare function skMsg(body: (ctx: SkMsgContext) => number): Program;

/** `struct bpf_sk_lookup`: an incoming connection or datagram looking for its socket. */
export interface SkLookupContext {
  /** The cookie of the socket selected so far (0: none). */
  readonly cookie: u64;
  readonly family: u32;
  readonly protocol: u32;
  readonly remote_ip4: u32;
  readonly remote_ip6: FixedArray<u32, 4>;
  /** Network order. */
  readonly remote_port: u16;
  readonly local_ip4: u32;
  readonly local_ip6: FixedArray<u32, 4>;
  /** Host order. */
  readonly local_port: u32;
  readonly ingress_ifindex: u32;
}
/**
 * `SEC("sk_lookup")`: attached to a network namespace; select a socket with `skAssign(ctx, sk, 0)`
 * and return SK_PASS, or return SK_DROP to refuse the packet.
 */
export declare function skLookup(body: (ctx: SkLookupContext) => number): Program;

/**
 * `SEC("lwt_in")`, `SEC("lwt_out")`, `SEC("lwt_xmit")`, `SEC("lwt_seg6local")`: a light-weight
 * tunnel program, run for packets of routes whose encap is `bpf` (`ip route add ... encap bpf in
 * obj prog.o section lwt_in`); returns BPF_OK, BPF_DROP or BPF_REDIRECT.
 */
export declare function lwt(
  hook: "in" | "out" | "xmit" | "seg6local",
  body: (ctx: SkBuff) => number,
): Program;

/** `struct sk_reuseport_md`: a packet looking for a socket of an SO_REUSEPORT group. */
export interface SkReuseportContext {
  readonly len: u32;
  /** EtherType, network order. */
  readonly eth_protocol: u32;
  readonly ip_protocol: u32;
  /** 1 when the group's sockets are bound to INADDR_ANY / in6addr_any. */
  readonly bind_inany: u32;
  readonly hash: u32;
  header<T>(offset: number): Ref<T> | null;
}
/**
 * `SEC("sk_reuseport")` (`select`), `SEC("sk_reuseport/migrate")` (`migrate`): picks the socket of
 * an SO_REUSEPORT group for a packet (`skSelectReuseport` with a reuseport sockarray), attached to
 * a socket of the group with SO_ATTACH_REUSEPORT_EBPF; returns SK_PASS or SK_DROP.
 */
export declare function skReuseport(
  kind: "select" | "migrate",
  body: (ctx: SkReuseportContext) => number,
): Program;

/**
 * The `struct __sk_buff` of a flow dissector: the kernel lets it read only the packet
 * (`header<T>()`, `loadBytes`) and its flow keys.
 */
export interface FlowDissectorContext {
  header<T>(offset: number): Ref<T> | null;
  loadBytes<T>(offset: number, dst: T): i64;
  /** The flow keys the program fills (`__sk_buff.flow_keys`, never null). */
  flowKeys(): Ref<BpfFlowKeys>;
}
/**
 * `struct bpf_flow_keys` (uapi linux/bpf.h): what a flow dissector reports. The kernel starts it with
 * `nhoff` = `thoff` = the network header's offset and `n_proto` = the EtherType; the program sets
 * the rest. Fields marked network order hold the packet's bytes. `ipv4_*` and `ipv6_*` share storage
 * (a union in C).
 */
export interface BpfFlowKeys {
  /** Offset of the network header. */
  nhoff: u16;
  /** Offset of the transport header. */
  thoff: u16;
  /** ETH_P_IP or ETH_P_IPV6 (host order), once the addresses are set. */
  addr_proto: u16;
  is_frag: u8;
  is_first_frag: u8;
  is_encap: u8;
  ip_proto: u8;
  /** EtherType, network order. */
  n_proto: u16;
  /** Network order. */
  sport: u16;
  /** Network order. */
  dport: u16;
  /** Network order. */
  ipv4_src: u32;
  /** Network order. */
  ipv4_dst: u32;
  ipv6_src: FixedArray<u32, 4>;
  ipv6_dst: FixedArray<u32, 4>;
  /** BPF_FLOW_DISSECTOR_F_* flags the caller passed. */
  flags: u32;
  /** Network order. */
  flow_label: u32;
}
/**
 * `SEC("flow_dissector")`: attached to a network namespace; returns BPF_OK when it dissected the
 * packet, BPF_DROP to stop, or BPF_FLOW_DISSECTOR_CONTINUE to fall back to the kernel's dissector.
 */
export declare function flowDissector(body: (ctx: FlowDissectorContext) => number): Program;

/** The context of a netfilter program (`struct bpf_nf_ctx`: kernel pointers only, no named fields). */
export interface NetfilterContext {
  readonly __netfilter: never;
}
/**
 * `SEC("netfilter")`: runs at a netfilter hook of the network namespace (`tsbpf run`: IPv4
 * local_in, priority 0); return NF_ACCEPT or NF_DROP.
 */
export declare function netfilter(body: (ctx: NetfilterContext) => number): Program;

/** enum sk_action. */
export declare const SK_DROP: 0;
export declare const SK_PASS: 1;
/** enum bpf_ret_code (flow dissector verdicts). */
export declare const BPF_OK: 0;
export declare const BPF_DROP: 2;
/** Light-weight tunnel return: the program redirected the packet (bpf_redirect). */
export declare const BPF_REDIRECT: 7;
/** Light-weight tunnel return (lwt_xmit): route the packet again, after the program changed it. */
export declare const BPF_LWT_REROUTE: 128;
export declare const BPF_FLOW_DISSECTOR_CONTINUE: 129;
/** Netfilter verdicts (linux/netfilter.h). */
export declare const NF_DROP: 0;
export declare const NF_ACCEPT: 1;
/** linux/bpf.h: sock_ops callbacks and flags, TCP states, device-cgroup types and accesses. */
export declare const BPF_SK_LOOKUP_F_REPLACE: 1;
export declare const BPF_SK_LOOKUP_F_NO_REUSEPORT: 2;
export declare const BPF_SOCK_OPS_RTO_CB_FLAG: 1;
export declare const BPF_SOCK_OPS_RETRANS_CB_FLAG: 2;
export declare const BPF_SOCK_OPS_STATE_CB_FLAG: 4;
export declare const BPF_SOCK_OPS_RTT_CB_FLAG: 8;
export declare const BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG: 16;
export declare const BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG: 32;
export declare const BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG: 64;
export declare const BPF_SOCK_OPS_ALL_CB_FLAGS: 127;
export declare const BPF_SOCK_OPS_VOID: 0;
export declare const BPF_SOCK_OPS_TIMEOUT_INIT: 1;
export declare const BPF_SOCK_OPS_RWND_INIT: 2;
export declare const BPF_SOCK_OPS_TCP_CONNECT_CB: 3;
export declare const BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB: 4;
export declare const BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB: 5;
export declare const BPF_SOCK_OPS_NEEDS_ECN: 6;
export declare const BPF_SOCK_OPS_BASE_RTT: 7;
export declare const BPF_SOCK_OPS_RTO_CB: 8;
export declare const BPF_SOCK_OPS_RETRANS_CB: 9;
export declare const BPF_SOCK_OPS_STATE_CB: 10;
export declare const BPF_SOCK_OPS_TCP_LISTEN_CB: 11;
export declare const BPF_SOCK_OPS_RTT_CB: 12;
export declare const BPF_SOCK_OPS_PARSE_HDR_OPT_CB: 13;
export declare const BPF_SOCK_OPS_HDR_OPT_LEN_CB: 14;
export declare const BPF_SOCK_OPS_WRITE_HDR_OPT_CB: 15;
export declare const BPF_TCP_ESTABLISHED: 1;
export declare const BPF_TCP_SYN_SENT: 2;
export declare const BPF_TCP_SYN_RECV: 3;
export declare const BPF_TCP_FIN_WAIT1: 4;
export declare const BPF_TCP_FIN_WAIT2: 5;
export declare const BPF_TCP_TIME_WAIT: 6;
export declare const BPF_TCP_CLOSE: 7;
export declare const BPF_TCP_CLOSE_WAIT: 8;
export declare const BPF_TCP_LAST_ACK: 9;
export declare const BPF_TCP_LISTEN: 10;
export declare const BPF_TCP_CLOSING: 11;
export declare const BPF_TCP_NEW_SYN_RECV: 12;
export declare const BPF_TCP_MAX_STATES: 13;
export declare const BPF_DEVCG_ACC_MKNOD: 1;
export declare const BPF_DEVCG_ACC_READ: 2;
export declare const BPF_DEVCG_ACC_WRITE: 4;
export declare const BPF_DEVCG_DEV_BLOCK: 1;
export declare const BPF_DEVCG_DEV_CHAR: 2;
