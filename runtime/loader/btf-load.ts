/**
 * Loading raw BTF (the `.BTF` section bytes, Documentation/bpf/btf.rst §2) into the kernel with
 * BPF_BTF_LOAD, capturing the BTF verifier's log on rejection.
 *
 * Consumes: BTF bytes (header + type section + string section). Produces: a `KernelBtf` owning the
 * fd, which maps (btf_fd + key/value type ids) and programs (prog_btf_fd + func/line info) reference.
 */
import { KernelError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { readU32 } from "./sys/attr.ts";
import { tryBpf } from "./sys/bpf.ts";
import { BpfCmd } from "./sys/constants.ts";
import { BTF_LOAD } from "./sys/layouts.ts";
import { ERRNO } from "./sys/errno.ts";

/** Rejected BTF: the kernel's log explains which type is wrong. */
export class BtfLoadError extends KernelError {
  constructor(
    errno: number,
    /** The BTF verifier log. */
    readonly log: string,
  ) {
    super("BPF_BTF_LOAD", errno, "loading BTF");
    this.name = "BtfLoadError";
    if (log.trim()) this.message += `\n${log.trimEnd().split("\n").slice(-15).join("\n")}`;
  }
}

/** A BTF object in the kernel. */
export class KernelBtf {
  constructor(readonly handle: OwnedFd) {}

  get fd(): number {
    return this.handle.fd;
  }

  close(): void {
    this.handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Loads BTF; on rejection retries with a log (level 1) and throws `BtfLoadError` with it. */
export function loadBtf(bytes: Uint8Array): KernelBtf {
  let size = 0;
  for (;;) {
    const log = new Uint8Array(size);
    const r = tryBpf(BpfCmd.BTF_LOAD, BTF_LOAD, {
      btf: bytes,
      btf_size: bytes.length,
      btf_log_buf: size ? log : 0n,
      btf_log_size: size,
      btf_log_level: size ? 1 : 0,
    });
    if (r.errno === 0) return new KernelBtf(new OwnedFd(r.ret));
    if (size === 0) {
      size = 64 * 1024;
      continue;
    }
    if (r.errno === ERRNO.ENOSPC && size < 16 << 20) {
      size = Math.max(size * 4, readU32(BTF_LOAD, r.attr, "btf_log_true_size") + 1);
      continue;
    }
    const end = log.indexOf(0);
    throw new BtfLoadError(
      r.errno,
      new TextDecoder().decode(log.subarray(0, end < 0 ? log.length : end)),
    );
  }
}
