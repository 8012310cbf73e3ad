/**
 * Program contexts the VM builds from a packet: `struct xdp_md` for XDP programs and
 * `struct __sk_buff` for socket filters, tc classifiers/actions, cgroup skb and the like.
 *
 * Consumes a packet and the program type name (`XDP`, `SCHED_CLS`, ...); produces a context region and
 * a packet region in VM memory. The context is the uapi struct (offsets from core/kernel's generated
 * layouts, which clang computed from linux/bpf.h) followed by one 64-bit VM slot per pointer field; ctx-rewrite.ts points
 * the program's 32-bit pointer-field loads at those slots, as the kernel rewrites them to the real
 * `xdp_buff` / `sk_buff` pointers. The uapi fields themselves hold the low 32 bits (the offset).
 *
 * ```
 *   xdp_md (24 bytes)                    VM slots
 *  +------+----------+-----------+-----+--------+------------+-------------+
 *  | data | data_end | data_meta | ... | data64 | data_end64 | data_meta64 |
 *  +------+----------+-----------+-----+--------+------------+-------------+
 *   0      4          8                 24       32           40
 * ```
 */
import { CONTEXT_LAYOUTS, contextOffset, programType } from "../../core/kernel/index.ts";
import type { CtxNarrowField, CtxPointerField } from "./ctx-rewrite.ts";
import type { Memory, Region } from "./contract.ts";
import { ETH_HLEN, networkBaseLength, PacketState, type SkbView } from "./packet.ts";

/** A context shape that carries packet pointers. */
export interface PacketContextLayout {
  readonly kind: "xdp_md" | "__sk_buff";
  /** Size of the uapi struct. */
  readonly uapiSize: number;
  /** Total size including the VM pointer slots. */
  readonly size: number;
  readonly data: CtxPointerField;
  readonly dataEnd: CtxPointerField;
  readonly dataMeta: CtxPointerField;
  /** `__sk_buff.len` (kept equal to the packet's length); -1 for xdp_md. */
  readonly lenOffset: number;
  /** `__sk_buff.protocol` (skb->protocol, which skb helpers read and change); -1 for xdp_md. */
  readonly protocolOffset: number;
  /** `__sk_buff.vlan_present` / `vlan_tci` / `vlan_proto`, the accelerated VLAN tag. */
  readonly vlan: { readonly present: number; readonly tci: number; readonly proto: number };
  /** Writable fields the kernel stores narrower than u32 (see ctx-rewrite.ts `CtxNarrowField`). */
  readonly narrow: readonly CtxNarrowField[];
}

/**
 * A packet context layout from the generated uapi struct (core/kernel context-layouts.ts): the three
 * pointer fields get VM slots after the struct, in the order data, data_end, data_meta.
 */
function packetLayout(kind: "xdp_md" | "__sk_buff"): PacketContextLayout {
  const uapiSize = CONTEXT_LAYOUTS[kind]!.size;
  const skbOffset = (field: string) => (kind === "__sk_buff" ? contextOffset(kind, field) : -1);
  const slot = (field: string, k: number): CtxPointerField => ({
    offset: contextOffset(kind, field),
    vmOffset: uapiSize + 8 * k,
  });
  return {
    kind,
    uapiSize,
    size: uapiSize + 24,
    data: slot("data", 0),
    dataEnd: slot("data_end", 1),
    dataMeta: slot("data_meta", 2),
    lenOffset: skbOffset("len"),
    protocolOffset: skbOffset("protocol"),
    vlan: {
      present: skbOffset("vlan_present"),
      tci: skbOffset("vlan_tci"),
      proto: skbOffset("vlan_proto"),
    },
    // net/core/filter.c bpf_convert_ctx_access: sk_buff->tc_index and ->queue_mapping and
    // qdisc_skb_cb->tc_classid are u16, written with BPF_H stores.
    narrow:
      kind === "__sk_buff"
        ? ["tc_index", "queue_mapping", "tc_classid"].map((f) => ({
            offset: contextOffset(kind, f),
            size: 2 as const,
          }))
        : [],
  };
}

/** `struct xdp_md` (24 bytes). */
export const XDP_MD: PacketContextLayout = packetLayout("xdp_md");

/** `struct __sk_buff` (192 bytes). */
export const SK_BUFF: PacketContextLayout = packetLayout("__sk_buff");

/** The packet context layout of a program type (name without prefix), or undefined. */
export function packetContextFor(progType: string | undefined): PacketContextLayout | undefined {
  const uapi = progType === undefined ? undefined : programType(progType)?.uapi;
  if (uapi === "xdp_md") return XDP_MD;
  return uapi === "__sk_buff" ? SK_BUFF : undefined;
}

/**
 * Where a test-run skb of the program type starts (core/kernel `testRunSkb`): `l3` for types that
 * see it from the network header, `l2` for tc and for types the kernel does not run that way.
 */
export function skbViewFor(progType: string | undefined): SkbView {
  return progType !== undefined && programType(progType)?.testRunSkb === "l3" ? "l3" : "l2";
}

/**
 * Why BPF_PROG_TEST_RUN refuses (EINVAL) `packet` for a program of `progType` seeing it as `view`,
 * or undefined: an l3 type needs a whole Ethernet header; every skb test-run type needs an IPv4 /
 * IPv6 frame's fixed network header after it (packet.ts `networkBaseLength`).
 */
export function testRunRefusal(
  progType: string | undefined,
  view: SkbView,
  packet: Uint8Array,
): string | undefined {
  const why = "(BPF_PROG_TEST_RUN refuses shorter ones with EINVAL)";
  if (view === "l3" && packet.length < ETH_HLEN)
    return `sees the packet from its network header: pass an Ethernet frame of at least ${ETH_HLEN} bytes ${why}, got ${packet.length}`;
  if (progType === undefined || !programType(progType)?.testRunSkb) return undefined;
  const etherType = packet.length >= ETH_HLEN ? (packet[12]! << 8) | packet[13]! : 0;
  const net = networkBaseLength(etherType);
  if (net === 0 || packet.length >= ETH_HLEN + net) return undefined;
  const hex = etherType.toString(16).padStart(4, "0");
  return `: an EtherType 0x${hex} frame needs its ${net}-byte network header after the Ethernet header ${why}: pass at least ${ETH_HLEN + net} bytes, got ${packet.length}`;
}

/**
 * skb->pkt_type as `eth_type_trans` sets it on the loopback device (dev_addr and broadcast all
 * zero, so an all-ones destination is multicast there): PACKET_HOST (0) for the device's own
 * address, PACKET_MULTICAST (2) for a group address, PACKET_OTHERHOST (3) otherwise.
 */
function loopbackPktType(frame: Uint8Array): number {
  if (frame.subarray(0, 6).every((b) => b === 0)) return 0;
  return (frame[0]! & 1) !== 0 ? 2 : 3;
}

/** The pointer fields a layout's loads must be rewritten for. */
export function pointerFields(layout: PacketContextLayout): CtxPointerField[] {
  return [layout.data, layout.dataEnd, layout.dataMeta];
}

/** Interface details of a simulated packet arrival. */
export interface PacketOptions {
  /** Interface index (xdp_md ingress_ifindex, __sk_buff ifindex), default 1 (lo). */
  readonly ifindex?: number;
  /**
   * `__sk_buff.ingress_ifindex` (skb->skb_iif, which BPF_PROG_TEST_RUN takes from ctx_in): default
   * 0, as the kernel reports with or without ctx_in — a test-run skb arrived on no interface.
   */
  readonly ingressIfindex?: number;
  /** XDP rx queue, default 0. */
  readonly rxQueue?: number;
  /** `__sk_buff.mark`, default 0. */
  readonly mark?: number;
  /** `__sk_buff.priority`, default 0. */
  readonly priority?: number;
  /** Interfaces that exist for bpf_clone_redirect (default: the loopback device, 1). */
  readonly interfaces?: readonly number[];
}

/** The regions of a built packet context; dispose of the packet and unmap ctx after the run. */
export interface PacketContext {
  readonly ctx: Region;
  readonly packet: PacketState;
}

/**
 * Maps a copy of `packet` (with the head- and tailroom packet.ts describes) and a context pointing
 * at it, as BPF_PROG_TEST_RUN builds them: for an skb, `protocol` is the frame's EtherType and
 * `pkt_type` what `eth_type_trans` makes of the destination (on the loopback device, ifindex 1);
 * an `l3` view starts `data`, `len` and `wire_len` after the Ethernet header.
 */
export function buildPacketContext(
  memory: Memory,
  layout: PacketContextLayout,
  packet: Uint8Array,
  opts: PacketOptions = {},
  skbView: SkbView = "l2",
): PacketContext {
  const l3 = layout.kind === "__sk_buff" && skbView === "l3";
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  const ifindex = opts.ifindex ?? 1;
  const set = (field: string, v: number) =>
    view.setUint32(contextOffset(layout.kind, field), v, true);
  if (layout.kind === "xdp_md") {
    set("ingress_ifindex", ifindex);
    set("rx_queue_index", opts.rxQueue ?? 0);
  } else {
    set("mark", opts.mark ?? 0);
    set("priority", opts.priority ?? 0);
    // protocol: skb->protocol is the EtherType in network order, read as a native u16.
    if (packet.length >= ETH_HLEN) {
      set("protocol", packet[12]! | (packet[13]! << 8));
      if (ifindex === 1) set("pkt_type", loopbackPktType(packet));
    }
    set("ingress_ifindex", opts.ingressIfindex ?? 0);
    set("ifindex", ifindex);
    set("wire_len", packet.length - (l3 ? ETH_HLEN : 0));
  }
  const ctx = memory.map(bytes, { writable: true, kind: "context", name: layout.kind });
  return { ctx, packet: new PacketState(memory, layout, ctx, packet, opts.interfaces, skbView) };
}
