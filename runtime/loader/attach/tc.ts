/**
 * tc (traffic control) programs attached with tcx links: BPF_LINK_CREATE with attach type
 * BPF_TCX_INGRESS or BPF_TCX_EGRESS and the interface index as target (Linux 6.6+, the "tcx" fd-based
 * multi-program attach point of kernel/bpf/tcx.c; no qdisc or tc filter is involved). The link
 * detaches when closed, so nothing outlives the process; other programs already on the hook keep
 * running (tcx is multi-program; a new link is appended after them).
 *
 * SEC("tcx/ingress"), SEC("tcx/egress"), SEC("tc/ingress"), SEC("tc/egress") name their direction.
 * Legacy SEC("tc") / SEC("classifier") do not: they attach to ingress unless the caller asks for
 * egress (`AttachOptions.tcDirection`). Return codes are TC_ACT_* (0 OK, 2 SHOT, ...) or TCX_NEXT (-1)
 * to let the next program decide.
 *
 * SEC("netkit/primary") and SEC("netkit/peer") programs attach the same way to a netkit device, with
 * netkit link attach types.
 */
import { KernelError, LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { tryBpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd, ProgType } from "../sys/constants.ts";
import { LINK_CREATE } from "../sys/layouts.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";
import { resolveInterface } from "./xdp.ts";
import { ERRNO } from "../sys/errno.ts";
import { programKindOnKernel } from "../kind-refusal.ts";
import { kernelConfig } from "../trampoline-refusal.ts";

/** Which way packets flow through the hook. */
export type TcDirection = "ingress" | "egress";

/** BPF_TCX_INGRESS / BPF_TCX_EGRESS (newer than the generated header: constants.ts keeps them). */
const TCX: Readonly<Record<TcDirection, number>> = {
  ingress: (AttachType as Readonly<Record<string, number>>).TCX_INGRESS!,
  egress: (AttachType as Readonly<Record<string, number>>).TCX_EGRESS!,
};

/** The direction a tc section names (`ingress`, `egress`, or "" for the ingress default). */
export function parseTcDirection(target: string, fallback: TcDirection = "ingress"): TcDirection {
  if (target === "") return fallback;
  if (target === "ingress" || target === "egress") return target;
  throw new LoaderError(`tc section direction must be "ingress" or "egress", got "${target}"`);
}

/** Attaches a SCHED_CLS program to `iface` (name or ifindex) at tcx ingress or egress. */
export function attachTcx(
  prog: AttachableProgram,
  iface: string | number,
  direction: TcDirection = "ingress",
): KernelLink {
  if (prog.type !== ProgType.SCHED_CLS) {
    throw new LoaderError(
      `program "${prog.name}" is not a tc classifier (SCHED_CLS) program; tcx attaches only those`,
    );
  }
  const ifindex = resolveInterface(iface);
  const what = `attaching tc program "${prog.name}" to ${iface} ${direction} (tcx)`;
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE, {
    prog_fd: prog.fd,
    target_fd: ifindex,
    attach_type: TCX[direction],
    flags: 0,
  });
  if (r.errno !== 0) {
    const hint =
      r.errno === ERRNO.EINVAL
        ? "the kernel does not accept a tcx link here: tcx needs Linux 6.6+ built with CONFIG_NET_XGRESS"
        : undefined;
    throw new KernelError("BPF_LINK_CREATE", r.errno, what, hint);
  }
  return new KernelLink(`tcx_${direction}`, String(iface), [new OwnedFd(r.ret)]);
}

/** Which device of a netkit pair a netkit program runs for. */
export type NetkitSide = "primary" | "peer";

const NETKIT: Readonly<Record<NetkitSide, number>> = {
  primary: (AttachType as Readonly<Record<string, number>>).NETKIT_PRIMARY!,
  peer: (AttachType as Readonly<Record<string, number>>).NETKIT_PEER!,
};

/**
 * Attaches a SCHED_CLS program to the netkit device `iface` (Linux 6.7+, drivers/net/netkit.c) with
 * a netkit link: BPF_LINK_CREATE with attach type BPF_NETKIT_PRIMARY or BPF_NETKIT_PEER.
 */
export function attachNetkit(
  prog: AttachableProgram,
  iface: string | number,
  side: NetkitSide,
): KernelLink {
  if (prog.type !== ProgType.SCHED_CLS) {
    throw new LoaderError(
      `program "${prog.name}" is not a tc classifier (SCHED_CLS) program; netkit attaches only those`,
    );
  }
  const ifindex = resolveInterface(iface);
  const what = `attaching netkit program "${prog.name}" to ${iface} (netkit/${side})`;
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE, {
    prog_fd: prog.fd,
    target_fd: ifindex,
    attach_type: NETKIT[side],
    flags: 0,
  });
  if (r.errno !== 0)
    throw new KernelError("BPF_LINK_CREATE", r.errno, what, netkitHint(r.errno, side));
  return new KernelLink(`netkit_${side}`, String(iface), [new OwnedFd(r.ret)]);
}

/** Why a netkit link was refused: no netkit driver (EINVAL from its stub), or not a netkit device. */
function netkitHint(errno: number, side: NetkitSide): string | undefined {
  const kind = programKindOnKernel(ProgType.SCHED_CLS, NETKIT[side]);
  if (errno === ERRNO.EINVAL && kernelConfig("CONFIG_NETKIT") === "n")
    return `${kind} cannot attach: the kernel is built without CONFIG_NETKIT, which netkit links need`;
  if (errno === ERRNO.ENXIO || errno === ERRNO.EINVAL)
    return "the interface is not a netkit device (create a pair with `ip link add type netkit`)";
  return undefined;
}
