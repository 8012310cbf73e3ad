/**
 * Kernel fixture: redirect maps whose values are the uapi structs that also name an XDP program
 * (`struct bpf_devmap_val`: an interface; `struct bpf_cpumap_val`: a queue size; then the fd of a
 * program the kernel runs on each frame redirected into the entry). `toEntry` redirects through
 * `egress` by the frame's first byte (XDP_PASS where the slot is empty), `toHashed` through
 * `egressByIfindex` by the ingress interface (XDP_DROP), `toCpu` through `cpus` to CPU 1
 * (XDP_ABORTED); `onEgress` and `onCpu` are the programs entries name.
 */
import {
  CpuMap,
  DevMap,
  DevMapHash,
  XDP_ABORTED,
  XDP_DROP,
  XDP_PASS,
  redirectMap,
  xdp,
  xdpMapEntry,
  type BpfCpumapVal,
  type BpfDevmapVal,
  type u8,
} from "tsbpf";

export const egress = new DevMap<BpfDevmapVal>({ maxEntries: 4 });
export const egressByIfindex = new DevMapHash<BpfDevmapVal>({ maxEntries: 4 });
export const cpus = new CpuMap<BpfCpumapVal>({ maxEntries: 2 });

export const toEntry = xdp((ctx) => {
  const b = ctx.header<u8>(0);
  return redirectMap(egress, b === null ? 0 : b.value, XDP_PASS);
});
export const toHashed = xdp((ctx) => redirectMap(egressByIfindex, ctx.ingress_ifindex, XDP_DROP));
export const toCpu = xdp(() => redirectMap(cpus, 1, XDP_ABORTED));
export const onEgress = xdpMapEntry("devmap", () => XDP_PASS);
export const onCpu = xdpMapEntry("cpumap", () => XDP_PASS);

export const license = "GPL";
