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

/** A socket filter attachment; `detach()` removes the filter from the socket. */
export class SocketFilterLink extends KernelLink {
  /** The socket, through this handle's own duplicate of the caller's fd. */
  readonly #socket: OwnedFd;

  constructor(socket: OwnedFd, label: string) {
    super("socket_filter", label, [], [socket]);
    this.#socket = socket;
  }

  /** Socket filters have no BPF link, so there is no link info to read. */
  override info(): LinkInfo {
    throw new LoaderError(
      "a socket filter is attached with SO_ATTACH_BPF and has no BPF link (nothing for link info)",
    );
  }

  /** SO_DETACH_BPF, then closes the duplicate socket fd. Idempotent. */
  override detach(): void {
    if (this.isDetached) return;
    if (!this.#socket.isClosed) {
      // ENOENT here means the filter was already replaced or removed: nothing left to do.
      rawSetsockopt(this.#socket.fd, SOL_SOCKET, SO_DETACH_BPF, new Uint8Array(4));
    }
    super.detach();
  }
}

/** Attaches a socket filter program to the socket with descriptor `socketFd`. */
export function attachSocketFilter(prog: AttachableProgram, socketFd: number): KernelLink {
  if (prog.type !== ProgType.SOCKET_FILTER) {
    throw new LoaderError(
      `program "${prog.name}" is not a socket filter (SEC("socket")) program; SO_ATTACH_BPF takes only those`,
    );
  }
  if (!Number.isInteger(socketFd) || socketFd < 0) {
    throw new LoaderError(`socket fd must be a non-negative integer, got ${socketFd}`);
  }
  const what = `attaching socket filter "${prog.name}" to socket fd ${socketFd}`;
  return FdScope.run((scope) => {
    const dup = rawDupCloexec(socketFd);
    if (dup.ret < 0) {
      const hint = dup.errno === EBADF ? `fd ${socketFd} is not open` : undefined;
      throw new KernelError("fcntl(F_DUPFD_CLOEXEC)", dup.errno, what, hint);
    }
    const sock = scope.track(new OwnedFd(dup.ret));
    const value = new Uint8Array(new Int32Array([prog.fd]).buffer);
    const r = rawSetsockopt(sock.fd, SOL_SOCKET, SO_ATTACH_BPF, value);
    if (r.ret < 0) {
      const hint = r.errno === ENOTSOCK ? `fd ${socketFd} is not a socket` : undefined;
      throw new KernelError("setsockopt(SO_ATTACH_BPF)", r.errno, what, hint);
    }
    return new SocketFilterLink(sock, `socket fd ${socketFd}`);
  });
}
