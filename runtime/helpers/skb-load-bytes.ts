/**
 * bpf_skb_load_bytes (net/core/filter.c `bpf_skb_load_bytes`): copies `len` bytes at `offset` of the
 * packet of a `struct __sk_buff` context into program memory. Socket filters need it: they may not
 * read packet memory directly.
 *
 * Consumes r1 = the context the VM built (runtime/vm/contexts.ts: the 64-bit data / data_end slots
 * after the uapi struct), r2 = offset, r3 = destination, r4 = len. Produces 0, or -EFAULT with the
 * destination zeroed when [offset, offset + len) is not inside the packet (the kernel's behaviour).
 */
import { Errno } from "../maps/index.ts";
import type { HelperCall } from "../vm/contract.ts";
import { SK_BUFF } from "../vm/contexts.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, numArg } from "./types.ts";

function skbLoadBytes(call: HelperCall): bigint {
  const offset = numArg(call, 2);
  const dst = call.args[2];
  const len = numArg(call, 4);
  call.memory.resolve(dst, len, true);
  const ctx = call.args[0];
  let slots: DataView;
  try {
    const raw = call.memory.read(ctx + BigInt(SK_BUFF.data.vmOffset), 16);
    slots = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  } catch {
    throw helperError("skb_load_bytes", "r1 is not a __sk_buff context");
  }
  const data = slots.getBigUint64(0, true);
  const dataEnd = slots.getBigUint64(8, true);
  // offset is a u32 in the kernel's prototype; a "negative" one is simply out of range here.
  if (len === 0 || data + BigInt(offset) + BigInt(len) > dataEnd) {
    call.memory.write(dst, new Uint8Array(len));
    return errno(Errno.EFAULT);
  }
  call.memory.write(dst, call.memory.read(data + BigInt(offset), len));
  return 0n;
}

/** The socket-buffer helpers. */
export const SKB_HELPERS: readonly HelperImpl[] = [{ name: "skb_load_bytes", fn: skbLoadBytes }];
