/**
 * The helper table the engines call through: every implementation of this folder, keyed by the kernel
 * helper id from core/kernel's generated table.
 *
 * Consumes `HelperImpl` records (name + fn, optionally a fast form) and a `HelperEnv`; produces a
 * `HelperTable` (runtime/vm/contract.ts) of `{ name, fn, fast }` by id. A helper the VM does not implement is simply absent,
 * so calling it is the engine's clean "unknown helper N" VmError.
 *
 * Invariant: every implementation's name exists in the generated table (checked when the table is
 * built; a typo is an internal error, caught by test/vm-system/helpers.test.ts).
 */
import { helperByName } from "../../core/kernel/index.ts";
import type { FastHelperFn, HelperFn, HelperTable } from "../vm/contract.ts";
import type { HelperEnv } from "./env.ts";
import { MAP_HELPERS } from "./map-helpers.ts";
import { OUTPUT_HELPERS } from "./output-helpers.ts";
import { PRINTK_HELPERS } from "./printk.ts";
import { PROBE_READ_HELPERS } from "./probe-read.ts";
import { PROCESS_HELPERS } from "./process-helpers.ts";
import { SKB_HELPERS } from "./skb-load-bytes.ts";
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
  ...SKB_HELPERS,
  ...STACK_HELPERS,
];

/** Binds implementations to an environment and keys them by kernel id. */
export function buildHelperTable(
  env: HelperEnv,
  impls: readonly HelperImpl[] = ALL_HELPERS,
): HelperTable {
  const table = new Map<number, HelperRecord>();
  for (const impl of impls) {
    const k = helperByName(impl.name);
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
