/**
 * BPF links of the socket-level kinds, all with BPF_LINK_CREATE:
 * - sk_lookup and flow_dissector attach to a network namespace: the target fd is its nsfs file
 *   (`/proc/self/ns/net`, or `/run/netns/<name>` of `ip netns add`).
 * - sk_skb and sk_msg attach to a sockmap / sockhash: the target fd is the map (links need Linux
 *   6.10+; older kernels only take BPF_PROG_ATTACH there).
 * - netfilter programs attach to a netfilter hook of the current namespace: protocol family, hook
 *   and priority (Linux 6.4+ built with CONFIG_NETFILTER_BPF_LINK).
 * Every link detaches when closed.
 */
import { closeSync, openSync } from "node:fs";
import { KernelError, LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { tryBpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd } from "../sys/constants.ts";
import { ERRNO } from "../sys/errno.ts";
import { LINK_CREATE, LINK_CREATE_NETFILTER } from "../sys/layouts.ts";
import { attachName } from "./cgroup.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** The network namespace of this process. */
export const CURRENT_NETNS = "/proc/self/ns/net";

function linkError(what: string, errno: number, hint?: string): never {
  throw new KernelError("BPF_LINK_CREATE", errno, what, hint);
}

/** Attaches an sk_lookup or flow_dissector program to the network namespace at `netns`. */
export function attachNetns(prog: AttachableProgram, netns: string = CURRENT_NETNS): KernelLink {
  const what = `attaching ${prog.name} (${attachName(prog.expectedAttachType)}) to network namespace ${netns}`;
  let fd: number;
  try {
    fd = openSync(netns, "r");
  } catch (e) {
    throw new LoaderError(
      `cannot open network namespace ${netns} (${(e as NodeJS.ErrnoException).code}); give an nsfs file such as /proc/<pid>/ns/net or /run/netns/<name>`,
    );
  }
  try {
    const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE, {
      prog_fd: prog.fd,
      target_fd: fd,
      attach_type: prog.expectedAttachType,
      flags: 0,
    });
    if (r.errno !== 0)
      linkError(
        what,
        r.errno,
        r.errno === ERRNO.EINVAL ? `${netns} is not a network namespace file` : undefined,
      );
    return new KernelLink(attachName(prog.expectedAttachType).toLowerCase(), netns, [
      new OwnedFd(r.ret),
    ]);
  } finally {
    closeSync(fd);
  }
}

/** Attaches an sk_skb or sk_msg program to the sockmap / sockhash whose fd is `mapFd`. */
export function attachSockMap(prog: AttachableProgram, mapFd: number): KernelLink {
  const what = `attaching ${prog.name} (${attachName(prog.expectedAttachType)}) to sockmap fd ${mapFd}`;
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE, {
    prog_fd: prog.fd,
    target_fd: mapFd,
    attach_type: prog.expectedAttachType,
    flags: 0,
  });
  if (r.errno !== 0)
    linkError(
      what,
      r.errno,
      r.errno === ERRNO.EINVAL
        ? "the target must be a sockmap or sockhash, and sockmap links need Linux 6.10+"
        : undefined,
    );
  return new KernelLink(attachName(prog.expectedAttachType).toLowerCase(), `map fd ${mapFd}`, [
    new OwnedFd(r.ret),
  ]);
}

/** Protocol families of netfilter hooks (linux/netfilter.h NFPROTO_*). */
export const NFPROTO = { ipv4: 2, ipv6: 10 } as const;
/** Netfilter hooks (linux/netfilter.h enum nf_inet_hooks). */
export const NF_HOOK = {
  prerouting: 0,
  local_in: 1,
  forward: 2,
  local_out: 3,
  postrouting: 4,
} as const;

/** Where a netfilter program runs. */
export interface NetfilterOptions {
  readonly pf?: keyof typeof NFPROTO;
  readonly hook?: keyof typeof NF_HOOK;
  /** Hook priority; not INT_MIN or INT_MAX (reserved). Default 0. */
  readonly priority?: number;
}

/** Attaches a netfilter program (default: IPv4, local_in, priority 0) in this network namespace. */
export function attachNetfilter(prog: AttachableProgram, opts: NetfilterOptions = {}): KernelLink {
  const pf = opts.pf ?? "ipv4";
  const hook = opts.hook ?? "local_in";
  const priority = opts.priority ?? 0;
  if (!(pf in NFPROTO)) throw new LoaderError(`netfilter family must be ipv4 or ipv6, got "${pf}"`);
  if (!(hook in NF_HOOK))
    throw new LoaderError(
      `netfilter hook must be one of ${Object.keys(NF_HOOK).join(", ")}, got "${hook}"`,
    );
  if (!Number.isInteger(priority) || priority <= -(2 ** 31) || priority >= 2 ** 31 - 1)
    throw new LoaderError(
      `netfilter priority must be an integer strictly between INT_MIN and INT_MAX, got ${priority}`,
    );
  const what = `attaching netfilter program ${prog.name} to ${pf} ${hook} (priority ${priority})`;
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE_NETFILTER, {
    prog_fd: prog.fd,
    target_fd: 0,
    attach_type: AttachType.NETFILTER,
    flags: 0,
    pf: NFPROTO[pf],
    hooknum: NF_HOOK[hook],
    priority: priority >>> 0,
    nf_flags: 0,
  });
  if (r.errno !== 0)
    linkError(
      what,
      r.errno,
      r.errno === ERRNO.EOPNOTSUPP || r.errno === ERRNO.EINVAL
        ? "netfilter links need Linux 6.4+ built with CONFIG_NETFILTER_BPF_LINK"
        : undefined,
    );
  return new KernelLink("netfilter", `${pf}/${hook}`, [new OwnedFd(r.ret)]);
}
