/**
 * XDP attachment to a network interface with BPF_LINK_CREATE (attach type BPF_XDP, Linux 5.9+): the
 * link detaches when closed, unlike the netlink attachment which outlives the process.
 * Documentation/networking/xdp (modes: driver/native, generic/skb, offload/hw).
 */
import { LoaderError } from "../errors.ts";
import { OwnedFd } from "../fd.ts";
import { bpf } from "../sys/bpf.ts";
import { AttachType, BpfCmd, XdpFlag } from "../sys/constants.ts";
import { interfaceIndex } from "../sys/libc.ts";
import { LINK_CREATE } from "../sys/layouts.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** XDP mode: `native` (driver), `generic` (skb, works on any device), `offload` (NIC), or default. */
export type XdpMode = "default" | "native" | "generic" | "offload";

const MODE_FLAGS: Readonly<Record<XdpMode, number>> = {
  default: 0,
  native: XdpFlag.DRV_MODE,
  generic: XdpFlag.SKB_MODE,
  offload: XdpFlag.HW_MODE,
};

/** The ifindex of an interface name (or a validated index), or a LoaderError. */
export function resolveInterface(iface: string | number): number {
  if (typeof iface === "number") {
    if (!Number.isInteger(iface) || iface <= 0) {
      throw new LoaderError(`interface index must be a positive integer, got ${iface}`);
    }
    return iface;
  }
  if (iface.length === 0 || iface.length > 15 || iface.includes("/")) {
    throw new LoaderError(`"${iface}" is not a valid network interface name`);
  }
  const index = interfaceIndex(iface);
  if (index === 0) throw new LoaderError(`no network interface named "${iface}" (see: ip link)`);
  return index;
}

/** Attaches an XDP program to interface `iface` (name or ifindex). */
export function attachXdp(
  prog: AttachableProgram,
  iface: string | number,
  mode: XdpMode = "default",
): KernelLink {
  const ifindex = resolveInterface(iface);
  const { ret } = bpf(
    BpfCmd.LINK_CREATE,
    LINK_CREATE,
    { prog_fd: prog.fd, target_fd: ifindex, attach_type: AttachType.XDP, flags: MODE_FLAGS[mode] },
    `attaching XDP program "${prog.name}" to ${iface} (${mode} mode)`,
  );
  return new KernelLink("xdp", String(iface), [new OwnedFd(ret)]);
}
