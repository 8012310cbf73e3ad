/**
 * Pins the calling thread to one CPU, so that BPF_PROG_TEST_RUN runs on a CPU the test knows.
 *
 * Why: the kernel runs an XDP or skb test run on whatever CPU the calling thread is on (it only
 * disables migration for the run; `BPF_F_TEST_RUN_ON_CPU` is accepted for raw tracepoints only, and
 * `bpf_prog_test_run_skb` / `_xdp` return EINVAL for a non-zero `cpu`). A per-CPU map then changes
 * in that CPU's slot, and the VM must be told the same CPU (its `cpu` run option) for the slots to
 * agree. sched_setaffinity(2) with pid 0 applies to the calling thread only, which is the thread
 * koffi makes the bpf() call on.
 *
 * Consumes a CPU number; produces a `restore` function that puts the previous affinity mask back.
 * Linux on x86_64 only (glibc through koffi, like runtime/loader/sys/libc.ts).
 */
import koffi from "koffi";

interface SchedFns {
  setAffinity: (pid: number, size: number, mask: Uint8Array) => number;
  getAffinity: (pid: number, size: number, mask: Uint8Array) => number;
  getCpu: () => number;
}

let fns: SchedFns | undefined;

function sched(): SchedFns {
  if (fns) return fns;
  const lib = koffi.load("libc.so.6");
  fns = {
    setAffinity: lib.func("int sched_setaffinity(int pid, size_t size, const uint8_t *mask)"),
    getAffinity: lib.func("int sched_getaffinity(int pid, size_t size, _Out_ uint8_t *mask)"),
    getCpu: lib.func("int sched_getcpu(void)"),
  };
  return fns;
}

/** Bytes of a cpu_set_t (1024 CPUs), as glibc's CPU_SETSIZE. */
const MASK_BYTES = 128;

/** The CPU the calling thread runs on now (sched_getcpu(3)). */
export function currentCpu(): number {
  return sched().getCpu();
}

/** The CPUs the calling thread may run on (sched_getaffinity(2)), ascending. */
export function allowedCpus(): number[] {
  const mask = new Uint8Array(MASK_BYTES);
  if (sched().getAffinity(0, MASK_BYTES, mask) !== 0) {
    throw new Error(`sched_getaffinity failed: errno ${koffi.errno()}`);
  }
  const out: number[] = [];
  for (let cpu = 0; cpu < MASK_BYTES * 8; cpu++)
    if (mask[cpu >> 3]! & (1 << (cpu & 7))) out.push(cpu);
  return out;
}

/**
 * Moves the calling thread onto `cpu` and keeps it there. Returns a function that restores the
 * previous affinity. Throws with errno when the kernel refuses (e.g. the CPU is offline).
 */
export function pinToCpu(cpu: number): () => void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= MASK_BYTES * 8) {
    throw new Error(`cpu must be 0..${MASK_BYTES * 8 - 1}, got ${cpu}`);
  }
  const s = sched();
  const saved = new Uint8Array(MASK_BYTES);
  if (s.getAffinity(0, MASK_BYTES, saved) !== 0) {
    throw new Error(`sched_getaffinity failed: errno ${koffi.errno()}`);
  }
  const mask = new Uint8Array(MASK_BYTES);
  mask[cpu >> 3] = 1 << (cpu & 7);
  if (s.setAffinity(0, MASK_BYTES, mask) !== 0) {
    throw new Error(`sched_setaffinity(cpu ${cpu}) failed: errno ${koffi.errno()}`);
  }
  if (s.getCpu() !== cpu) throw new Error(`pinned to CPU ${cpu} but running on ${s.getCpu()}`);
  return () => {
    s.setAffinity(0, MASK_BYTES, saved);
  };
}
