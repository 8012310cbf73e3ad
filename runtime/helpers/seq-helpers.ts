/**
 * An iterator's output: the `seq_file` of one VM iterator run (runtime/vm/iter.ts) and the helpers
 * that write into it, bpf_seq_printf and bpf_seq_write (kernel/trace/bpf_trace.c), with the
 * kernel's buffer rules (fs/seq_file.c): the text of one call goes in only when it fits with room
 * to spare (`count + len < size`), else the buffer is marked overflowed (`count = size`) and the
 * helper returns -EOVERFLOW; bpf_seq_read then drops the current object's output and hands out
 * what came before it.
 *
 * bpf_seq_printf formats with the printk helpers' formatter (printk.ts: the same conversions, the
 * same -EINVAL for a format the kernel rejects), without their 1 KiB cut: the seq_file buffer is
 * the limit.
 */
import { Errno } from "../maps/index.ts";
import type { HelperCall } from "../vm/contract.ts";
import type { HelperEnv } from "./env.ts";
import { formatBpfPrintf, printfMemory, readArgArray, readFormat } from "./printk.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, numArg } from "./types.ts";

/** bpf_seq_read's buffer: `seq->size = PAGE_SIZE << 3` (kernel/bpf/bpf_iter.c). */
export const SEQ_BUFFER_SIZE = 4096 << 3;

/** The buffer of the `struct seq_file` whose address the iterator's programs get in ctx->meta. */
export class SeqBuffer {
  readonly buf: Uint8Array;
  /** Bytes held; `size` when overflowed (seq_set_overflow). */
  count = 0;

  constructor(
    /** The address of the seq_file the programs see (`meta->seq`). */
    readonly address: bigint,
    readonly size = SEQ_BUFFER_SIZE,
  ) {
    this.buf = new Uint8Array(size);
  }

  get overflowed(): boolean {
    return this.count === this.size;
  }

  /** seq_write: appends `bytes` when they fit with a byte to spare; else marks the overflow. */
  append(bytes: Uint8Array): boolean {
    if (this.count + bytes.length < this.size) {
      this.buf.set(bytes, this.count);
      this.count += bytes.length;
      return true;
    }
    this.count = this.size;
    return false;
  }
}

/** The running iterator's buffer, when `m` is its seq_file; a VmError otherwise. */
function seqOf(call: HelperCall, env: HelperEnv, helper: string): SeqBuffer {
  const seq = env.seq;
  if (!seq)
    throw helperError(
      helper,
      "no seq_file: this run is not an iterator's (run an iter/<target> program with iterate())",
    );
  if (BigInt.asUintN(64, call.args[0]) !== seq.address)
    throw helperError(
      helper,
      `r1 (0x${call.args[0].toString(16)}) is not the iterator's seq_file (ctx->meta->seq)`,
    );
  return seq;
}

/** The iterator output helpers. */
export const SEQ_HELPERS: readonly HelperImpl[] = [
  {
    name: "seq_printf",
    fn(call, env) {
      // long bpf_seq_printf(struct seq_file *m, const char *fmt, u32 fmt_size, const void *data, u32 data_len)
      const seq = seqOf(call, env, "seq_printf");
      const fmt = readFormat(call, call.args[1], numArg(call, 3));
      const args = readArgArray(call, call.args[3], numArg(call, 5));
      if (fmt === null || args === null) return errno(Errno.EINVAL);
      const text = formatBpfPrintf(fmt, args, printfMemory(call.memory, env), Infinity);
      if (text === null) return errno(Errno.EINVAL);
      const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
      return seq.append(bytes) ? 0n : errno(Errno.EOVERFLOW);
    },
  },
  {
    name: "seq_write",
    fn(call, env) {
      // long bpf_seq_write(struct seq_file *m, const void *data, u32 len)
      const seq = seqOf(call, env, "seq_write");
      const bytes = call.memory.read(call.args[1], numArg(call, 3));
      return seq.append(bytes) ? 0n : errno(Errno.EOVERFLOW);
    },
  },
];
