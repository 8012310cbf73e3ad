/**
 * Helpers that read the simulated task, CPU, clock and random source: bpf_ktime_get_*_ns,
 * bpf_jiffies64, bpf_get_prandom_u32, bpf_get_smp_processor_id, bpf_get_numa_node_id,
 * bpf_get_current_pid_tgid / uid_gid / comm / task (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c).
 *
 * Values come from the `HelperEnv`: `pid_tgid` is `tgid << 32 | pid` and `uid_gid` is
 * `gid << 32 | uid`, as in the kernel. The VM never suspends, so boot time equals monotonic time;
 * the coarse clock is the monotonic one truncated to the 4 ms tick of a HZ=250 kernel.
 */
import { contextOffset } from "../../core/kernel/index.ts";
import { Errno } from "../maps/index.ts";
import type { HelperImpl } from "./types.ts";
import { errno, numArg, setResult64 } from "./types.ts";
import type { FastHelperCall } from "../vm/contract.ts";

/** Offset of the saved instruction pointer in the probed arch's struct pt_regs. */
const PT_REGS_IP = contextOffset("pt_regs", "rip");
/** Nanoseconds per jiffy at HZ=250. */
const TICK_NS = 4_000_000n;
/** bpf_get_current_comm's TASK_COMM_LEN. */
const TASK_COMM_LEN = 16;

/** Fast-path r0 of `hi << 32 | lo` for two u32 fields (pid_tgid, uid_gid). */
function setHalves(call: FastHelperCall, lo: number, hi: number): true {
  call.rl = lo | 0;
  call.rh = hi | 0;
  return true;
}

/** Fast-path r0 of a u32 JS number (the low 32 bits of `v`, zero-extended, like `BigInt(v)` for u32). */
function setResultU32(call: FastHelperCall, v: number): boolean {
  // `fn` computes BigInt(v) for any integer v; only a u32 maps to the same halves here.
  if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) return false;
  call.rl = v | 0;
  call.rh = 0;
  return true;
}

/** The process, time and CPU helpers. */
export const PROCESS_HELPERS: readonly HelperImpl[] = [
  {
    name: "ktime_get_ns",
    fn: (_c, env) => env.clock(),
    fast: (c, env) => setResult64(c, env.clock()),
  },
  {
    name: "ktime_get_boot_ns",
    fn: (_c, env) => env.clock(),
    fast: (c, env) => setResult64(c, env.clock()),
  },
  {
    name: "ktime_get_tai_ns",
    fn: (_c, env) => env.clock(),
    fast: (c, env) => setResult64(c, env.clock()),
  },
  { name: "ktime_get_coarse_ns", fn: (_c, env) => (env.clock() / TICK_NS) * TICK_NS },
  { name: "jiffies64", fn: (_c, env) => env.clock() / TICK_NS },
  {
    name: "get_prandom_u32",
    fn: (_c, env) => BigInt(env.random()),
    fast: (c, env) => setResultU32(c, env.random()),
  },
  {
    name: "get_smp_processor_id",
    fn: (_c, env) => BigInt(env.cpus.current),
    fast: (c, env) => setResultU32(c, env.cpus.current),
  },
  { name: "get_numa_node_id", fn: () => 0n },
  {
    name: "get_current_pid_tgid",
    fn: (_c, env) => (BigInt(env.process.tgid >>> 0) << 32n) | BigInt(env.process.pid >>> 0),
    fast: (c, env) => setHalves(c, env.process.pid, env.process.tgid),
  },
  {
    name: "get_current_uid_gid",
    fn: (_c, env) => (BigInt(env.process.gid >>> 0) << 32n) | BigInt(env.process.uid >>> 0),
    fast: (c, env) => setHalves(c, env.process.uid, env.process.gid),
  },
  {
    name: "get_current_comm",
    fn(call, env) {
      const size = numArg(call, 2);
      if (size === 0) return errno(Errno.EINVAL);
      // strscpy_pad: copy at most size-1 bytes, NUL-terminate, zero the rest.
      const comm = new TextEncoder().encode(env.process.comm).subarray(0, TASK_COMM_LEN - 1);
      const out = new Uint8Array(size);
      out.set(comm.subarray(0, size - 1));
      call.memory.write(call.args[0], out);
      return 0n;
    },
  },
  {
    // kprobe/uprobe programs (the only contexts the VM gives a pt_regs): the probed address is the
    // saved instruction pointer, as kernel/trace/bpf_trace.c bpf_get_func_ip_kprobe/uprobe return.
    name: "get_func_ip",
    fn(call) {
      const b = call.memory.read(call.args[0]! + BigInt(PT_REGS_IP), 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    },
  },
  // The cookie the program's attachment was made with (BPF_LINK_CREATE's bpf_cookie): the VM's
  // "attachment" is the run, so it is RunInput.cookie.
  { name: "get_attach_cookie", fn: (_c, env) => env.attachCookie },
  { name: "get_current_task", fn: (_c, env) => env.process.task },
  { name: "get_current_task_btf", fn: (_c, env) => env.process.task },
  {
    name: "get_current_cgroup_id",
    fn: (_c, env) => env.process.cgroups[0] ?? 1n,
  },
];
