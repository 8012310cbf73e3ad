/**
 * The socket a live socket filter (SEC("socket")) is attached to by `tsbpf run --iface IF`: a raw
 * AF_PACKET socket bound to one interface, so the filter sees every frame that interface sends or
 * receives, Ethernet header included (packet(7); Documentation/networking/filter.rst).
 *
 * Consumes an interface name or index; produces the socket fd for the loader's attach
 * (`AttachOptions.socketFd`) and, on `drain()`, the frames the filter kept (its return value was
 * non-zero), with a one-line summary of their IPv4 / TCP / UDP headers.
 *
 * Invariants:
 * - the socket is created with protocol 0, which receives nothing (packet(7)), and starts
 *   receiving only in `start()`, called after the filter is attached: so no frame reaches the
 *   queue without having passed the filter;
 * - the socket is non-blocking; `drain()` never waits; `close()` is idempotent.
 */
import { resolveInterface } from "../loader/index.ts";
import { bindOrThrow, closeFd, recvRaw, socketOrThrow } from "./sys/native.ts";

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
/** htons(ETH_P_ALL): every protocol. */
const ETH_P_ALL_BE = 0x0300;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EAGAIN = 11;
/** How many bytes of each kept frame are copied out (enough for the headers we summarise). */
const SNAP_LEN = 256;
/** At most this many frames per `drain()`, so a flood cannot starve the event loop. */
const MAX_PER_DRAIN = 1024;

/** A frame the socket filter kept. */
export interface KeptPacket {
  /** Full length on the wire (the filter may have trimmed what was queued). */
  readonly length: number;
  /** The first bytes (up to 256). */
  readonly head: Uint8Array;
}

/** A raw packet socket on one interface. */
export class PacketSocket {
  #fd: number;

  private constructor(
    fd: number,
    readonly iface: string,
    readonly ifindex: number,
  ) {
    this.#fd = fd;
  }

  /** Opens the socket for interface `iface` (not receiving yet: see `start`). */
  static open(iface: string | number): PacketSocket {
    const ifindex = resolveInterface(iface);
    const fd = socketOrThrow(
      AF_PACKET,
      SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
      0,
      `opening a packet socket for interface ${iface}`,
    );
    return new PacketSocket(fd, String(iface), ifindex);
  }

  /** The socket's fd (-1 once closed). */
  get fd(): number {
    return this.#fd;
  }

  /** Binds to the interface for every protocol: frames start arriving (through the filter). */
  start(): void {
    // struct sockaddr_ll: u16 family, be16 protocol, i32 ifindex, u16 hatype, u8 pkttype,
    // u8 halen, u8 addr[8] (20 bytes).
    const addr = new Uint8Array(20);
    const view = new DataView(addr.buffer);
    view.setUint16(0, AF_PACKET, true);
    view.setUint16(2, ETH_P_ALL_BE, true);
    view.setInt32(4, this.ifindex, true);
    bindOrThrow(this.#fd, addr, `binding the packet socket to interface ${this.iface}`);
  }

  /** The frames queued since the last call (never blocks). */
  drain(): KeptPacket[] {
    const out: KeptPacket[] = [];
    if (this.#fd < 0) return out;
    const buf = new Uint8Array(SNAP_LEN);
    while (out.length < MAX_PER_DRAIN) {
      const n = recvRaw(this.#fd, buf, MSG_DONTWAIT | MSG_TRUNC);
      if (n === -EAGAIN || n < 0) break;
      out.push({ length: n, head: buf.slice(0, Math.min(n, SNAP_LEN)) });
    }
    return out;
  }

  /** Closes the socket. Idempotent. */
  close(): void {
    closeFd(this.#fd);
    this.#fd = -1;
  }
}

function ipv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/**
 * One line about a frame: `IPv4 TCP 127.0.0.1:41234 > 127.0.0.1:5555` (ports for TCP and UDP),
 * `IPv4 proto 1 ...` for other IPv4 protocols, `ethertype 0x86dd` for the rest.
 */
export function describePacket(head: Uint8Array): string {
  if (head.length < 14) return "short frame";
  const ethertype = (head[12]! << 8) | head[13]!;
  if (ethertype !== 0x0800 || head.length < 34) return `ethertype 0x${ethertype.toString(16)}`;
  const ihl = (head[14]! & 0xf) * 4;
  const proto = head[23]!;
  const name = proto === 6 ? "TCP" : proto === 17 ? "UDP" : proto === 1 ? "ICMP" : `proto ${proto}`;
  const src = ipv4(head, 26);
  const dst = ipv4(head, 30);
  const l4 = 14 + ihl;
  if ((proto === 6 || proto === 17) && head.length >= l4 + 4) {
    const sport = (head[l4]! << 8) | head[l4 + 1]!;
    const dport = (head[l4 + 2]! << 8) | head[l4 + 3]!;
    return `IPv4 ${name} ${src}:${sport} > ${dst}:${dport}`;
  }
  return `IPv4 ${name} ${src} > ${dst}`;
}
