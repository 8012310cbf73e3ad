/**
 * Packet program kinds, re-exported by `"tsbpf"` (index.d.ts): XDP (`xdp`, `xdpFrags`,
 * `xdpMapEntry`), tc (`tc`, `tcAction`, `tcx`, `netkit`) and socket filters, with their contexts
 * (`XdpContext`, `SkBuff`, `SocketFilterContext`), verdicts and packet helper flags. Declarations
 * only: the compiler's program-kind records say how each lowers; the section names are libbpf's.
 */
import type { FixedArray, Program, ProgramOptions, Ref, i64, u32, u64 } from "./index.js";

/** Packet programs: bounds-checked views of packet bytes. */
export interface PacketContext {
  /**
   * A view of `sizeof T` bytes at `offset` from the packet start, or null when the packet is too
   * short. The null test compiles to exactly `data + offset + size > data_end`.
   */
  header<T>(offset: number): Ref<T> | null;
}
/**
 * `struct xdp_md`. No field is writable in XDP (the kernel's `xdp_is_valid_access`): writing one is
 * compile error TSB3008. Change the packet with the helpers instead (`xdpAdjustHead`, `xdpStoreBytes`).
 */
export interface XdpContext extends PacketContext {
  ingress_ifindex: u32;
  rx_queue_index: u32;
  egress_ifindex: u32;
}
/** XDP verdicts (enum xdp_action). */
export declare const XDP_ABORTED: 0;
export declare const XDP_DROP: 1;
export declare const XDP_PASS: 2;
export declare const XDP_TX: 3;
export declare const XDP_REDIRECT: 4;
/**
 * The `struct __sk_buff` fields and methods shared by tc and socket-filter programs. Which fields a
 * program may assign depends on its program type, as the kernel's verifier decides (probed into
 * core/kernel/context-access.ts): tc may write `mark`, `queue_mapping`, `priority`, `tc_index`,
 * `cb`, `tc_classid` and `tstamp`; socket filters only `cb`. Assigning any other field is compile
 * error TSB3008, which names the writable ones.
 */
export interface SkBuffFields {
  len: u32;
  pkt_type: u32;
  /** Firewall mark (`skb->mark`). */
  mark: u32;
  /** The transmit queue (`skb->queue_mapping`). */
  queue_mapping: u32;
  /** EtherType, network order (`skb->protocol`). */
  protocol: u32;
  vlan_present: u32;
  vlan_tci: u32;
  vlan_proto: u32;
  /** Queueing priority (`skb->priority`, the tc class when it is a `major:minor` handle). */
  priority: u32;
  ingress_ifindex: u32;
  ifindex: u32;
  /** Traffic-control index (`skb->tc_index`). */
  tc_index: u32;
  /** 20 bytes of per-packet scratch space programs pass to each other (`skb->cb`). */
  cb: FixedArray<u32, 5>;
  hash: u32;
  /** The tc class a classifier in direct-action mode selects (`skb->tc_classid`). */
  tc_classid: u32;
  napi_id: u32;
  /** Timestamp in nanoseconds (`skb->tstamp`): writable in tc, for earliest-departure pacing. */
  tstamp: u64;
  wire_len: u32;
  gso_segs: u32;
  gso_size: u32;
  /**
   * Copies `sizeof dst` packet bytes starting at `offset` into `dst` (a struct or array place);
   * returns 0, or -EFAULT when the packet is too short (bpf_skb_load_bytes). Socket filters cannot
   * read packet memory directly, so this is how they parse headers.
   */
  loadBytes<T>(offset: number, dst: T): i64;
}
/** `struct __sk_buff` of a tc program: fields, `loadBytes` and direct packet views. */
export interface SkBuff extends SkBuffFields, PacketContext {}
/** `struct __sk_buff` of a socket filter: fields and `loadBytes`; no direct packet access. */
export interface SocketFilterContext extends SkBuffFields {
  /**
   * @deprecated Not available in socket filters: the kernel refuses direct packet reads there
   * (compile error TSB3012). Copy bytes out with `ctx.loadBytes(offset, dst)` instead.
   */
  header<T>(offset: number): Ref<T> | null;
}
/** TC verdicts (linux/pkt_cls.h). */
export declare const TC_ACT_OK: 0;
export declare const TC_ACT_RECLASSIFY: 1;
export declare const TC_ACT_SHOT: 2;
export declare const TC_ACT_PIPE: 3;
export declare const TC_ACT_STOLEN: 4;
export declare const TC_ACT_QUEUED: 5;
export declare const TC_ACT_REPEAT: 6;
/** What bpf_redirect / redirect_peer / redirect_neigh return in tc: the packet is redirected. */
export declare const TC_ACT_REDIRECT: 7;
/** Packet helper flags (include/uapi/linux/bpf.h). */
/** bpf_skb_store_bytes: update skb->csum over the stored bytes. */
export declare const BPF_F_RECOMPUTE_CSUM: 1;
/** bpf_skb_store_bytes: clear skb->hash. */
export declare const BPF_F_INVALIDATE_HASH: 2;
/** bpf_l3/l4_csum_replace: the size of the changed field (2 or 4; 0 for a `csum_diff` result). */
export declare const BPF_F_HDR_FIELD_MASK: 0xf;
/** bpf_l4_csum_replace: the field is part of the pseudo header (an IP address). */
export declare const BPF_F_PSEUDO_HDR: 16;
/** bpf_l4_csum_replace: a zero checksum means "none" (UDP over IPv4), keep it and never produce it. */
export declare const BPF_F_MARK_MANGLED_0: 32;
/** bpf_l4_csum_replace: with BPF_F_MARK_MANGLED_0, update a zero checksum too. */
export declare const BPF_F_MARK_ENFORCE: 64;
/** bpf_redirect / bpf_clone_redirect: into the interface's receive path. */
export declare const BPF_F_INGRESS: 1;
/** bpf_skb_adjust_room modes: make room after the network header, or after the MAC header. */
export declare const BPF_ADJ_ROOM_NET: 0;
export declare const BPF_ADJ_ROOM_MAC: 1;
/** bpf_skb_adjust_room flag: keep gso_size. */
export declare const BPF_F_ADJ_ROOM_FIXED_GSO: 1;
/** bpf_skb_adjust_room flag: leave the checksum state alone. */
export declare const BPF_F_ADJ_ROOM_NO_CSUM_RESET: 32;
/** `SEC("xdp")`. */
export declare function xdp(body: (ctx: XdpContext) => number): Program;
/**
 * `SEC("xdp.frags")`: an XDP program loaded with BPF_F_XDP_HAS_FRAGS, so it may run on interfaces
 * with multi-buffer frames (jumbo MTUs); read past the first buffer with `xdpLoadBytes`.
 */
export declare function xdpFrags(body: (ctx: XdpContext) => number): Program;
/**
 * `SEC("xdp/devmap")`, `SEC("xdp/cpumap")` and their `xdp.frags/` variants: an XDP program a devmap
 * or cpumap entry runs on the frames redirected into it (its fd goes in the entry's
 * `struct bpf_devmap_val` / `bpf_cpumap_val`); it is not attached to an interface.
 */
export declare function xdpMapEntry(
  kind: "devmap" | "cpumap" | "frags/devmap" | "frags/cpumap",
  body: (ctx: XdpContext) => number,
): Program;
/** `SEC("tc")`. */
export declare function tc(
  body: (ctx: SkBuff) => number,
  options?: ProgramOptions<"classifier">,
): Program;
/**
 * `SEC("action")`: a tc action (BPF_PROG_TYPE_SCHED_ACT), run by a tc filter's `action bpf`; same
 * context and TC_ACT_* returns as a classifier.
 */
export declare function tcAction(body: (ctx: SkBuff) => number): Program;
/**
 * `SEC("tcx/ingress")`, `SEC("tcx/egress")`: a tc program attached through a tcx link (Linux 6.6+)
 * to one direction of an interface; returns TC_ACT_* (TCX_NEXT = -1 runs the next program).
 */
export declare function tcx<D extends "ingress" | "egress">(
  direction: D,
  body: (ctx: SkBuff) => number,
  options?: ProgramOptions<`tc/${D}`>,
): Program;
/**
 * `SEC("netkit/primary")`, `SEC("netkit/peer")`: a tc program of a netkit device pair (Linux 6.7+,
 * CONFIG_NETKIT), attached through a netkit link to the primary device or its peer.
 */
export declare function netkit(kind: "primary" | "peer", body: (ctx: SkBuff) => number): Program;
/** `SEC("socket")`: return the number of bytes to keep (0 drops). */
export declare function socketFilter(body: (ctx: SocketFilterContext) => number): Program;
