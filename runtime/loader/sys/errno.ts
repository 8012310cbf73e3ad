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

/** Errno numbers by name: the ones the loader tests for and the ones `describeErrno` explains. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  ENXIO: 6,
  EINTR: 4,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  ENODATA: 61,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ENOTSUPP: 524,
} as const;

/** A name in `ERRNO`. */
export type ErrnoName = keyof typeof ERRNO;

/** What each errno usually means for bpf(2) and perf_event_open(2). */
const HINTS: Readonly<Record<ErrnoName, string>> = {
  EPERM:
    "needs root or CAP_BPF (plus CAP_PERFMON / CAP_NET_ADMIN for tracing and networking programs)",
  ENOENT: "no such element, object, id or path",
  ESRCH: "no such process or no such kernel symbol",
  ENXIO: "no such device or address (the device is not of the kind the request needs)",
  EINTR: "interrupted by a signal; retry",
  E2BIG:
    "too big: the attribute struct, map size or program length exceeds what this kernel accepts",
  EBADF: "a file descriptor in the request is closed or of the wrong kind",
  EAGAIN: "temporarily unavailable; retry",
  ENOMEM: "out of memory (map too large, or locked-memory limit on old kernels)",
  EACCES: "permission denied: the verifier rejected the program or the map is read-only",
  EFAULT: "a pointer in the request points at invalid memory",
  EBUSY: "already in use (another program is attached here)",
  EEXIST: "already exists (element, pin path or attachment)",
  ENODEV: "no such device or interface",
  EINVAL: "invalid argument: a field this kernel does not accept for this command or type",
  EMFILE: "too many open files in this process",
  ENOSPC: "no space: the verifier log buffer is too small or the map is full",
  ERANGE: "value out of range",
  ENOSYS: "this kernel has no such syscall or command",
  ENODATA: "no data available",
  EOPNOTSUPP: "operation not supported for this object, program type or device",
  ETIMEDOUT: "timed out",
  ENOTSUPP: "not supported by this kernel (feature, helper or attach type missing)",
};

const BY_NUMBER: ReadonlyMap<number, ErrnoInfo> = new Map(
  (Object.keys(ERRNO) as ErrnoName[]).map((name) => [ERRNO[name], { name, hint: HINTS[name] }]),
);

/** Name and hint of an errno value; unknown values get a numeric name. */
export function describeErrno(errno: number): ErrnoInfo {
  return BY_NUMBER.get(errno) ?? { name: `errno ${errno}`, hint: "unexpected error" };
}

/** The errno number for a name (`"ENOENT"` → 2), or undefined. */
export function errnoNumber(name: string): number | undefined {
  return Object.hasOwn(ERRNO, name) ? ERRNO[name as ErrnoName] : undefined;
}
