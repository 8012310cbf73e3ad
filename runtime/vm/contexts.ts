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
import type { CtxPointerField } from "./ctx-rewrite.ts";
import type { Memory, Region } from "./contract.ts";

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
}

/**
 * A packet context layout from the generated uapi struct (core/kernel context-layouts.ts): the three
 * pointer fields get VM slots after the struct, in the order data, data_end, data_meta.
 */
function packetLayout(kind: "xdp_md" | "__sk_buff"): PacketContextLayout {
  const uapiSize = CONTEXT_LAYOUTS[kind]!.size;
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

/** The pointer fields a layout's loads must be rewritten for. */
export function pointerFields(layout: PacketContextLayout): CtxPointerField[] {
  return [layout.data, layout.dataEnd, layout.dataMeta];
}

/** Interface details of a simulated packet arrival. */
export interface PacketOptions {
  /** Interface index (ingress_ifindex / ifindex), default 1. */
  readonly ifindex?: number;
  /** XDP rx queue, default 0. */
  readonly rxQueue?: number;
  /** `__sk_buff.mark`, default 0. */
  readonly mark?: number;
}

/** The regions of a built packet context; unmap both after the run. */
export interface PacketContext {
  readonly ctx: Region;
  readonly packet: Region;
}

/**
 * Maps `packet` (not copied: the program's writes land in the caller's buffer) and a context pointing
 * at it.
 */
export function buildPacketContext(
  memory: Memory,
  layout: PacketContextLayout,
  packet: Uint8Array,
  opts: PacketOptions = {},
): PacketContext {
  const pkt = memory.map(packet, { writable: true, kind: "packet", name: "packet" });
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  const put = (f: CtxPointerField, offset: number) => {
    view.setUint32(f.offset, offset, true);
    view.setBigUint64(f.vmOffset, pkt.base + BigInt(offset), true);
  };
  put(layout.data, 0);
  put(layout.dataEnd, packet.length);
  put(layout.dataMeta, 0);
  const ifindex = opts.ifindex ?? 1;
  const set = (field: string, v: number) =>
    view.setUint32(contextOffset(layout.kind, field), v, true);
  if (layout.kind === "xdp_md") {
    set("ingress_ifindex", ifindex);
    set("rx_queue_index", opts.rxQueue ?? 0);
  } else {
    set("len", packet.length);
    set("mark", opts.mark ?? 0);
    // protocol: skb->protocol is the EtherType in network order, read as a native u16.
    if (packet.length >= 14) set("protocol", packet[12]! | (packet[13]! << 8));
    set("ingress_ifindex", ifindex);
    set("ifindex", ifindex);
    set("wire_len", packet.length);
  }
  const ctx = memory.map(bytes, { writable: true, kind: "context", name: layout.kind });
  return { ctx, packet: pkt };
}
