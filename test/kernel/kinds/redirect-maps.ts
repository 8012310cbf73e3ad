/**
 * Kernel fixture: XDP redirects through each redirect map kind (bpf_redirect_map). Each program
 * redirects through its map by a key from the frame's first byte, falling back to XDP_PASS
 * (devmaps), XDP_DROP (cpumap) or XDP_ABORTED (xskmap) when the key has no entry.
 */
import {
  CpuMap,
  DevMap,
  DevMapHash,
  XskMap,
  XDP_ABORTED,
  XDP_DROP,
  XDP_PASS,
  redirectMap,
  xdp,
  type u8,
} from "tsbpf";

export const tx = new DevMap({ maxEntries: 4 });
export const byIfindex = new DevMapHash({ maxEntries: 4 });
export const cpus = new CpuMap({ maxEntries: 2 });
export const xsks = new XskMap({ maxEntries: 2 });

export const toSlot = xdp((ctx) => {
  const b = ctx.header<u8>(0);
  return redirectMap(tx, b === null ? 0 : b.value, XDP_PASS);
});
export const toIngress = xdp((ctx) => redirectMap(byIfindex, ctx.ingress_ifindex, XDP_PASS));
export const toCpu = xdp(() => redirectMap(cpus, 1, XDP_DROP));
export const toSocket = xdp((ctx) => redirectMap(xsks, ctx.rx_queue_index, XDP_ABORTED));

export const license = "GPL";
