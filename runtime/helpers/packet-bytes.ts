/**
 * Packet byte helpers (net/core/filter.c): bpf_skb_load_bytes / bpf_skb_store_bytes on a
 * `struct __sk_buff` context, bpf_xdp_load_bytes / bpf_xdp_store_bytes / bpf_xdp_get_buff_len on a
 * `struct xdp_md` context. Socket filters need skb_load_bytes: they may not read packet memory
 * directly.
 *
 * Consumes r1 = the context the VM built (runtime/vm/contexts.ts: the 64-bit data / data_end slots
 * after the uapi struct), then offset, buffer and length as the prototypes order them. Produces 0,
 * or -EFAULT (loads zero the destination, as the kernel does) when [offset, offset + len) is not
 * inside the packet; a zero length is -EFAULT for skb loads and stores and -EINVAL for XDP (the
 * kernel's `bpf_xdp_pointer` refuses it).
 */
import { Errno } from "../maps/index.ts";
import type { HelperCall } from "../vm/contract.ts";
import { SK_BUFF, XDP_MD, type PacketContextLayout } from "../vm/contexts.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, numArg } from "./types.ts";

/** The packet's [data, data_end) addresses from a VM context of `layout`. */
function packetOf(call: HelperCall, layout: PacketContextLayout, helper: string) {
  try {
    const raw = call.memory.read(call.args[0] + BigInt(layout.data.vmOffset), 16);
    const slots = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { data: slots.getBigUint64(0, true), dataEnd: slots.getBigUint64(8, true) };
  } catch {
    throw helperError(helper, `r1 is not a ${layout.kind} context`);
  }
}

/** A load or store of `len` bytes between the packet at `offset` and the buffer `buf`. */
function packetCopy(
  call: HelperCall,
  layout: PacketContextLayout,
  helper: string,
  store: boolean,
  args: { offset: number; buf: bigint; len: number },
): bigint {
  const { offset, buf, len } = args;
  call.memory.resolve(buf, len, !store);
  const { data, dataEnd } = packetOf(call, layout, helper);
  // offset is a u32 in the kernel's prototype; a "negative" one is simply out of range here.
  const inside = len > 0 && data + BigInt(offset) + BigInt(len) <= dataEnd;
  if (!inside) {
    if (!store && len > 0) call.memory.write(buf, new Uint8Array(len));
    return errno(len === 0 && layout === XDP_MD ? Errno.EINVAL : Errno.EFAULT);
  }
  const at = data + BigInt(offset);
  if (store) call.memory.write(at, call.memory.read(buf, len));
  else call.memory.write(buf, call.memory.read(at, len));
  return 0n;
}

/** The packet byte helpers. */
export const PACKET_HELPERS: readonly HelperImpl[] = [
  {
    name: "skb_load_bytes",
    fn: (c) =>
      packetCopy(c, SK_BUFF, "skb_load_bytes", false, {
        offset: numArg(c, 2),
        buf: c.args[2],
        len: numArg(c, 4),
      }),
  },
  {
    name: "skb_store_bytes",
    fn: (c) =>
      // Only BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH are flags (the VM keeps no skb->csum).
      (c.args[4] & ~3n) !== 0n
        ? errno(Errno.EINVAL)
        : packetCopy(c, SK_BUFF, "skb_store_bytes", true, {
            offset: numArg(c, 2),
            buf: c.args[2],
            len: numArg(c, 4),
          }),
  },
  {
    name: "xdp_load_bytes",
    fn: (c) =>
      packetCopy(c, XDP_MD, "xdp_load_bytes", false, {
        offset: numArg(c, 2),
        buf: c.args[2],
        len: numArg(c, 4),
      }),
  },
  {
    name: "xdp_store_bytes",
    fn: (c) =>
      packetCopy(c, XDP_MD, "xdp_store_bytes", true, {
        offset: numArg(c, 2),
        buf: c.args[2],
        len: numArg(c, 4),
      }),
  },
  {
    name: "xdp_get_buff_len",
    fn: (c) => {
      const { data, dataEnd } = packetOf(c, XDP_MD, "xdp_get_buff_len");
      return dataEnd - data;
    },
  },
];
