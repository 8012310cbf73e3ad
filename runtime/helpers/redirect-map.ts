/**
 * bpf_redirect_map for XDP (net/core/filter.c `__bpf_xdp_redirect_map`): looks the key up in a
 * devmap, devmap_hash, cpumap or xskmap (runtime/maps/redirect-map.ts) and returns XDP_REDIRECT with
 * the target recorded on the run's packet state, or, when the key has no entry, the fallback verdict
 * in the flags' low two bits. Flags outside those bits (and, for device maps, BPF_F_BROADCAST |
 * BPF_F_EXCLUDE_INGRESS) are XDP_ABORTED; a broadcast redirects whatever the key.
 */
import { mapKind } from "../../core/kernel/index.ts";
import { returnValue } from "../../core/kernel/return-codes.ts";
import { RedirectMap } from "../maps/redirect-map.ts";
import type { HelperImpl } from "./types.ts";
import { helperError, mapArg } from "./types.ts";

const XDP_ABORTED = returnValue("XDP_ABORTED");
const XDP_REDIRECT = returnValue("XDP_REDIRECT");
/** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback verdict bits. */
const ACTION_MASK = 3n;
const BPF_F_BROADCAST = 8n;
const BPF_F_EXCLUDE_INGRESS = 16n;

/** The redirect_map helper. */
export const REDIRECT_MAP_HELPERS: readonly HelperImpl[] = [
  {
    name: "redirect_map",
    fn(call, env) {
      const m = mapArg(call, env, 1, "redirect_map");
      if (!(m instanceof RedirectMap) || !mapKind(m.kind)?.redirect)
        throw helperError("redirect_map", `map ${m.spec.name} is a ${m.kind}, not a redirect map`);
      const p = env.packet;
      if (!p?.isXdp) throw helperError("redirect_map", "needs an xdp_md context");
      const key = Number(BigInt.asUintN(32, call.args[1]!));
      const flags = call.args[2]!;
      const devices = m.kind === "devmap" || m.kind === "devmap_hash";
      const allowed = ACTION_MASK | (devices ? BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS : 0n);
      if ((flags & ~allowed) !== 0n) return XDP_ABORTED;
      const broadcast = (flags & BPF_F_BROADCAST) !== 0n;
      const value = m.target(key);
      if (value === undefined && !broadcast) return flags & ACTION_MASK;
      p.redirect = {
        helper: "redirect_map",
        ifindex: broadcast ? 0 : value!,
        ingress: false,
        map: m.spec.name,
        key,
        ...(broadcast ? { broadcast } : {}),
      };
      return XDP_REDIRECT;
    },
  },
];
