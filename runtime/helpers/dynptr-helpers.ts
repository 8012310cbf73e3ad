/**
 * bpf_user_ringbuf_drain (kernel/bpf/ringbuf.c) and bpf_dynptr_read (kernel/bpf/helpers.c): the
 * drain calls its callback once per pending sample of a user ring buffer, handing it the sample as
 * a dynptr that bpf_dynptr_read copies out of.
 *
 * A VM dynptr is a read-only 16-byte helper buffer laid out as the kernel's `struct
 * bpf_dynptr_kern`: the data address (u64), then the size (u32, low 24 bits) and the offset (u32);
 * the sample bytes are a read-only region of their own, unmapped with the dynptr once the callback
 * returns. Kernel semantics kept: drain flags other than BPF_RB_NO_WAKEUP / BPF_RB_FORCE_WAKEUP are
 * -EINVAL; it stops after the callback returns non-zero or after BPF_MAX_USER_RINGBUF_SAMPLES, each
 * sample is consumed once the callback saw it, and it returns how many it drained. bpf_dynptr_read
 * with flags is -EINVAL, past the dynptr's end -E2BIG.
 */
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import { UserRingBufMap } from "../maps/user-ringbuf.ts";
import { errno, helperError, mapArg, type HelperImpl } from "./types.ts";

const EINVAL = 22;
const E2BIG = 7;
/** BPF_MAX_USER_RINGBUF_SAMPLES (kernel/bpf/ringbuf.c). */
const MAX_SAMPLES = 128 * 1024;
const WAKEUP_FLAGS = BigInt(BPF_CONSTANTS.BPF_RB_NO_WAKEUP | BPF_CONSTANTS.BPF_RB_FORCE_WAKEUP);
/** `struct bpf_dynptr_kern`'s size field holds the size in its low 24 bits (DYNPTR_SIZE_MASK). */
const SIZE_MASK = 0xffffff;

const userRingbufDrain: HelperImpl = {
  name: "user_ringbuf_drain",
  fn: (call, env) => {
    const map = mapArg(call, env, 1, "user_ringbuf_drain");
    if (!(map instanceof UserRingBufMap))
      throw helperError(
        "user_ringbuf_drain",
        `map ${map.spec.name} (${map.kind}) is not a user_ringbuf`,
      );
    const [, fn, ctx, flags] = call.args;
    if ((flags! & ~WAKEUP_FLAGS) !== 0n) return errno(EINVAL);
    let drained = 0;
    while (drained < MAX_SAMPLES) {
      const sample = map.take();
      if (!sample) break;
      drained++;
      const data = call.memory.map(sample, {
        writable: false,
        kind: "helper_buffer",
        name: `user_ringbuf ${map.spec.name} sample`,
      });
      const kern = new Uint8Array(16);
      const view = new DataView(kern.buffer);
      view.setBigUint64(0, data.base, true);
      view.setUint32(8, sample.length, true);
      const dynptr = call.memory.map(kern, {
        writable: false,
        kind: "helper_buffer",
        name: `bpf_user_ringbuf_drain dynptr of ${map.spec.name}`,
      });
      try {
        if (call.callFunction(fn!, [dynptr.base, ctx!]) !== 0n) break;
      } finally {
        call.memory.unmap(dynptr);
        call.memory.unmap(data);
      }
    }
    return BigInt(drained);
  },
};

const dynptrRead: HelperImpl = {
  name: "dynptr_read",
  fn: (call) => {
    const [dst, lenArg, src, offArg, flags] = call.args;
    const len = Number(BigInt.asUintN(32, lenArg!));
    const off = Number(BigInt.asUintN(32, offArg!));
    const raw = call.memory.read(src!, 16);
    const kern = new DataView(raw.buffer, raw.byteOffset, 16);
    if (flags !== 0n) return errno(EINVAL);
    const size = kern.getUint32(8, true) & SIZE_MASK;
    if (off + len > size) return errno(E2BIG);
    const at = kern.getBigUint64(0, true) + BigInt(kern.getUint32(12, true) + off);
    call.memory.write(dst!, call.memory.read(at, len));
    return 0n;
  },
};

/** The dynptr helpers. */
export const DYNPTR_HELPERS: readonly HelperImpl[] = [userRingbufDrain, dynptrRead];
