/**
 * Helpers that call back into the program: bpf_loop (kernel/bpf/bpf_iter.c) and
 * bpf_for_each_map_elem (kernel/bpf/arraymap.c, hashtab.c `bpf_for_each_*_elem`). The callback is
 * a subprogram of the running program, run by the engine (`HelperCall.callFunction`) in a frame one
 * level deeper, so it reads and writes the caller's stack through `callback_ctx` as in the kernel.
 *
 * Kernel semantics kept: flags other than 0 are -EINVAL; bpf_loop refuses more than 1 << 23 loops
 * (-E2BIG), passes (index, ctx), stops when the callback returns non-zero and returns the loops run;
 * bpf_for_each_map_elem passes (map, &key, &value, ctx) for each element in the map's order
 * (for per-CPU maps the current CPU's value), stops on non-zero and returns the elements visited.
 * The key a callback sees is a read-only copy (the kernel's is read-only too).
 */
import { mapKind } from "../../core/kernel/index.ts";
import { errno, helperError, mapArg, type HelperImpl } from "./types.ts";

const EINVAL = 22;
const E2BIG = 7;
/** BPF_MAX_LOOPS (include/linux/bpf.h). */
const MAX_LOOPS = 1 << 23;

const loop: HelperImpl = {
  name: "loop",
  fn: (call) => {
    const [nrArg, fn, ctx, flags] = call.args;
    if (flags !== 0n) return errno(EINVAL);
    const nr = Number(BigInt.asUintN(32, nrArg));
    if (nr > MAX_LOOPS) return errno(E2BIG);
    for (let i = 0; i < nr; i++) {
      if (call.callFunction(fn, [BigInt(i), ctx]) !== 0n) return BigInt(i + 1);
    }
    return BigInt(nr);
  },
};

const forEachMapElem: HelperImpl = {
  name: "for_each_map_elem",
  fn: (call, env) => {
    const map = mapArg(call, env, 1, "for_each_map_elem");
    const [handle, fn, ctx, flags] = call.args;
    if (!mapKind(map.kind)?.forEach)
      throw helperError("for_each_map_elem", `map ${map.spec.name} (${map.kind}) cannot be walked`);
    if (flags !== 0n) return errno(EINVAL);
    let visited = 0;
    for (const key of map.keys()) {
      const value = map.lookupAddress(key);
      if (value === 0n) continue; // deleted by an earlier callback of this walk
      visited++;
      const keyRegion = call.memory.map(key, {
        writable: false,
        kind: "helper_buffer",
        name: `bpf_for_each_map_elem key of ${map.spec.name}`,
      });
      try {
        if (call.callFunction(fn, [handle, keyRegion.base, value, ctx]) !== 0n) break;
      } finally {
        call.memory.unmap(keyRegion);
      }
    }
    return BigInt(visited);
  },
};

/** The callback helpers. */
export const CALLBACK_HELPERS: readonly HelperImpl[] = [loop, forEachMapElem];
