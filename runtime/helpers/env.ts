/**
 * The simulated world helpers observe: maps, CPUs, the current process, a clock, a random source,
 * fake kernel and user memory (for bpf_probe_read_*), and the sinks programs write to (trace_printk).
 *
 * Consumes `HelperEnvOptions` (everything optional, deterministic defaults); produces a `HelperEnv`
 * that the helper implementations share. Deterministic by default: the clock starts at 1 s and advances
 * 1 µs per read, the random source is seeded with 1, so repeated runs give identical results.
 *
 * The process (including the kernel and user call stacks bpf_get_stackid / bpf_get_stack walk) may be
 * replaced between runs with `resolveProcess`, which checks what the caller gave: a bad option is a
 * `FakeProcessError`, never a later crash inside a helper.
 */
import type { CpuState, MapRegistry } from "../maps/index.ts";
import type { PacketState } from "../vm/packet.ts";
import type { SocketRedirect } from "./socket-redirect.ts";
import type { SeqBuffer } from "./seq-helpers.ts";

/** The process a program believes it runs in (bpf_get_current_*). */
export interface FakeProcess {
  readonly pid: number;
  readonly tgid: number;
  readonly uid: number;
  readonly gid: number;
  /** Task name, at most 15 bytes are visible (TASK_COMM_LEN 16 with NUL). */
  readonly comm: string;
  /** Address bpf_get_current_task returns (point it at fake kernel memory to read fields). */
  readonly task?: bigint;
  /**
   * The kernel call stack a stack walk sees (bpf_get_stackid / bpf_get_stack without
   * BPF_F_USER_STACK): u64 instruction pointers, innermost frame first. Empty: no kernel stack
   * (the sample hit user mode), so bpf_get_stackid returns -EFAULT.
   */
  readonly kernelStack?: readonly bigint[];
  /** The user call stack (BPF_F_USER_STACK), innermost first; empty for a kernel thread. */
  readonly userStack?: readonly bigint[];
  /**
   * The cgroup v2 ids of the task's cgroup and its ancestors, innermost first, the root (id 1)
   * last: bpf_get_current_cgroup_id returns the first, bpf_current_task_under_cgroup /
   * bpf_skb_under_cgroup (the socket is the task's) ask whether a CgroupArray slot is one of them.
   * A CgroupArray slot holds a cgroup id in the VM where the kernel takes a cgroup directory's fd.
   */
  readonly cgroups?: readonly bigint[];
}

/** A bad fake-process option (a stack that is not a list of u64 addresses, ...). */
export class FakeProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FakeProcessError";
  }
}

/** A block of fake memory at a fixed address. */
export interface FakeMemoryRange {
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

/** One bpf_trace_printk line as /sys/kernel/tracing/trace_pipe would attribute it. */
export interface PrintkLine {
  readonly pid: number;
  readonly cpu: number;
  /** Monotonic clock at the call, in ns. */
  readonly timeNs: bigint;
  /** The formatted message, without a trailing newline. */
  readonly message: string;
}

/** Options for the simulated world. */
export interface HelperEnvOptions {
  readonly process?: Partial<FakeProcess>;
  /** A clock in ns; or start/step of the default fake clock; or "real" for process.hrtime. */
  readonly clock?:
    (() => bigint) | { readonly startNs?: bigint; readonly stepNs?: bigint } | "real";
  /** Seed of bpf_get_prandom_u32 (default 1). */
  readonly seed?: number;
  readonly kernelMemory?: readonly FakeMemoryRange[];
  readonly userMemory?: readonly FakeMemoryRange[];
}

/** What every helper implementation may use. */
export interface HelperEnv {
  readonly maps: MapRegistry;
  readonly cpus: CpuState;
  /** The current process; replaced (never mutated) between runs, see `resolveProcess`. */
  process: Required<FakeProcess>;
  readonly clock: () => bigint;
  readonly random: () => number;
  readonly kernelMemory: FakeAddressSpace;
  readonly userMemory: FakeAddressSpace;
  readonly printk: PrintkLine[];
  /** The packet of the running packet program (set for the run), which packet helpers change. */
  packet: PacketState | undefined;
  /** Where the running sk_msg / sk_skb program last redirected to (reset for each run). */
  socketRedirect: SocketRedirect | undefined;
  /** The running attachment's bpf cookie (bpf_get_attach_cookie; set for each run, default 0). */
  attachCookie: bigint;
  /** The seq_file of the running iterator (runtime/vm/iter.ts), which bpf_seq_printf writes. */
  seq: SeqBuffer | undefined;
}

/** Default fake process: a shell-like task. */
export const DEFAULT_PROCESS: Required<FakeProcess> = {
  pid: 4242,
  tgid: 4242,
  uid: 1000,
  gid: 1000,
  comm: "tsbpf-vm",
  task: 0xffff888000a00000n,
  // A task sampled in a read(2) system call: kernel text addresses, then a small user program's.
  kernelStack: Object.freeze([0xffffffff81a1c2d0n, 0xffffffff81a1b010n, 0xffffffff82000134n]),
  userStack: Object.freeze([0x401136n, 0x7f3a2c029d90n, 0x7f3a2c029e40n, 0x401065n]),
  cgroups: Object.freeze([1n]),
};

/** Checks a fake stack (or another list of u64s: `what` they are) and returns a frozen copy. */
function checkStack(
  name: string,
  stack: unknown,
  [what, whats] = ["address", "addresses"],
): readonly bigint[] {
  if (!Array.isArray(stack)) {
    throw new FakeProcessError(`process.${name} must be an array of bigint ${whats}`);
  }
  stack.forEach((ip: unknown, i) => {
    if (typeof ip !== "bigint" || ip < 0n || ip >= 1n << 64n) {
      throw new FakeProcessError(
        `process.${name}[${i}] must be a bigint ${what} from 0 to 2^64-1, got ${String(ip)}` +
          (typeof ip === "number" ? " (a number: write it with an n suffix)" : ""),
      );
    }
  });
  return Object.freeze([...(stack as bigint[])]);
}

/**
 * The process `base` with the fields of `patch` replaced (undefined fields keep `base`'s), checked.
 * Throws `FakeProcessError` for a malformed stack.
 */
export function resolveProcess(
  base: Required<FakeProcess>,
  patch: Partial<FakeProcess> = {},
): Required<FakeProcess> {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const merged = { ...base, ...defined } as Required<FakeProcess>;
  return {
    ...merged,
    kernelStack: checkStack("kernelStack", merged.kernelStack),
    userStack: checkStack("userStack", merged.userStack),
    cgroups: checkStack("cgroups", merged.cgroups, ["id", "ids"]),
  };
}

/** A sparse address space of fake memory ranges (never throws: misses are reported as undefined). */
export class FakeAddressSpace {
  private readonly ranges: readonly FakeMemoryRange[];

  constructor(ranges: readonly FakeMemoryRange[] = []) {
    this.ranges = ranges.map((r) => ({ address: BigInt.asUintN(64, r.address), bytes: r.bytes }));
  }

  /** The range holding `addr` and the offset of `addr` inside it. */
  private find(addr: bigint): { range: FakeMemoryRange; offset: number } | undefined {
    const a = BigInt.asUintN(64, addr);
    for (const range of this.ranges) {
      if (a >= range.address && a < range.address + BigInt(range.bytes.length)) {
        return { range, offset: Number(a - range.address) };
      }
    }
    return undefined;
  }

  /** `len` bytes at `addr` (copied), or undefined if any of them is not backed. */
  read(addr: bigint, len: number): Uint8Array | undefined {
    if (len === 0) return new Uint8Array(0);
    const hit = this.find(addr);
    if (!hit || hit.offset + len > hit.range.bytes.length) return undefined;
    return hit.range.bytes.slice(hit.offset, hit.offset + len);
  }

  /**
   * Bytes from `addr` up to (not including) a NUL, at most `max` of them; `terminated` says whether a
   * NUL was found. Undefined when `addr` itself is not backed.
   */
  readString(addr: bigint, max: number): { bytes: Uint8Array; terminated: boolean } | undefined {
    const hit = this.find(addr);
    if (!hit) return undefined;
    const b = hit.range.bytes;
    const end = Math.min(b.length, hit.offset + max);
    let i = hit.offset;
    while (i < end && b[i] !== 0) i++;
    return { bytes: b.slice(hit.offset, i), terminated: i < b.length && b[i] === 0 };
  }
}

function makeClock(opt: HelperEnvOptions["clock"]): () => bigint {
  if (typeof opt === "function") return opt;
  if (opt === "real") return () => process.hrtime.bigint();
  let now = opt?.startNs ?? 1_000_000_000n;
  const step = opt?.stepNs ?? 1000n;
  return () => {
    const t = now;
    now += step;
    return t;
  };
}

/** A seedable 32-bit generator (xorshift32 over a splitmix-scrambled seed; never stuck at 0). */
export function makeRandom(seed: number): () => number {
  let z = (seed >>> 0) + 0x9e3779b9;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  let s = (z ^ (z >>> 16)) >>> 0 || 0x6d2b79f5;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Builds the environment from options. */
export function createHelperEnv(
  maps: MapRegistry,
  cpus: CpuState,
  options: HelperEnvOptions = {},
): HelperEnv {
  return {
    maps,
    cpus,
    process: resolveProcess(DEFAULT_PROCESS, options.process),
    clock: makeClock(options.clock),
    random: makeRandom(options.seed ?? 1),
    kernelMemory: new FakeAddressSpace(options.kernelMemory),
    userMemory: new FakeAddressSpace(options.userMemory),
    printk: [],
    packet: undefined,
    socketRedirect: undefined,
    attachCookie: 0n,
    seq: undefined,
  };
}
