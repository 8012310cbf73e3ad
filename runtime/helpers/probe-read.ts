/**
 * bpf_probe_read{,_kernel,_user}{,_str} (kernel/trace/bpf_trace.c) and bpf_copy_from_user
 * (kernel/bpf/helpers.c, for sleepable programs: the same arguments and outcome as
 * bpf_probe_read_user, since the VM never sleeps): copy from memory the program does not own, never
 * faulting.
 *
 * The source is looked up in the fake kernel (or user) memory of the `HelperEnv`, then in VM memory
 * (so a pointer a program got from its context also works); a miss returns -EFAULT and zeroes the
 * destination, as the kernel does. The legacy bpf_probe_read{,_str} try kernel memory, then user.
 * The `_str` variants copy up to size-1 bytes plus a NUL and return the length including the NUL.
 * The destination must be `size` writable bytes of VM memory (else VmError: the verifier checks it).
 */
import { Errno } from "../maps/index.ts";
import type { HelperCall, Memory } from "../vm/contract.ts";
import type { FakeAddressSpace, HelperEnv } from "./env.ts";
import type { HelperImpl } from "./types.ts";
import { errno, numArg } from "./types.ts";

type Space = "kernel" | "user" | "any";

function spaces(env: HelperEnv, space: Space): FakeAddressSpace[] {
  if (space === "kernel") return [env.kernelMemory];
  if (space === "user") return [env.userMemory];
  return [env.kernelMemory, env.userMemory];
}

/** Non-faulting read from VM memory. */
function vmRead(memory: Memory, addr: bigint, len: number): Uint8Array | undefined {
  const a = BigInt.asUintN(64, addr);
  const region = a >> 32n === 0n ? undefined : memory.region(Number(a >> 32n));
  const off = Number(a & 0xffffffffn);
  if (!region || off + len > region.bytes.length) return undefined;
  return region.bytes.slice(off, off + len);
}

function probeRead(call: HelperCall, env: HelperEnv, space: Space): bigint {
  const size = numArg(call, 2);
  const dst = call.args[0];
  call.memory.resolve(dst, size, true);
  const src = call.args[2];
  let bytes: Uint8Array | undefined;
  for (const s of spaces(env, space)) bytes ??= s.read(src, size);
  bytes ??= vmRead(call.memory, src, size);
  if (!bytes) {
    call.memory.write(dst, new Uint8Array(size));
    return errno(Errno.EFAULT);
  }
  call.memory.write(dst, bytes);
  return 0n;
}

function probeReadStr(call: HelperCall, env: HelperEnv, space: Space): bigint {
  const size = numArg(call, 2);
  const dst = call.args[0];
  call.memory.resolve(dst, size, true);
  if (size === 0) return 0n;
  const src = call.args[2];
  let str: Uint8Array | undefined;
  for (const s of spaces(env, space)) str ??= s.readString(src, size - 1)?.bytes;
  if (str === undefined) {
    const a = BigInt.asUintN(64, src);
    const region = a >> 32n === 0n ? undefined : call.memory.region(Number(a >> 32n));
    if (region) {
      const off = Number(a & 0xffffffffn);
      let end = off;
      const limit = Math.min(region.bytes.length, off + size - 1);
      while (end < limit && region.bytes[end] !== 0) end++;
      if (off < region.bytes.length) str = region.bytes.slice(off, end);
    }
  }
  const out = new Uint8Array(size);
  if (str === undefined) {
    call.memory.write(dst, out);
    return errno(Errno.EFAULT);
  }
  out.set(str.subarray(0, size - 1));
  call.memory.write(dst, out);
  return BigInt(Math.min(str.length, size - 1) + 1);
}

/** The probe-read helpers. */
export const PROBE_READ_HELPERS: readonly HelperImpl[] = [
  { name: "probe_read", fn: (c, env) => probeRead(c, env, "any") },
  { name: "probe_read_kernel", fn: (c, env) => probeRead(c, env, "kernel") },
  { name: "probe_read_user", fn: (c, env) => probeRead(c, env, "user") },
  { name: "probe_read_str", fn: (c, env) => probeReadStr(c, env, "any") },
  { name: "probe_read_kernel_str", fn: (c, env) => probeReadStr(c, env, "kernel") },
  { name: "probe_read_user_str", fn: (c, env) => probeReadStr(c, env, "user") },
  { name: "copy_from_user", fn: (c, env) => probeRead(c, env, "user") },
];
