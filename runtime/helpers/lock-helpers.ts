/**
 * bpf_spin_lock / bpf_spin_unlock (kernel/bpf/helpers.c) in the VM, where one program runs at a
 * time: taking a lock cannot wait, so both check what the verifier checks — the argument is the
 * 4-byte `struct bpf_spin_lock` field of a map value — and keep its `val` as the kernel's
 * arch_spinlock does (1 held, 0 free), so a program that locks twice or unlocks a free lock fails.
 */
import { helperError, type HelperImpl } from "./types.ts";

function lockAt(
  call: Parameters<HelperImpl["fn"]>[0],
  helper: string,
): { bytes: Uint8Array; offset: number } {
  const addr = call.args[0]!;
  let at: { region: { bytes: Uint8Array; kind: string }; offset: number };
  try {
    at = call.memory.resolve(addr, 4, true);
  } catch {
    throw helperError(helper, `r1 (0x${addr.toString(16)}) is not a bpf_spin_lock`);
  }
  if (at.region.kind !== "map_value")
    throw helperError(helper, "the lock must be a field of a map value");
  return { bytes: at.region.bytes, offset: at.offset };
}

const spinLock: HelperImpl = {
  name: "spin_lock",
  fn: (call) => {
    const { bytes, offset } = lockAt(call, "spin_lock");
    if (bytes[offset] !== 0) throw helperError("spin_lock", "the lock is already held");
    bytes[offset] = 1;
    return 0n;
  },
};

const spinUnlock: HelperImpl = {
  name: "spin_unlock",
  fn: (call) => {
    const { bytes, offset } = lockAt(call, "spin_unlock");
    if (bytes[offset] === 0) throw helperError("spin_unlock", "the lock is not held");
    bytes[offset] = 0;
    return 0n;
  },
};

/** The lock helpers. */
export const LOCK_HELPERS: readonly HelperImpl[] = [spinLock, spinUnlock];
