/**
 * The packet a packet program runs on, as mutable state the helpers change: the buffer (a VM
 * region), where data_meta / data / data_end point into it, the link-layer headers' positions and
 * what the program asked the stack to do with the packet (a redirect, clones sent elsewhere).
 *
 * Consumes the packet bytes and the program's context layout (contexts.ts); the context region holds
 * the 64-bit pointer slots programs read (ctx-rewrite.ts) and the uapi fields, which this keeps in
 * step with every change (`sync`). Produces the packet after the run: XDP from data_meta (metadata
 * first, as BPF_PROG_TEST_RUN returns it), skb from data.
 *
 * Room, as the kernel's BPF_PROG_TEST_RUN lays packets out (net/bpf/test_run.c):
 * - XDP: one page per frame, XDP_PACKET_HEADROOM (256) bytes before the data, the last
 *   SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) bytes reserved (`xdp_data_hard_end`), and the
 *   first sizeof(struct xdp_frame) bytes never reachable by adjust_head / adjust_meta. Moves happen
 *   inside that frame.
 * - skb: NET_SKB_PAD (64) bytes of headroom; helpers that need more reallocate the head
 *   (`skb_cow`, `pskb_expand_head`), which here maps a new region (the verifier makes programs
 *   re-derive packet pointers after such helpers).
 * - skb seen from the network header (`SkbView` "l3": socket filters, cgroup skb, lwt): the frame
 *   is laid out the same way, then its Ethernet header is pulled (`eth_type_trans`), so data starts
 *   14 bytes in and the network header is at data; after the run the kernel pushes 14 zero bytes
 *   back in front of data, which is the packet `output` returns.
 */
import type { Memory, Region } from "./contract.ts";
import type { PacketContextLayout } from "./contexts.ts";

/** XDP_PACKET_HEADROOM (include/uapi/linux/bpf.h). */
export const XDP_HEADROOM = 256;
/** The frame size of a test-run XDP buffer: one page. */
export const XDP_FRAME_SIZE = 4096;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64: reserved at the frame's end. */
export const XDP_SHINFO_SIZE = 320;
/** sizeof(struct xdp_frame): the start of the frame adjust_head and adjust_meta cannot reach. */
export const XDP_FRAME_STRUCT_SIZE = 40;
/** NET_SKB_PAD + NET_IP_ALIGN on x86-64: the headroom of a test-run skb. */
export const SKB_HEADROOM = 64;
/** ETH_P_IP / ETH_P_IPV6 (uapi linux/if_ether.h). */
export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;

/**
 * The fixed network header of an EtherType (bpf_skb_net_base_len: struct iphdr, struct ipv6hdr),
 * 0 for others. BPF_PROG_TEST_RUN of an skb refuses (EINVAL) a frame whose EtherType is IPv4 or
 * IPv6 with fewer bytes than that after the Ethernet header, whatever the header's own version
 * and length fields say (measured on Linux 6.18 for tc, socket filter, cgroup_skb and lwt).
 */
export function networkBaseLength(etherType: number): number {
  return etherType === ETH_P_IP ? 20 : etherType === ETH_P_IPV6 ? 40 : 0;
}

/** BPF_SKB_MAX_LEN (net/core/filter.c, SKB_MAX_ALLOC on 4 KiB pages): the largest skb helpers make. */
export const SKB_MAX_LEN = 16064;

/**
 * Where a test-run skb starts for a program type (core/kernel `testRunSkb`): `l2` at the Ethernet
 * header (tc), `l3` at the network header (the Ethernet header pulled).
 */
export type SkbView = "l2" | "l3";

/** ETH_HLEN: the Ethernet header a test run pulls from an `l3` skb. */
export const ETH_HLEN = 14;
/**
 * SKF_NET_OFF / SKF_LL_OFF (uapi linux/filter.h): ldabs / ldind offsets from these on are relative to
 * the network / link-layer header instead of data.
 */
export const SKF_NET_OFF = -0x100000;
export const SKF_LL_OFF = -0x200000;

/**
 * The test-run input that shows a socket filter `frame` as a packet socket (AF_PACKET, SOCK_RAW)
 * sees it, from the Ethernet header: a test run pulls one Ethernet header before the program runs
 * (an `l3` skb), so the frame goes behind one more carrying its own EtherType (skb->protocol).
 */
export function packetSocketInput(frame: Uint8Array): Uint8Array {
  const data = new Uint8Array(ETH_HLEN + frame.length);
  data.set(frame.subarray(12, ETH_HLEN), 12);
  data.set(frame, ETH_HLEN);
  return data;
}

/** Where the program sent the packet (bpf_redirect and its variants), reported in the run result. */
export interface RedirectTarget {
  /** The helper that chose it (`redirect`, `redirect_peer`, `redirect_neigh`, `redirect_map`). */
  readonly helper: string;
  /**
   * Target interface index; for redirect_map, the entry the key found (a devmap's interface index,
   * a cpumap's queue size, an xskmap's socket fd), 0 for a broadcast.
   */
  readonly ifindex: number;
  /** BPF_F_INGRESS: into the interface's receive path rather than out of it. */
  readonly ingress: boolean;
  /** For redirect_map: the map's name. */
  readonly map?: string;
  /** For redirect_map: the key looked up (a devmap slot, a CPU, an xskmap queue). */
  readonly key?: number;
  /** For redirect_map with BPF_F_BROADCAST: to every entry of the devmap (key unused). */
  readonly broadcast?: boolean;
}

/** A copy of the packet bpf_clone_redirect sent. */
export interface ClonedPacket {
  readonly ifindex: number;
  readonly ingress: boolean;
  readonly packet: Uint8Array;
}

/** The packet of one run; offsets are into `buffer`. */
export class PacketState {
  buffer: Region;
  dataMeta: number;
  data: number;
  dataEnd: number;
  /** Where the network header starts, relative to data (skb: 14 after an Ethernet header). */
  networkOffset = ETH_HLEN;
  /** The target of the last redirect helper call. */
  redirect: RedirectTarget | undefined;
  readonly clones: ClonedPacket[] = [];
  /** Interfaces that exist (bpf_clone_redirect refuses others with -EINVAL). */
  readonly interfaces: ReadonlySet<number>;

  constructor(
    private readonly memory: Memory,
    readonly layout: PacketContextLayout,
    readonly ctx: Region,
    packet: Uint8Array,
    interfaces: readonly number[] = [1],
    /** Where the program sees the skb start (ignored for XDP). */
    readonly view: SkbView = "l2",
  ) {
    this.interfaces = new Set(interfaces);
    const xdp = layout.kind === "xdp_md";
    const headroom = xdp ? XDP_HEADROOM : SKB_HEADROOM;
    const size = xdp
      ? Math.max(XDP_FRAME_SIZE, headroom + packet.length + XDP_SHINFO_SIZE)
      : headroom + packet.length;
    const bytes = new Uint8Array(size);
    bytes.set(packet, headroom);
    this.buffer = memory.map(bytes, { writable: true, kind: "packet", name: "packet" });
    this.dataMeta = this.data = headroom;
    this.dataEnd = headroom + packet.length;
    if (this.isL3) {
      this.dataMeta = this.data = headroom + ETH_HLEN;
      this.networkOffset = 0;
    }
    this.sync();
  }

  /** An skb the program sees from its network header. */
  get isL3(): boolean {
    return !this.isXdp && this.view === "l3";
  }

  get isXdp(): boolean {
    return this.layout.kind === "xdp_md";
  }

  /** The packet's length (data to data_end). */
  get length(): number {
    return this.dataEnd - this.data;
  }

  /**
   * ldabs / ldind on an skb, as the kernel rewrites them (net/core/filter.c bpf_gen_ld_abs, the
   * bpf_skb_load_helper_{8,16,32} helpers): `size` bytes, big-endian, at `offset` from data, or from
   * the network header (offset - SKF_NET_OFF) or the link-layer header (offset - SKF_LL_OFF, which
   * sits ETH_HLEN before the network header) for offsets from those bases on; null (the program
   * exits with 0) when the bytes end past data_end or the offset is below SKF_LL_OFF. A test-run skb
   * is linear, so nothing is read from fragments.
   */
  legacyLoad(offset: number, size: number): bigint | null {
    let at: number;
    if (offset >= 0) at = offset;
    else if (offset >= SKF_NET_OFF) at = offset - SKF_NET_OFF + this.networkOffset;
    else if (offset >= SKF_LL_OFF) at = offset - SKF_LL_OFF + this.networkOffset - ETH_HLEN;
    else return null;
    if (this.isXdp || this.length - at < size) return null;
    const bytes = this.buffer.bytes;
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(bytes[this.data + at + i]!);
    return v;
  }

  /** Bytes [from, to) of the buffer (copied). */
  slice(from: number, to: number): Uint8Array {
    return this.buffer.bytes.slice(from, to);
  }

  /** XDP: the last offset data_end may reach (`xdp_data_hard_end`). */
  get hardEnd(): number {
    return this.buffer.bytes.length - XDP_SHINFO_SIZE;
  }

  /**
   * skb: replaces the packet by `bytes` in a fresh buffer with at least the usual headroom, as a
   * head reallocation does; data_meta follows data (skbs carry no XDP metadata).
   */
  replace(bytes: Uint8Array): void {
    const fresh = new Uint8Array(SKB_HEADROOM + bytes.length);
    fresh.set(bytes, SKB_HEADROOM);
    this.memory.unmap(this.buffer);
    this.buffer = this.memory.map(fresh, { writable: true, kind: "packet", name: "packet" });
    this.dataMeta = this.data = SKB_HEADROOM;
    this.dataEnd = SKB_HEADROOM + bytes.length;
    this.sync();
  }

  /** Writes the pointers into the context: the VM's 64-bit slots and the uapi u32 fields. */
  sync(): void {
    const view = new DataView(this.ctx.bytes.buffer, this.ctx.bytes.byteOffset);
    const put = (f: { offset: number; vmOffset: number }, offset: number) => {
      view.setUint32(f.offset, offset, true);
      view.setBigUint64(f.vmOffset, this.buffer.base + BigInt(offset), true);
    };
    put(this.layout.data, this.data);
    put(this.layout.dataEnd, this.dataEnd);
    put(this.layout.dataMeta, this.dataMeta);
    if (!this.isXdp) view.setUint32(this.layout.lenOffset, this.length, true);
  }

  /**
   * The packet after the run as BPF_PROG_TEST_RUN's data_out has it: XDP from data_meta, skb from
   * data, behind ETH_HLEN zero bytes for an `l3` skb (the header the kernel pushes back).
   */
  output(): Uint8Array {
    const bytes = this.slice(this.isXdp ? this.dataMeta : this.data, this.dataEnd);
    if (!this.isL3) return bytes;
    const out = new Uint8Array(ETH_HLEN + bytes.length);
    out.set(bytes, ETH_HLEN);
    return out;
  }

  /**
   * The uapi context after the run as BPF_PROG_TEST_RUN's ctx_out has it: xdp_md's data and
   * data_end relative to data_meta (`xdp_convert_buff_to_md`) and data_meta 0; __sk_buff's packet
   * pointers 0, as the caller's ctx_in must have them.
   */
  outputContext(): Uint8Array {
    const out = this.ctx.bytes.slice(0, this.layout.uapiSize);
    const view = new DataView(out.buffer);
    const xdp = this.isXdp;
    view.setUint32(this.layout.data.offset, xdp ? this.data - this.dataMeta : 0, true);
    view.setUint32(this.layout.dataEnd.offset, xdp ? this.dataEnd - this.dataMeta : 0, true);
    view.setUint32(this.layout.dataMeta.offset, 0, true);
    return out;
  }

  /** Unmaps the buffer. */
  dispose(): void {
    this.memory.unmap(this.buffer);
  }
}
