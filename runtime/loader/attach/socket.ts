/**
 * Socket filters (SEC("socket"), BPF_PROG_TYPE_SOCKET_FILTER) attached to one socket with
 * setsockopt(SOL_SOCKET, SO_ATTACH_BPF, &prog_fd) (Documentation/networking/filter.rst). The program
 * sees each packet the socket receives; its return value is how many bytes to keep: 0 drops the
 * packet, the packet length (or more) keeps all of it.
 *
 * There is no BPF link: the attachment belongs to the socket. To detach safely even after the caller
 * closed or reused its descriptor number, the handle keeps its own duplicate of the socket fd
 * (F_DUPFD_CLOEXEC, same open socket) and issues SO_DETACH_BPF on that, then closes it. The socket
 * therefore stays open until `detach()`. Attaching a second filter to the same socket replaces the
 * first (the kernel keeps one per socket).
 *
 * sk_reuseport programs (SEC("sk_reuseport"), SEC("sk_reuseport/migrate")) attach the same way with
 * SO_ATTACH_REUSEPORT_EBPF to a socket of an SO_REUSEPORT group, and then pick the group's socket
 * for each incoming packet or connection.
 */
import { KernelError, LoaderError } from "../errors.ts";
import { FdScope, OwnedFd } from "../fd.ts";
import type { LinkInfo } from "../info.ts";
import { ProgType } from "../sys/constants.ts";
import { rawDupCloexec, rawSetsockopt } from "../sys/libc.ts";
import { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** asm-generic/socket.h. */
const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27;
const EBADF = 9;
const ENOTSOCK = 88;

/** How a program kind attaches to a socket with setsockopt(SOL_SOCKET, ...). */
interface SocketOption {
  readonly kind: string;
  readonly progType: number;
  readonly section: string;
  readonly attach: number;
  readonly detach: number;
  readonly name: string;
}

const SOCKET_FILTER: SocketOption = {
  kind: "socket_filter",
  progType: ProgType.SOCKET_FILTER,
  section: "socket",
  attach: SO_ATTACH_BPF,
  detach: SO_DETACH_BPF,
  name: "SO_ATTACH_BPF",
};

/**
 * SO_ATTACH_REUSEPORT_EBPF / SO_DETACH_REUSEPORT_BPF: the program picks the socket of the
 * SO_REUSEPORT group the socket belongs to (net/core/sock_reuseport.c).
 */
const REUSEPORT: SocketOption = {
  kind: "sk_reuseport",
  progType: ProgType.SK_REUSEPORT,
  section: "sk_reuseport",
  attach: 52,
  detach: 68,
  name: "SO_ATTACH_REUSEPORT_EBPF",
};

/** A program attached to a socket by setsockopt; `detach()` removes it from the socket. */
export class SocketFilterLink extends KernelLink {
  /** The socket, through this handle's own duplicate of the caller's fd. */
  readonly #socket: OwnedFd;
  readonly #option: SocketOption;

  constructor(socket: OwnedFd, label: string, option: SocketOption = SOCKET_FILTER) {
    super(option.kind, label, [], [socket]);
    this.#socket = socket;
    this.#option = option;
  }

  /** Socket attachments have no BPF link, so there is no link info to read. */
  override info(): LinkInfo {
    throw new LoaderError(
      `a ${this.#option.kind} program is attached with ${this.#option.name} and has no BPF link (nothing for link info)`,
    );
  }

  /** Detaches from the socket, then closes the duplicate socket fd. Idempotent. */
  override detach(): void {
    if (this.isDetached) return;
    if (!this.#socket.isClosed) {
      // ENOENT here means the program was already replaced or removed: nothing left to do.
      rawSetsockopt(this.#socket.fd, SOL_SOCKET, this.#option.detach, new Uint8Array(4));
    }
    super.detach();
  }
}

/** Attaches a socket filter program to the socket with descriptor `socketFd`. */
export function attachSocketFilter(prog: AttachableProgram, socketFd: number): KernelLink {
  return attachToSocket(prog, socketFd, SOCKET_FILTER);
}

/** Attaches an sk_reuseport program to the SO_REUSEPORT group of the socket `socketFd`. */
export function attachReuseport(prog: AttachableProgram, socketFd: number): KernelLink {
  return attachToSocket(prog, socketFd, REUSEPORT);
}

function attachToSocket(prog: AttachableProgram, socketFd: number, o: SocketOption): KernelLink {
  if (prog.type !== o.progType) {
    throw new LoaderError(
      `program "${prog.name}" is not a ${o.kind} (SEC("${o.section}")) program; ${o.name} takes only those`,
    );
  }
  if (!Number.isInteger(socketFd) || socketFd < 0) {
    throw new LoaderError(`socket fd must be a non-negative integer, got ${socketFd}`);
  }
  const what = `attaching ${o.kind} "${prog.name}" to socket fd ${socketFd}`;
  return FdScope.run((scope) => {
    const dup = rawDupCloexec(socketFd);
    if (dup.ret < 0) {
      const hint = dup.errno === EBADF ? `fd ${socketFd} is not open` : undefined;
      throw new KernelError("fcntl(F_DUPFD_CLOEXEC)", dup.errno, what, hint);
    }
    const sock = scope.track(new OwnedFd(dup.ret));
    const value = new Uint8Array(new Int32Array([prog.fd]).buffer);
    const r = rawSetsockopt(sock.fd, SOL_SOCKET, o.attach, value);
    if (r.ret < 0) {
      const hint = r.errno === ENOTSOCK ? `fd ${socketFd} is not a socket` : undefined;
      throw new KernelError(`setsockopt(${o.name})`, r.errno, what, hint);
    }
    return new SocketFilterLink(sock, `socket fd ${socketFd}`, o);
  });
}
