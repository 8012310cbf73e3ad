/**
 * Linux errno numbers (asm-generic/errno-base.h, errno.h, and the kernel-internal 524 ENOTSUPP that
 * bpf(2) leaks to userspace) with a short hint each saying what the value usually means for bpf(2)
 * and perf_event_open(2). Consumed by errors.ts to build readable `KernelError` messages.
 */

/** One errno value: name and the usual meaning for the BPF syscalls. */
export interface ErrnoInfo {
  readonly name: string;
  readonly hint: string;
}

const TABLE: Readonly<Record<number, ErrnoInfo>> = {
  1: {
    name: "EPERM",
    hint: "needs root or CAP_BPF (plus CAP_PERFMON / CAP_NET_ADMIN for tracing and networking programs)",
  },
  2: { name: "ENOENT", hint: "no such element, object, id or path" },
  3: { name: "ESRCH", hint: "no such process or no such kernel symbol" },
  4: { name: "EINTR", hint: "interrupted by a signal; retry" },
  7: {
    name: "E2BIG",
    hint: "too big: the attribute struct, map size or program length exceeds what this kernel accepts",
  },
  9: { name: "EBADF", hint: "a file descriptor in the request is closed or of the wrong kind" },
  11: { name: "EAGAIN", hint: "temporarily unavailable; retry" },
  12: {
    name: "ENOMEM",
    hint: "out of memory (map too large, or locked-memory limit on old kernels)",
  },
  13: {
    name: "EACCES",
    hint: "permission denied: the verifier rejected the program or the map is read-only",
  },
  14: { name: "EFAULT", hint: "a pointer in the request points at invalid memory" },
  16: { name: "EBUSY", hint: "already in use (another program is attached here)" },
  17: { name: "EEXIST", hint: "already exists (element, pin path or attachment)" },
  19: { name: "ENODEV", hint: "no such device or interface" },
  22: {
    name: "EINVAL",
    hint: "invalid argument: a field this kernel does not accept for this command or type",
  },
  24: { name: "EMFILE", hint: "too many open files in this process" },
  28: { name: "ENOSPC", hint: "no space: the verifier log buffer is too small or the map is full" },
  34: { name: "ERANGE", hint: "value out of range" },
  38: { name: "ENOSYS", hint: "this kernel has no such syscall or command" },
  61: { name: "ENODATA", hint: "no data available" },
  95: {
    name: "EOPNOTSUPP",
    hint: "operation not supported for this object, program type or device",
  },
  110: { name: "ETIMEDOUT", hint: "timed out" },
  524: {
    name: "ENOTSUPP",
    hint: "not supported by this kernel (feature, helper or attach type missing)",
  },
};

/** Name and hint of an errno value; unknown values get a numeric name. */
export function describeErrno(errno: number): ErrnoInfo {
  return TABLE[errno] ?? { name: `errno ${errno}`, hint: "unexpected error" };
}

/** The errno number for a name (`"ENOENT"` → 2), or undefined. */
export function errnoNumber(name: string): number | undefined {
  for (const [n, info] of Object.entries(TABLE)) if (info.name === name) return Number(n);
  return undefined;
}
