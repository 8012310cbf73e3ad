/**
 * An attachment of a program to a hook, whatever the mechanism: a BPF link fd, plus any fds that
 * keep the hook alive (the perf event of a tracepoint or perf_event attachment).
 *
 * Invariant: `detach()` releases everything exactly once; after it the program no longer runs at the
 * hook and `bpftool link show` no longer lists it (releasing the last reference to a link detaches
 * it: kernel/bpf/syscall.c, bpf_link_release).
 */
import type { OwnedFd } from "../fd.ts";
import { linkInfo, type LinkInfo } from "../info.ts";
import { tryBpf } from "../sys/bpf.ts";
import { BpfCmd } from "../sys/constants.ts";
import { LINK_DETACH } from "../sys/layouts.ts";

/** A live attachment. */
export class KernelLink {
  #detached = false;

  constructor(
    /** Attach kind (`tracepoint`, `fentry`, `xdp`, ...). */
    readonly kind: string,
    /** What it is attached to (`syscalls/sys_enter_getppid`, `lo`, `cpu-clock`, ...). */
    readonly target: string,
    /** BPF link fds (one per CPU for perf events). */
    readonly links: readonly OwnedFd[],
    /** Fds that must stay open while attached (perf events), closed after the links. */
    readonly extra: readonly OwnedFd[] = [],
  ) {}

  /** True once detached. */
  get isDetached(): boolean {
    return this.#detached;
  }

  /** Kernel info of the (first) link: id, type, program id. */
  info(): LinkInfo {
    return linkInfo(this.links[0]!.fd);
  }

  /** Detaches (BPF_LINK_DETACH where supported, then closes every fd). Idempotent. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    for (const l of this.links) {
      if (l.isClosed) continue;
      // Forces detach even if the link was pinned; kinds without detach support answer
      // EOPNOTSUPP/EINVAL, and then closing the fd below is what detaches.
      tryBpf(BpfCmd.LINK_DETACH, LINK_DETACH, { link_fd: l.fd });
      l.close();
    }
    for (const fd of this.extra) fd.close();
  }

  /** Same as `detach()`, so links fit the `Closable` scope pattern. */
  close(): void {
    this.detach();
  }

  [Symbol.dispose](): void {
    this.detach();
  }
}
