/**
 * The helper table the engines call through: every implementation of this folder, keyed by the kernel
 * helper id from core/kernel's generated table.
 *
 * Consumes `HelperImpl` records (name + fn, optionally a fast form) and a `HelperEnv`; produces a
 * `HelperTable` (runtime/vm/contract.ts) of `{ name, fn, fast }` by id. A helper the VM does not implement is simply absent,
 * and a program calling it cannot run: vm/load.ts names the helper and why (`whyNotInVm`).
 *
 * Invariant: every implementation's name exists in the generated table (checked when the table is
 * built; a typo is an internal error, caught by test/vm-system/helpers.test.ts).
 */
import { helperRecord } from "../../core/kernel/index.ts";
import type { HelperRecord as KernelHelperRecord } from "../../core/kernel/index.ts";
import type { FastHelperFn, HelperFn, HelperTable } from "../vm/contract.ts";
import type { HelperEnv } from "./env.ts";
import { CALLBACK_HELPERS } from "./callback-helpers.ts";
import { DYNPTR_HELPERS } from "./dynptr-helpers.ts";
import { CGROUP_HELPERS } from "./cgroup-helpers.ts";
import { LOCK_HELPERS } from "./lock-helpers.ts";
import { LOCAL_STORAGE_HELPERS } from "./local-storage-helpers.ts";
import { MAP_HELPERS } from "./map-helpers.ts";
import { OUTPUT_HELPERS } from "./output-helpers.ts";
import { PRINTK_HELPERS } from "./printk.ts";
import { PROBE_READ_HELPERS } from "./probe-read.ts";
import { PROCESS_HELPERS } from "./process-helpers.ts";
import { PACKET_HELPERS } from "./packet-bytes.ts";
import { PACKET_WRITE_HELPERS } from "./packet-writes.ts";
import { REDIRECT_MAP_HELPERS } from "./redirect-map.ts";
import { SEQ_HELPERS } from "./seq-helpers.ts";
import { SOCKET_REDIRECT_HELPERS } from "./socket-redirect.ts";
import { STRING_HELPERS } from "./string-helpers.ts";
import { STACK_HELPERS } from "./stack-helpers.ts";
import type { HelperImpl } from "./types.ts";

/** A helper with its kernel id, as stored in the table. */
export interface HelperRecord {
  readonly id: number;
  readonly name: string;
  readonly fn: HelperFn;
  /** The implementation's fast form bound to the environment, when it has one. */
  readonly fast?: FastHelperFn;
}

/** Every helper the VM implements. */
export const ALL_HELPERS: readonly HelperImpl[] = [
  ...MAP_HELPERS,
  ...PROCESS_HELPERS,
  ...PRINTK_HELPERS,
  ...PROBE_READ_HELPERS,
  ...OUTPUT_HELPERS,
  ...PACKET_HELPERS,
  ...PACKET_WRITE_HELPERS,
  ...REDIRECT_MAP_HELPERS,
  ...SOCKET_REDIRECT_HELPERS,
  ...STRING_HELPERS,
  ...STACK_HELPERS,
  ...CALLBACK_HELPERS,
  ...DYNPTR_HELPERS,
  ...CGROUP_HELPERS,
  ...LOCK_HELPERS,
  ...LOCAL_STORAGE_HELPERS,
  ...SEQ_HELPERS,
];

/** Binds implementations to an environment and keys them by kernel id. */
export function buildHelperTable(
  env: HelperEnv,
  impls: readonly HelperImpl[] = ALL_HELPERS,
): HelperTable {
  const table = new Map<number, HelperRecord>();
  for (const impl of impls) {
    const k = helperRecord(impl.name);
    if (!k) throw new Error(`helper implementation ${impl.name} has no kernel helper id`);
    const fast = impl.fast;
    table.set(k.id, {
      id: k.id,
      name: impl.name,
      fn: (call) => impl.fn(call, env),
      fast: fast === undefined ? undefined : (call) => fast(call, env),
    });
  }
  return table;
}

/** Names of the helpers the VM implements. */
export const VM_HELPER_NAMES: ReadonlySet<string> = new Set(ALL_HELPERS.map((h) => h.name));

/** Why the VM does not implement a helper, derived from its record, for the error naming it. */
export function whyNotInVm(rec: KernelHelperRecord): string {
  if (rec.params.some((p) => p.kind === "callback"))
    return "its callback runs on kernel objects or events the VM does not simulate";
  const kobj =
    rec.params.find((p) => p.kind === "kptr")?.struct ?? /^struct (\w+) \*$/.exec(rec.ret)?.[1];
  if (kobj) return `it works on kernel objects (struct ${kobj}) the VM does not model`;
  const ctx = rec.params.find((p) => p.kind === "ctx")?.ctxStruct;
  if (ctx && ctx !== "__sk_buff" && ctx !== "xdp_md")
    return `it acts on the kernel state behind struct ${ctx}, which the VM does not model`;
  if (ctx)
    return "it reads or changes kernel packet state (tunnel metadata, routes, sockets, hashes) the VM does not model";
  return "it needs a running kernel";
}
