/**
 * Binding a program to an open perf event: BPF_LINK_CREATE with attach type BPF_PERF_EVENT (Linux
 * 5.15+, gives a real link that `bpftool link` lists), falling back to PERF_EVENT_IOC_SET_BPF +
 * PERF_EVENT_IOC_ENABLE on kernels without perf links. Shared by tracepoint, perf_event, kprobe and
 * uprobe attachment.
 */
import { KernelError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { tryBpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd } from "../sys/constants.ts";
import { LINK_CREATE_PERF } from "../sys/layouts.ts";
import { PerfIoctl, perfIoctl } from "../sys/perf.ts";
import { ERRNO } from "../sys/errno.ts";

/** A program as attachment needs it. */
export interface AttachableProgram {
  readonly fd: number;
  readonly name: string;
  readonly type: number;
  readonly expectedAttachType: number;
}

/**
 * Links `prog` to the perf event `perf`, with `cookie` as the attachment's bpf cookie
 * (bpf_get_attach_cookie). Returns the link fd, or undefined when the legacy ioctl path was used
 * (then the perf fd alone holds the attachment; it has no cookie, so a non-zero one is an error).
 */
export function linkPerfEvent(
  prog: AttachableProgram,
  perf: OwnedFd,
  what: string,
  cookie = 0n,
): OwnedFd | undefined {
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE_PERF, {
    prog_fd: prog.fd,
    target_fd: perf.fd,
    attach_type: AttachType.PERF_EVENT,
    bpf_cookie: cookie,
  });
  if (r.errno === 0) return new OwnedFd(r.ret);
  if (r.errno !== ERRNO.EINVAL) throw new KernelError("BPF_LINK_CREATE", r.errno, what);
  if (cookie !== 0n)
    throw new KernelError(
      "BPF_LINK_CREATE",
      r.errno,
      `${what}: the attachment needs a bpf cookie, which only BPF perf links carry (Linux 5.15)`,
    );
  perfIoctl(perf.fd, PerfIoctl.SET_BPF, prog.fd, what);
  perfIoctl(perf.fd, PerfIoctl.ENABLE, 0, what);
  return undefined;
}
