/**
 * The native calls the user-space consumers need beyond runtime/loader's bpf() wrappers, bound once
 * through koffi from glibc: mmap/munmap (ring and perf buffers), epoll (waiting for data without
 * spinning: the blocking `epoll_wait` runs on koffi's worker thread through `.async`, so the Node
 * event loop stays free), perf_event_open for PERF_COUNT_SW_BPF_OUTPUT events (the loader's
 * perf_event_open does not set sample_type), ioctl and close, and the three socket calls that open
 * and drain an AF_PACKET socket for socket filters (socket, bind, recv), and an eventfd to wake
 * the drain worker (drain-worker.ts), which binds the same `LIBC_PROTOTYPES` on its own thread.
 *
 * Consumes plain numbers and byte buffers; produces raw results plus errno, or a `NativeError`
 * naming the call and errno where a helper throws. Linux x86_64 only (syscall numbers below).
 *
 * Invariant: a `MappedRegion`'s ArrayBuffer views are only touched while it is mapped; `unmap()`
 * is idempotent and callers drop their views before calling it.
 */
import koffi from "koffi";
import type { LibraryHandle } from "koffi";

/** A failed native call. */
export class NativeError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    context: string,
  ) {
    super(
      `${call} (${context}) failed: errno ${errno}${ERRNO_TEXT[errno] ? ` (${ERRNO_TEXT[errno]})` : ""}`,
    );
    this.name = "NativeError";
  }
}

const ERRNO_TEXT: Record<number, string> = {
  1: "EPERM: operation not permitted (run as root or with CAP_BPF + CAP_PERFMON)",
  9: "EBADF: bad file descriptor",
  12: "ENOMEM: out of memory",
  13: "EACCES: permission denied",
  19: "ENODEV: no such device",
  22: "EINVAL: invalid argument",
  24: "EMFILE: too many open files",
};

const SYS_PERF_EVENT_OPEN = 298;
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const MAP_FAILED = 0xffffffffffffffffn;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
const EPOLL_CLOEXEC = 0x80000;
/** sizeof(struct epoll_event) on x86_64 (packed: u32 events + u64 data). */
const EPOLL_EVENT_SIZE = 12;
const EINTR = 4;
const SC_PAGESIZE = 30;

/**
 * The glibc functions bound here, by name: one list for this thread and for the drain worker
 * (drain-worker.ts), which binds the same ones on its own thread.
 */
export const LIBC_PROTOTYPES = {
  mmap: "void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)",
  munmap: "int munmap(void *addr, size_t len)",
  epollCreate1: "int epoll_create1(int flags)",
  epollCtl: "int epoll_ctl(int epfd, int op, int fd, void *event)",
  epollWait: "int epoll_wait(int epfd, _Out_ uint8_t *events, int maxevents, int timeout)",
  perfEventOpen:
    "long syscall(long nr, void *attr, long pid, long cpu, long group_fd, unsigned long flags)",
  ioctl: "int ioctl(int fd, unsigned long request, unsigned long arg)",
  close: "int close(int fd)",
  sysconf: "long sysconf(int name)",
  socket: "int socket(int domain, int type, int protocol)",
  bind: "int bind(int fd, void *addr, uint32_t len)",
  recv: "long recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)",
  eventfd: "int eventfd(unsigned int initval, int flags)",
  write: "long write(int fd, void *buf, size_t len)",
  read: "long read(int fd, _Out_ uint8_t *buf, size_t len)",
  gettid: "int gettid()",
  schedSetattr: "long syscall(long nr, long pid, void *attr, unsigned long flags)",
} as const;

interface Fns {
  mmap: (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => unknown;
  munmap: (addr: unknown, len: number) => number;
  epollCreate1: (flags: number) => number;
  epollCtl: (epfd: number, op: number, fd: number, event: Uint8Array) => number;
  epollWait: ReturnType<LibraryHandle["func"]>;
  perfEventOpen: (
    nr: number,
    attr: Uint8Array,
    pid: number,
    cpu: number,
    group: number,
    flags: number,
  ) => number | bigint;
  ioctl: (fd: number, request: number, arg: number) => number;
  close: (fd: number) => number;
  sysconf: (name: number) => number | bigint;
  socket: (domain: number, type: number, protocol: number) => number;
  bind: (fd: number, addr: Uint8Array, len: number) => number;
  recv: (fd: number, buf: Uint8Array, len: number, flags: number) => number | bigint;
  eventfd: (initval: number, flags: number) => number;
  write: (fd: number, buf: Uint8Array, len: number) => number | bigint;
}

let fns: Fns | undefined;

function libc(): Fns {
  if (fns) return fns;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `live BPF event streams need Linux on x86_64 (this is ${process.platform}/${process.arch})`,
    );
  }
  const lib = koffi.load("libc.so.6");
  fns = Object.fromEntries(
    Object.entries(LIBC_PROTOTYPES).map(([name, proto]) => [name, lib.func(proto)]),
  ) as unknown as Fns;
  return fns;
}

/** The system page size. */
export function pageSize(): number {
  return Number(libc().sysconf(SC_PAGESIZE));
}

/** A shared mapping of a file descriptor. */
export class MappedRegion {
  #ptr: unknown;
  /** The mapped bytes; invalid after `unmap()`. */
  readonly buffer: ArrayBuffer;

  constructor(
    readonly fd: number,
    readonly length: number,
    readonly offset: number,
    writable: boolean,
    what: string,
  ) {
    const f = libc();
    const ptr = f.mmap(
      null,
      length,
      PROT_READ | (writable ? PROT_WRITE : 0),
      MAP_SHARED,
      fd,
      offset,
    );
    if (ptr === null || koffi.address(ptr) === MAP_FAILED) {
      throw new NativeError("mmap", koffi.errno(), what);
    }
    this.#ptr = ptr;
    this.buffer = koffi.view(ptr, length);
  }

  /** True while mapped. */
  get isMapped(): boolean {
    return this.#ptr !== undefined;
  }

  /** Unmaps (idempotent). */
  unmap(): void {
    if (this.#ptr === undefined) return;
    libc().munmap(this.#ptr, this.length);
    this.#ptr = undefined;
  }
}

/** An epoll instance waiting for readability of a set of fds. */
export class Epoll {
  #fd: number;
  #count = 0;
  #pending: Promise<void> | undefined;

  constructor() {
    const fd = libc().epollCreate1(EPOLL_CLOEXEC);
    if (fd < 0) throw new NativeError("epoll_create1", koffi.errno(), "waiting for events");
    this.#fd = fd;
  }

  /** Watches `fd` for EPOLLIN. */
  add(fd: number, what: string): void {
    const ev = new Uint8Array(EPOLL_EVENT_SIZE);
    const view = new DataView(ev.buffer);
    view.setUint32(0, EPOLLIN, true);
    view.setBigUint64(4, BigInt(fd), true);
    if (libc().epollCtl(this.#fd, EPOLL_CTL_ADD, fd, ev) < 0) {
      throw new NativeError("epoll_ctl", koffi.errno(), what);
    }
    this.#count++;
  }

  /**
   * Waits up to `timeoutMs` for any watched fd to become readable, on koffi's worker thread.
   * Resolves either way (the caller then drains every buffer); rejects only on a real error.
   */
  wait(timeoutMs: number): Promise<void> {
    if (this.#fd < 0) return Promise.resolve();
    const max = Math.max(1, this.#count);
    const events = new Uint8Array(EPOLL_EVENT_SIZE * max);
    const p = new Promise<void>((resolve, reject) => {
      libc().epollWait.async(this.#fd, events, max, timeoutMs, (err: unknown, ret: number) => {
        this.#pending = undefined;
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (ret < 0 && koffi.errno() !== EINTR)
          reject(new NativeError("epoll_wait", koffi.errno(), "waiting for events"));
        else resolve();
      });
    });
    this.#pending = p.catch(() => undefined);
    return p;
  }

  /** Closes the epoll fd once no wait is pending. */
  async close(): Promise<void> {
    if (this.#pending) await this.#pending;
    if (this.#fd >= 0) libc().close(this.#fd);
    this.#fd = -1;
  }
}

/** perf_event_open(2) with a prepared attr; returns the fd or throws. */
export function perfEventOpenRaw(attr: Uint8Array, pid: number, cpu: number, what: string): number {
  const PERF_FLAG_FD_CLOEXEC = 8;
  const ret = Number(
    libc().perfEventOpen(SYS_PERF_EVENT_OPEN, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC),
  );
  if (ret < 0) throw new NativeError("perf_event_open", koffi.errno(), what);
  return ret;
}

/** ioctl(2) with an integer argument; throws on failure. */
export function ioctlOrThrow(fd: number, request: number, arg: number, what: string): void {
  if (libc().ioctl(fd, request, arg) < 0) throw new NativeError("ioctl", koffi.errno(), what);
}

/** close(2), ignoring errors (used on cleanup paths). */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/** socket(2); returns the fd or throws. */
export function socketOrThrow(
  domain: number,
  type: number,
  protocol: number,
  what: string,
): number {
  const fd = libc().socket(domain, type, protocol);
  if (fd < 0) throw new NativeError("socket", koffi.errno(), what);
  return fd;
}

/** bind(2) with a prepared socket address; throws on failure. */
export function bindOrThrow(fd: number, addr: Uint8Array, what: string): void {
  if (libc().bind(fd, addr, addr.length) < 0) throw new NativeError("bind", koffi.errno(), what);
}

/**
 * recv(2) into `buf`: the byte count (with MSG_TRUNC, the packet's full length even when longer
 * than `buf`), or -errno (e.g. -11 EAGAIN when a non-blocking socket has nothing queued).
 */
export function recvRaw(fd: number, buf: Uint8Array, flags: number): number {
  const n = Number(libc().recv(fd, buf, buf.length, flags));
  return n < 0 ? -koffi.errno() : n;
}

/** A non-blocking eventfd(2) (to wake a thread blocked in epoll_wait); throws on failure. */
export function eventFdOrThrow(what: string): number {
  const EFD_NONBLOCK = 0x800;
  const EFD_CLOEXEC = 0x80000;
  const fd = libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw new NativeError("eventfd", koffi.errno(), what);
  return fd;
}

/** Adds 1 to an eventfd's counter, making it readable. */
export function signalEventFd(fd: number): void {
  const one = new Uint8Array(8);
  one[0] = 1;
  libc().write(fd, one, 8);
}
