/**
 * The native calls the loader needs, bound once through koffi from glibc: `syscall()` (for bpf(2)
 * and perf_event_open(2), which glibc does not wrap), `ioctl`, `close`, `if_nametoindex`, and
 * `setsockopt` / `fcntl` for socket filters.
 *
 * Consumes: plain numbers and byte buffers. Produces: the raw return value plus `errno`, read right
 * after the call (koffi preserves it per call). Nothing here interprets results or throws on -1.
 *
 * glibc's `syscall()` is variadic, but on x86_64 it is a plain assembly shim that moves its integer
 * arguments into the syscall registers and never calls va_arg, so binding it with fixed integer and
 * pointer prototypes is exact and avoids koffi's slower per-call variadic type marshalling.
 *
 * Invariants: a pointer argument is a `Uint8Array` whose memory stays alive for the call (koffi pins
 * it); addresses stored inside structs come from `addressOf`, and the caller keeps those arrays
 * referenced until the call returns.
 */
import koffi from "koffi";

/** Result of a raw native call: the return value and errno when it failed. */
export interface RawResult {
  readonly ret: number;
  readonly errno: number;
}

interface LibcFns {
  bpf: (nr: number, cmd: number, attr: Uint8Array, size: number) => number | bigint;
  perfEventOpen: (
    nr: number,
    attr: Uint8Array,
    pid: number,
    cpu: number,
    groupFd: number,
    flags: number,
  ) => number | bigint;
  ioctl: (fd: number, request: number, arg: number) => number;
  close: (fd: number) => number;
  ifNameToIndex: (name: string) => number;
  setsockopt: (fd: number, level: number, name: number, value: Uint8Array, len: number) => number;
  fcntl: (fd: number, cmd: number, argType: string, arg: number) => number;
}

let fns: LibcFns | undefined;

function libc(): LibcFns {
  if (fns) return fns;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the live-kernel loader needs Linux on x86_64 (this is ${process.platform}/${process.arch})`,
    );
  }
  const lib = koffi.load("libc.so.6");
  fns = {
    bpf: lib.func("long syscall(long nr, long cmd, void *attr, long size)"),
    perfEventOpen: lib.func(
      "long syscall(long nr, void *attr, long pid, long cpu, long group_fd, unsigned long flags)",
    ),
    ioctl: lib.func("int ioctl(int fd, unsigned long request, unsigned long arg)"),
    close: lib.func("int close(int fd)"),
    ifNameToIndex: lib.func("unsigned int if_nametoindex(const char *name)"),
    setsockopt: lib.func(
      "int setsockopt(int fd, int level, int name, const void *value, unsigned int len)",
    ),
    fcntl: lib.func("int fcntl(int fd, int cmd, ...)"),
  };
  return fns;
}

function result(ret: number | bigint): RawResult {
  const r = Number(ret);
  return { ret: r, errno: r < 0 ? koffi.errno() : 0 };
}

/** The native address of a byte array's first element (0 for an empty array). */
export function addressOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : (koffi.address(bytes) as bigint);
}

/** Raw bpf(2): `syscall(SYS_bpf, cmd, attr, size)`. */
export function rawBpf(sysno: number, cmd: number, attr: Uint8Array): RawResult {
  return result(libc().bpf(sysno, cmd, attr, attr.length));
}

/** Raw perf_event_open(2). */
export function rawPerfEventOpen(
  sysno: number,
  attr: Uint8Array,
  pid: number,
  cpu: number,
  groupFd: number,
  flags: number,
): RawResult {
  return result(libc().perfEventOpen(sysno, attr, pid, cpu, groupFd, flags));
}

/** Raw ioctl(2) with an integer argument. */
export function rawIoctl(fd: number, request: number, arg: number): RawResult {
  return result(libc().ioctl(fd, request, arg));
}

/** Raw close(2). */
export function rawClose(fd: number): RawResult {
  return result(libc().close(fd));
}

/** if_nametoindex(3): 0 when no interface has that name. */
export function interfaceIndex(name: string): number {
  return libc().ifNameToIndex(name);
}

/** Raw setsockopt(2) with a byte-buffer option value. */
export function rawSetsockopt(
  fd: number,
  level: number,
  name: number,
  value: Uint8Array,
): RawResult {
  return result(libc().setsockopt(fd, level, name, value, value.length));
}

/** Raw fcntl(F_DUPFD_CLOEXEC): a new close-on-exec descriptor for the same open file. */
export function rawDupCloexec(fd: number): RawResult {
  const F_DUPFD_CLOEXEC = 1030;
  return result(libc().fcntl(fd, F_DUPFD_CLOEXEC, "int", 0));
}
