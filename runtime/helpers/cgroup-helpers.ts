/**
 * bpf_current_task_under_cgroup (kernel/trace/bpf_trace.c) and bpf_skb_under_cgroup
 * (net/core/filter.c): is the current task (the packet's socket) in the cgroup a CgroupArray slot
 * holds, or below it?
 *
 * The VM's task is in the cgroups `process.cgroups` lists (its own, then its ancestors); a
 * CgroupArray slot holds a cgroup id. A packet's socket is the running task's, as the socket
 * BPF_PROG_TEST_RUN gives a packet is (net/bpf/test_run.c). Kernel semantics kept: an index past
 * max_entries is -E2BIG, an empty slot -EAGAIN, otherwise 1 or 0.
 *
 * Also bpf_get_local_storage (kernel/bpf/helpers.c): the running program's value of a legacy cgroup
 * storage map (CgroupStorageMap: the VM's cgroup's, the current CPU's when per-CPU).
 */
import { mapKind } from "../../core/kernel/index.ts";
import { CgroupStorageMap } from "../maps/cgroup-storage.ts";
import { RedirectMap } from "../maps/redirect-map.ts";
import { Errno } from "../maps/types.ts";
import type { HelperEnv } from "./env.ts";
import type { HelperCall } from "../vm/contract.ts";
import { errno, helperError, mapArg, type HelperImpl } from "./types.ts";

/** The answer for the CgroupArray in argument `mapArgNo` and the index after it. */
function underCgroup(call: HelperCall, env: HelperEnv, mapArgNo: 1 | 2, helper: string): bigint {
  const m = mapArg(call, env, mapArgNo, helper);
  if (!(m instanceof RedirectMap) || mapKind(m.kind)?.kind !== "cgroup_array")
    throw helperError(helper, `map ${m.spec.name} is a ${m.kind}, not a cgroup_array`);
  const index = Number(BigInt.asUintN(32, call.args[mapArgNo]!));
  if (index >= m.spec.maxEntries) return errno(Errno.E2BIG);
  const cgroup = m.target(index);
  if (cgroup === undefined) return errno(Errno.EAGAIN);
  return env.process.cgroups.includes(BigInt(cgroup)) ? 1n : 0n;
}

/** The cgroup helpers. */
export const CGROUP_HELPERS: readonly HelperImpl[] = [
  {
    name: "current_task_under_cgroup",
    fn: (call, env) => underCgroup(call, env, 1, "current_task_under_cgroup"),
  },
  {
    name: "skb_under_cgroup",
    fn: (call, env) => {
      if (!env.packet || env.packet.isXdp)
        throw helperError("skb_under_cgroup", "needs a __sk_buff context");
      return underCgroup(call, env, 2, "skb_under_cgroup");
    },
  },
  {
    name: "get_local_storage",
    fn: (call, env) => {
      const m = mapArg(call, env, 1, "get_local_storage");
      if (!(m instanceof CgroupStorageMap))
        throw helperError(
          "get_local_storage",
          `map ${m.spec.name} is a ${m.kind}, not a cgroup storage`,
        );
      return m.storageAddress();
    },
  },
];
