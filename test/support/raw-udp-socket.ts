/**
 * UDP sockets on 127.0.0.1 made with socket(2) through libc (koffi), so a test owns their fds and can
 * hand them to the loader (socket filters, sk_reuseport programs); optionally members of one
 * SO_REUSEPORT group.
 */
import { createSocket } from "node:dgram";
import koffi from "koffi";

interface Libc {
  socket: (domain: number, type: number, proto: number) => number;
  bind: (fd: number, addr: Uint8Array, len: number) => number;
  getsockname: (fd: number, addr: Uint8Array, len: Uint32Array) => number;
  setsockopt: (fd: number, level: number, name: number, value: Uint8Array, len: number) => number;
  recv: (fd: number, buf: Uint8Array, len: number, flags: number) => number | bigint;
  open: (path: string, flags: number) => number;
  close: (fd: number) => number;
}
let lc: Libc | undefined;

/** The libc functions the socket tests call. */
export function libc(): Libc {
  if (lc) return lc;
  const l = koffi.load("libc.so.6");
  lc = {
    socket: l.func("int socket(int, int, int)"),
    bind: l.func("int bind(int, const void *, unsigned int)"),
    getsockname: l.func("int getsockname(int, void *, void *)"),
    setsockopt: l.func("int setsockopt(int, int, int, const void *, unsigned int)"),
    recv: l.func("long recv(int, void *, unsigned long, int)"),
    open: l.func("int open(const char *, int)"),
    close: l.func("int close(int)"),
  };
  return lc;
}

/** SOL_SOCKET / SO_REUSEPORT (asm-generic/socket.h). */
const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;

/** A UDP socket on 127.0.0.1 created with socket(2), so the test owns its fd. */
export class RawUdpSocket {
  readonly fd: number;
  readonly port: number;

  /**
   * Binds to `port` (default 0: any free port); with `reusePort`, sets SO_REUSEPORT first so more
   * sockets can join the port's group.
   */
  constructor(opts: { port?: number; reusePort?: boolean } = {}) {
    const c = libc();
    this.fd = c.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
    if (this.fd < 0) throw new Error("socket() failed");
    if (opts.reusePort) {
      const one = new Uint8Array(new Int32Array([1]).buffer);
      if (c.setsockopt(this.fd, SOL_SOCKET, SO_REUSEPORT, one, 4) !== 0)
        throw new Error("setsockopt(SO_REUSEPORT) failed");
    }
    const port = opts.port ?? 0;
    const addr = new Uint8Array(16);
    addr.set([2, 0, port >> 8, port & 0xff, 127, 0, 0, 1]); // sin_family, port, 127.0.0.1
    if (c.bind(this.fd, addr, 16) !== 0) throw new Error("bind() failed");
    const len = new Uint32Array([16]);
    c.getsockname(this.fd, addr, len);
    this.port = (addr[2]! << 8) | addr[3]!;
  }

  /** Receives every queued datagram without blocking; returns how many there were. */
  drain(): number {
    const buf = new Uint8Array(2048);
    let n = 0;
    while (Number(libc().recv(this.fd, buf, buf.length, 0x40 /* MSG_DONTWAIT */)) >= 0) n++;
    return n;
  }

  close(): void {
    libc().close(this.fd);
  }
}

/** Sends `n` datagrams ("ping") to 127.0.0.1:`port` from a fresh node socket. */
export async function sendUdp(port: number, n: number): Promise<void> {
  const tx = createSocket("udp4");
  try {
    for (let i = 0; i < n; i++)
      await new Promise<void>((r, j) =>
        tx.send("ping", port, "127.0.0.1", (e) => (e ? j(e) : r())),
      );
  } finally {
    tx.close();
  }
}
