/**
 * An AF_XDP socket bound to one receive queue of an interface in copy mode, made with socket(2),
 * setsockopt(2) and bind(2) through libc (koffi), so a test owns its fd and can store it in an
 * XSKMAP (net/xdp/xsk.c: a UMEM registered with XDP_UMEM_REG, fill and completion rings, an RX ring,
 * then bind with XDP_COPY, which needs no driver support and works on lo). The rings are never
 * mapped: the tests redirect under BPF_PROG_TEST_RUN, which delivers nothing.
 *
 * Consumes an interface index and a queue id; produces the socket's fd. Throws with errno's name
 * at the failing step.
 */
import koffi from "koffi";
import { libc } from "./raw-udp-socket.ts";

/** include/linux/socket.h and uapi linux/if_xdp.h. */
const AF_XDP = 44;
const SOCK_RAW = 3;
const SOL_XDP = 283;
const XDP_RX_RING = 2;
const XDP_UMEM_REG = 4;
const XDP_UMEM_FILL_RING = 5;
const XDP_UMEM_COMPLETION_RING = 6;
const XDP_COPY = 1 << 1;
const PAGE = 4096;
const CHUNK = 2048;
const RING = 64;

/** A bound AF_XDP socket and the UMEM memory it registered (kept alive while the socket is). */
export class AfXdpSocket {
  readonly fd: number;
  /** The UMEM: page-aligned chunks inside an over-allocated buffer the socket pins. */
  readonly #memory = new Uint8Array(16 * CHUNK + PAGE);

  constructor(ifindex: number, queue = 0) {
    const c = libc();
    const step = (what: string, ret: number) => {
      if (ret < 0) throw new Error(`AF_XDP ${what} failed: errno ${koffi.errno()}`);
      return ret;
    };
    this.fd = step("socket", c.socket(AF_XDP, SOCK_RAW, 0));
    try {
      const base = koffi.address(this.#memory) as bigint;
      const addr = (base + BigInt(PAGE - 1)) & ~BigInt(PAGE - 1);
      // struct xdp_umem_reg { u64 addr; u64 len; u32 chunk_size; u32 headroom; u32 flags; u32 tx_metadata_len; }
      const reg = new Uint8Array(32);
      const v = new DataView(reg.buffer);
      v.setBigUint64(0, addr, true);
      v.setBigUint64(8, BigInt(16 * CHUNK), true);
      v.setUint32(16, CHUNK, true);
      step("XDP_UMEM_REG", c.setsockopt(this.fd, SOL_XDP, XDP_UMEM_REG, reg, reg.length));
      const entries = new Uint8Array(new Uint32Array([RING]).buffer);
      for (const [name, opt] of [
        ["XDP_UMEM_FILL_RING", XDP_UMEM_FILL_RING],
        ["XDP_UMEM_COMPLETION_RING", XDP_UMEM_COMPLETION_RING],
        ["XDP_RX_RING", XDP_RX_RING],
      ] as const)
        step(name, c.setsockopt(this.fd, SOL_XDP, opt, entries, 4));
      // struct sockaddr_xdp { u16 family; u16 flags; u32 ifindex; u32 queue_id; u32 shared_umem_fd; }
      const sa = new Uint8Array(16);
      const s = new DataView(sa.buffer);
      s.setUint16(0, AF_XDP, true);
      s.setUint16(2, XDP_COPY, true);
      s.setUint32(4, ifindex, true);
      s.setUint32(8, queue, true);
      step("bind", c.bind(this.fd, sa, sa.length));
    } catch (e) {
      c.close(this.fd);
      throw e;
    }
  }

  close(): void {
    libc().close(this.fd);
  }
}
