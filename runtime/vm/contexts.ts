/**
 * Program contexts the VM builds from a packet: `struct xdp_md` for XDP programs and
 * `struct __sk_buff` for socket filters, tc classifiers/actions, cgroup skb and the like.
 *
 * Consumes a packet and the program type name (`XDP`, `SCHED_CLS`, ...); produces a context region and
 * a packet region in VM memory. The context is the uapi struct (offsets checked against clang's
 * `offsetof` on linux/bpf.h) followed by one 64-bit VM slot per pointer field; ctx-rewrite.ts points
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

/** `struct xdp_md`: data 0, data_end 4, data_meta 8, ingress_ifindex 12, rx_queue_index 16. */
export const XDP_MD: PacketContextLayout = {
  kind: "xdp_md",
  uapiSize: 24,
  size: 48,
  data: { offset: 0, vmOffset: 24 },
  dataEnd: { offset: 4, vmOffset: 32 },
  dataMeta: { offset: 8, vmOffset: 40 },
};

/** `struct __sk_buff`: len 0, protocol 16, ifindex 40, data 76, data_end 80, data_meta 140 (192 bytes). */
export const SK_BUFF: PacketContextLayout = {
  kind: "__sk_buff",
  uapiSize: 192,
  size: 216,
  data: { offset: 76, vmOffset: 192 },
  dataEnd: { offset: 80, vmOffset: 200 },
  dataMeta: { offset: 140, vmOffset: 208 },
};

const SKB_PROG_TYPES = new Set([
  "SOCKET_FILTER",
  "SCHED_CLS",
  "SCHED_ACT",
  "CGROUP_SKB",
  "LWT_IN",
  "LWT_OUT",
  "LWT_XMIT",
  "LWT_SEG6LOCAL",
  "SK_SKB",
]);

/** The packet context layout of a program type (name without prefix), or undefined. */
export function packetContextFor(progType: string | undefined): PacketContextLayout | undefined {
  if (progType === "XDP") return XDP_MD;
  return progType !== undefined && SKB_PROG_TYPES.has(progType) ? SK_BUFF : undefined;
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
  if (layout.kind === "xdp_md") {
    view.setUint32(12, ifindex, true);
    view.setUint32(16, opts.rxQueue ?? 0, true);
  } else {
    view.setUint32(0, packet.length, true); // len
    view.setUint32(8, opts.mark ?? 0, true); // mark
    // protocol: skb->protocol is the EtherType in network order, read as a native u16.
    if (packet.length >= 14) view.setUint32(16, packet[12]! | (packet[13]! << 8), true);
    view.setUint32(36, ifindex, true); // ingress_ifindex
    view.setUint32(40, ifindex, true); // ifindex
    view.setUint32(160, packet.length, true); // wire_len
  }
  const ctx = memory.map(bytes, { writable: true, kind: "context", name: layout.kind });
  return { ctx, packet: pkt };
}
