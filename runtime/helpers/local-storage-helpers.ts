/**
 * The local storage helpers (net/core/bpf_sk_storage.c, kernel/bpf/bpf_task_storage.c,
 * bpf_inode_storage.c, bpf_cgrp_storage.c): bpf_sk_storage_get / _delete, bpf_task_storage_get /
 * _delete, bpf_inode_storage_get / _delete and bpf_cgrp_storage_get / _delete on the map of their
 * owner kind (runtime/maps/local-storage.ts).
 *
 * `get(map, owner, value, flags)` returns the owner's value address; with
 * BPF_LOCAL_STORAGE_GET_F_CREATE it first creates the value (a copy of `value` when non-NULL, zeroed
 * otherwise); flags holding any other bit, or a NULL owner, give NULL, as the kernel does.
 * `delete(map, owner)` is 0, -ENOENT when the owner has no value, -EINVAL for a NULL owner. The
 * VM's process's task (`bpf_get_current_task_btf`) gets its pid as the user-space key of its value.
 */
import { LocalStorageMap } from "../maps/local-storage.ts";
import { Errno } from "../maps/types.ts";
import type { HelperEnv } from "./env.ts";
import type { HelperCall } from "../vm/contract.ts";
import { errno, helperError, mapArg, type HelperImpl } from "./types.ts";

/** BPF_LOCAL_STORAGE_GET_F_CREATE (= BPF_SK_STORAGE_GET_F_CREATE). */
const F_CREATE = 1n;

type Owner = "sk" | "task" | "inode" | "cgrp";

function storageMap(call: HelperCall, env: HelperEnv, owner: Owner, helper: string) {
  const m = mapArg(call, env, 1, helper);
  if (!(m instanceof LocalStorageMap) || m.kind !== `${owner}_storage`)
    throw helperError(helper, `map ${m.spec.name} is a ${m.kind}, not a ${owner}_storage`);
  return m;
}

function helpers(owner: Owner): HelperImpl[] {
  const get = `${owner}_storage_get`;
  const del = `${owner}_storage_delete`;
  return [
    {
      name: get,
      fn(call, env) {
        const m = storageMap(call, env, owner, get);
        const [, ptr, init, flags] = call.args;
        if (ptr === 0n || (flags & ~F_CREATE) !== 0n) return 0n;
        const value = init !== 0n ? call.memory.read(init, m.spec.valueSize) : null;
        const fd = owner === "task" && ptr === env.process.task ? env.process.pid : undefined;
        return m.storageGet(ptr, value, (flags & F_CREATE) !== 0n, fd);
      },
    },
    {
      name: del,
      fn(call, env) {
        const m = storageMap(call, env, owner, del);
        const ptr = call.args[1]!;
        return ptr === 0n ? errno(Errno.EINVAL) : BigInt(m.storageDelete(ptr));
      },
    },
  ];
}

/** The eight local storage helpers. */
export const LOCAL_STORAGE_HELPERS: readonly HelperImpl[] = (
  ["sk", "task", "inode", "cgrp"] as const
).flatMap(helpers);
