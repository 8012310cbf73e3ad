/**
 * The shape of a helper implementation and the argument decoding they share.
 *
 * A helper implementation is a record `{ name, fn }` where `name` is the kernel's helper name (without
 * `bpf_`, as in enum bpf_func_id) and `fn` computes r0 from the call and the simulated world. The
 * registry (registry.ts) gives each record its kernel id from core/kernel's generated table.
 *
 * Errors: what the kernel verifier would have rejected (a map argument that is no map, a pointer to
 * unmapped memory) is a `VmError` naming the helper; what the kernel reports at run time is a negative
 * errno in r0, exactly as the kernel returns it.
 */
import type { VmMap } from "../maps/index.ts";
import { VmError, type FastHelperCall, type HelperCall } from "../vm/contract.ts";
import type { HelperEnv } from "./env.ts";

/** One helper implementation. */
export interface HelperImpl {
  /** Kernel name without `bpf_` (`map_lookup_elem`). */
  readonly name: string;
  readonly fn: (call: HelperCall, env: HelperEnv) => bigint;
  /**
   * Optional allocation-free form for hot helpers (contract `FastHelperFn`): the same result as `fn`
   * for the calls it accepts; it returns false, before touching any state, for everything else
   * (including every error), so that `fn` produces the exact outcome.
   */
  readonly fast?: (call: FastHelperCall, env: HelperEnv) => boolean;
}

/** Sets a fast call's r0 to the unsigned 64-bit value of `v` (a BigInt-returning source). */
export function setResult64(call: FastHelperCall, v: bigint): boolean {
  // A non-bigint (from a user-supplied clock) is left to `fn`, which reports it.
  if (typeof v !== "bigint") return false;
  const u = BigInt.asUintN(64, v);
  call.rl = Number(u & 0xffffffffn) | 0;
  call.rh = Number(u >> 32n) | 0;
  return true;
}

/** Sets a fast call's r0 to a small signed number (0, a negative errno, a u32 as a JS number). */
export function setResultInt(call: FastHelperCall, v: number): true {
  call.rl = v | 0;
  call.rh = v < 0 ? -1 : 0;
  return true;
}

/** r0 for a negative errno. */
export function errno(n: number): bigint {
  return BigInt(-Math.abs(n));
}

/** Argument `i` (1-based, r1–r5) as a JS number, for sizes and small flags. */
export function numArg(call: HelperCall, i: 1 | 2 | 3 | 4 | 5): number {
  return Number(BigInt.asUintN(32, call.args[i - 1]!));
}

/** The map whose handle is in argument `i`; a VmError if it is not a map handle. */
export function mapArg(
  call: HelperCall,
  env: HelperEnv,
  i: 1 | 2 | 3 | 4 | 5,
  helper: string,
): VmMap {
  const m = env.maps.fromHandle(call.args[i - 1]!);
  if (!m) {
    throw new VmError(
      `bpf_${helper}: r${i} (0x${call.args[i - 1]!.toString(16)}) is not a map`,
      -1,
    );
  }
  return m;
}

/** A VmError for a helper called with an argument the verifier would have rejected. */
export function helperError(helper: string, message: string): VmError {
  return new VmError(`bpf_${helper}: ${message}`, -1);
}
