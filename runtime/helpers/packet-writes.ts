/**
 * The helpers that change packets and decide where they go (net/core/filter.c), on the run's
 * `PacketState` (runtime/vm/packet.ts): checksum updates (bpf_l3_csum_replace, bpf_l4_csum_replace,
 * bpf_csum_diff), resizing (bpf_xdp_adjust_head / _tail / _meta, bpf_skb_change_head / _tail,
 * bpf_skb_change_proto, bpf_skb_adjust_room), VLAN tags (bpf_skb_vlan_push / _pop), and redirects
 * (bpf_redirect for XDP and tc, bpf_redirect_peer, bpf_redirect_neigh, bpf_clone_redirect).
 *
 * Each follows the kernel function of the same name: the same argument checks in the same order and
 * the same errno, the same bytes moved and zeroed. What the kernel's stack would do afterwards
 * (transmit, redirect) is recorded on the state for the run result. The test run's skb carries no
 * checksum state (CHECKSUM_NONE), so BPF_F_PSEUDO_HDR changes nothing beyond the field itself.
 */
import { Errno } from "../maps/index.ts";
import { returnValue } from "../../core/kernel/return-codes.ts";
import type { HelperCall } from "../vm/contract.ts";
import {
  ETH_HLEN,
  ETH_P_IP,
  ETH_P_IPV6,
  networkBaseLength,
  SKB_MAX_LEN,
  XDP_FRAME_STRUCT_SIZE,
  type PacketState,
} from "../vm/packet.ts";
import {
  csumDiff,
  csumReplace2,
  csumReplace4,
  csumReplaceByDiff,
  protoCsumReplace4,
} from "./checksum.ts";
import type { HelperEnv } from "./env.ts";
import type { HelperImpl } from "./types.ts";
import { errno, helperError, numArg } from "./types.ts";

const VLAN_HLEN = 4;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;
/** bpf_redirect / bpf_clone_redirect flag (uapi linux/bpf.h). */
const BPF_F_INGRESS = 1n;
/** l3/l4_csum_replace flags. */
const BPF_F_HDR_FIELD_MASK = 0xfn;
const BPF_F_PSEUDO_HDR = 1n << 4n;
const BPF_F_MARK_MANGLED_0 = 1n << 5n;
const BPF_F_MARK_ENFORCE = 1n << 6n;
const BPF_F_IPV6 = 1n << 7n;
/** bpf_skb_adjust_room modes and the flags modelled here. */
const BPF_ADJ_ROOM_NET = 0;
const BPF_ADJ_ROOM_MAC = 1;
const BPF_F_ADJ_ROOM_FIXED_GSO = 1n << 0n;
const BPF_F_ADJ_ROOM_NO_CSUM_RESET = 1n << 5n;
/** sizeof(struct bpf_redir_neigh). */
const REDIR_NEIGH_SIZE = 20;

const XDP_ABORTED = returnValue("XDP_ABORTED");
const XDP_REDIRECT = returnValue("XDP_REDIRECT");
const TC_ACT_SHOT = returnValue("TC_ACT_SHOT");
const TC_ACT_REDIRECT = returnValue("TC_ACT_REDIRECT");

/** The run's packet, checked to be of the expected kind. */
function packetOf(env: HelperEnv, helper: string, kind?: "xdp" | "skb"): PacketState {
  const p = env.packet;
  if (!p) throw helperError(helper, "the program was not given a packet");
  if (kind !== undefined && p.isXdp !== (kind === "xdp"))
    throw helperError(helper, `needs a ${kind === "xdp" ? "xdp_md" : "__sk_buff"} context`);
  return p;
}

/** Argument `i` as a signed 32-bit number. */
const intArg = (c: HelperCall, i: number): number => Number(BigInt.asIntN(32, c.args[i - 1]!));

/** The u16 at packet offset `off` from data (native order, as the kernel's `__sum16 *` reads it). */
function view(p: PacketState): DataView {
  return new DataView(p.buffer.bytes.buffer, p.buffer.bytes.byteOffset, p.buffer.bytes.byteLength);
}

/** skb->protocol as the host reads the network-order u16 (`__sk_buff.protocol`). */
function protocolOf(p: PacketState): number {
  const v = new DataView(p.ctx.bytes.buffer, p.ctx.bytes.byteOffset);
  const raw = v.getUint32(p.layout.protocolOffset, true);
  return ((raw & 0xff) << 8) | (raw >> 8);
}
function setProtocol(p: PacketState, proto: number): void {
  const v = new DataView(p.ctx.bytes.buffer, p.ctx.bytes.byteOffset);
  v.setUint32(p.layout.protocolOffset, ((proto & 0xff) << 8) | (proto >> 8), true);
}

/** The skb's VLAN hardware-accelerated tag (`__sk_buff.vlan_present/_tci/_proto`). */
function vlanTag(p: PacketState): { present: boolean; tci: number; proto: number } {
  const v = new DataView(p.ctx.bytes.buffer, p.ctx.bytes.byteOffset);
  const o = p.layout.vlan;
  const raw = v.getUint32(o.proto, true);
  return {
    present: v.getUint32(o.present, true) !== 0,
    tci: v.getUint32(o.tci, true),
    proto: ((raw & 0xff) << 8) | (raw >> 8),
  };
}
function setVlanTag(p: PacketState, tag: { present: boolean; tci: number; proto: number }): void {
  const v = new DataView(p.ctx.bytes.buffer, p.ctx.bytes.byteOffset);
  const o = p.layout.vlan;
  v.setUint32(o.present, tag.present ? 1 : 0, true);
  v.setUint32(o.tci, tag.present ? tag.tci & 0xffff : 0, true);
  v.setUint32(o.proto, tag.present ? ((tag.proto & 0xff) << 8) | (tag.proto >> 8) : 0, true);
}

/** Replaces the skb's bytes (a head reallocation), keeping the network header's offset delta. */
function rebuild(p: PacketState, bytes: Uint8Array, networkDelta = 0): void {
  p.replace(bytes);
  p.networkOffset += networkDelta;
}

/** Inserts `len` zero bytes at `off` from data (`bpf_skb_generic_push`). */
function insertAt(p: PacketState, off: number, len: number): Uint8Array {
  const old = p.slice(p.data, p.dataEnd);
  const out = new Uint8Array(old.length + len);
  out.set(old.subarray(0, off), 0);
  out.set(old.subarray(off), off + len);
  return out;
}

/** Removes `len` bytes at `off` from data (`bpf_skb_generic_pop`). */
function removeAt(p: PacketState, off: number, len: number): Uint8Array {
  const old = p.slice(p.data, p.dataEnd);
  const out = new Uint8Array(old.length - len);
  out.set(old.subarray(0, off), 0);
  out.set(old.subarray(off + len), off);
  return out;
}

/** `bpf_try_make_writable(skb, len)`: the first `len` bytes exist. */
const writableUpTo = (p: PacketState, len: number): boolean => len <= p.length;

/**
 * The 16-bit checksum field both csum_replace helpers update (`bpf_l3/l4_csum_replace`): flags
 * checked against `known`, the offset even and inside the writable packet; then the new sum from
 * the old one by the field size in the flags (0: a precomputed diff, 2 or 4: old/new values).
 * Returns the field's location and old sum, or the errno value to return.
 */
function checksumField(
  c: HelperCall,
  env: HelperEnv,
  name: string,
  known: bigint,
  replace4: (sum: number, from: number, to: number) => number,
  replace2: (sum: number, from: number, to: number) => number,
): { v: DataView; at: number; sum: number; update: () => number | null } | { error: bigint } {
  const p = packetOf(env, name, "skb");
  const offset = numArg(c, 2);
  const [from, to, flags] = [c.args[2], c.args[3], c.args[4]];
  if ((flags & ~known) !== 0n) return { error: errno(Errno.EINVAL) };
  if (offset > 0xffff || offset & 1) return { error: errno(Errno.EFAULT) };
  if (!writableUpTo(p, offset + 2)) return { error: errno(Errno.EFAULT) };
  const v = view(p);
  const at = p.data + offset;
  const sum = v.getUint16(at, true);
  const update = (): number | null => {
    switch (flags & BPF_F_HDR_FIELD_MASK) {
      case 0n:
        return from !== 0n ? null : csumReplaceByDiff(sum, Number(to & 0xffffffffn));
      case 2n:
        return replace2(sum, Number(from & 0xffffn), Number(to & 0xffffn));
      case 4n:
        return replace4(sum, Number(from & 0xffffffffn), Number(to & 0xffffffffn));
      default:
        return null;
    }
  };
  return { v, at, sum, update };
}

function l3CsumReplace(c: HelperCall, env: HelperEnv): bigint {
  const f = checksumField(
    c,
    env,
    "l3_csum_replace",
    BPF_F_HDR_FIELD_MASK,
    csumReplace4,
    csumReplace2,
  );
  if ("error" in f) return f.error;
  const out = f.update();
  if (out === null) return errno(Errno.EINVAL);
  f.v.setUint16(f.at, out, true);
  return 0n;
}

function l4CsumReplace(c: HelperCall, env: HelperEnv): bigint {
  const flags = c.args[4];
  const known =
    BPF_F_MARK_MANGLED_0 |
    BPF_F_MARK_ENFORCE |
    BPF_F_PSEUDO_HDR |
    BPF_F_HDR_FIELD_MASK |
    BPF_F_IPV6;
  const f = checksumField(c, env, "l4_csum_replace", known, protoCsumReplace4, protoCsumReplace4);
  if ("error" in f) return f.error;
  const mangled0 = (flags & BPF_F_MARK_MANGLED_0) !== 0n;
  if (mangled0 && (flags & BPF_F_MARK_ENFORCE) === 0n && f.sum === 0) return 0n;
  let out = f.update();
  if (out === null) return errno(Errno.EINVAL);
  if (mangled0 && out === 0) out = 0xffff; // CSUM_MANGLED_0
  f.v.setUint16(f.at, out, true);
  return 0n;
}

function csumDiffHelper(c: HelperCall): bigint {
  const [fromSize, toSize] = [numArg(c, 2), numArg(c, 4)];
  // sizeof(sp->diff): MAX_BPF_STACK bytes of per-CPU scratch.
  if ((fromSize | toSize) & 3 || fromSize + toSize > 512) return errno(Errno.EINVAL);
  const from = fromSize > 0 ? c.memory.read(c.args[0], fromSize) : new Uint8Array(0);
  const to = toSize > 0 ? c.memory.read(c.args[2], toSize) : new Uint8Array(0);
  return BigInt(csumDiff(from, to, numArg(c, 5)));
}

function xdpAdjustHead(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "xdp_adjust_head", "xdp");
  const offset = intArg(c, 2);
  const metalen = p.data - p.dataMeta;
  const data = p.data + offset;
  if (data < XDP_FRAME_STRUCT_SIZE + metalen || data > p.dataEnd - ETH_HLEN)
    return errno(Errno.EINVAL);
  const b = p.buffer.bytes;
  if (metalen > 0) b.copyWithin(p.dataMeta + offset, p.dataMeta, p.data);
  p.dataMeta += offset;
  p.data = data;
  p.sync();
  return 0n;
}

function xdpAdjustMeta(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "xdp_adjust_meta", "xdp");
  const meta = p.dataMeta + intArg(c, 2);
  if (meta < XDP_FRAME_STRUCT_SIZE || meta > p.data) return errno(Errno.EINVAL);
  const metalen = p.data - meta;
  // xdp_metalen_invalid: 4-byte aligned, at most what skb_shared_info.meta_len (a u8) holds.
  if (metalen % 4 !== 0 || metalen > 255) return errno(Errno.EACCES);
  p.dataMeta = meta;
  p.sync();
  return 0n;
}

function xdpAdjustTail(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "xdp_adjust_tail", "xdp");
  const offset = intArg(c, 2);
  const end = p.dataEnd + offset;
  if (end > p.hardEnd || end < p.data + ETH_HLEN) return errno(Errno.EINVAL);
  if (offset > 0) p.buffer.bytes.fill(0, p.dataEnd, end);
  p.dataEnd = end;
  p.sync();
  return 0n;
}

function skbChangeHead(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "skb_change_head", "skb");
  const room = numArg(c, 2);
  const newLen = p.length + room;
  if (c.args[2] !== 0n || newLen > SKB_MAX_LEN || newLen < p.length) return errno(Errno.EINVAL);
  // skb_cow, __skb_push, zeroed; the MAC header starts at the new data.
  rebuild(p, insertAt(p, 0, room), room);
  return 0n;
}

function skbChangeTail(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "skb_change_tail", "skb");
  const newLen = numArg(c, 2);
  // __bpf_skb_min_len: the network header's offset (no transport header is set).
  if (c.args[2] !== 0n || newLen > SKB_MAX_LEN || newLen < p.networkOffset)
    return errno(Errno.EINVAL);
  const old = p.slice(p.data, p.dataEnd);
  const out = new Uint8Array(newLen);
  out.set(old.subarray(0, Math.min(newLen, old.length)));
  rebuild(p, out);
  return 0n;
}

/** bpf_skb_net_base_len: the fixed network header of skb->protocol. */
function netBaseLen(p: PacketState): number {
  return networkBaseLength(protocolOf(p));
}

function skbChangeProto(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "skb_change_proto", "skb");
  const to = ((Number(c.args[1] & 0xffffn) & 0xff) << 8) | (Number(c.args[1] & 0xffffn) >> 8);
  if (c.args[2] !== 0n) return errno(Errno.EINVAL);
  const from = protocolOf(p);
  const off = p.networkOffset; // skb_mac_header_len
  if (from === ETH_P_IP && to === ETH_P_IPV6) {
    rebuild(p, insertAt(p, off, 20));
  } else if (from === ETH_P_IPV6 && to === ETH_P_IP) {
    if (p.length - off < 20) return errno(Errno.EINVAL); // bpf_skb_net_hdr_pop's pskb_may_pull
    rebuild(p, removeAt(p, off, 20));
  } else if (from === to && (from === ETH_P_IP || from === ETH_P_IPV6)) {
    return 0n;
  } else return errno(Errno.ENOTSUPP);
  setProtocol(p, to);
  return 0n;
}

function skbAdjustRoom(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "skb_adjust_room", "skb");
  const lenDiff = intArg(c, 2);
  const mode = numArg(c, 3);
  const flags = c.args[3];
  const abs = Math.abs(lenDiff);
  const shrink = lenDiff < 0;
  const modelled = BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_NO_CSUM_RESET;
  // BPF_F_ADJ_ROOM_MASK | NO_CSUM_RESET: the flags the kernel knows.
  if ((flags & ~0x7fn) !== 0n) return errno(Errno.EINVAL);
  if ((flags & ~modelled) !== 0n)
    throw helperError(
      "skb_adjust_room",
      `flags 0x${flags.toString(16)}: encapsulation flags set up tunnel metadata the VM does not model (it models BPF_F_ADJ_ROOM_FIXED_GSO and BPF_F_ADJ_ROOM_NO_CSUM_RESET)`,
    );
  if (abs > 0xfff) return errno(Errno.EFAULT);
  const proto = protocolOf(p);
  if (proto !== ETH_P_IP && proto !== ETH_P_IPV6) return errno(Errno.ENOTSUPP);
  let off = p.networkOffset;
  if (mode === BPF_ADJ_ROOM_NET) off += netBaseLen(p);
  else if (mode !== BPF_ADJ_ROOM_MAC) return errno(Errno.ENOTSUPP);
  const lenCur = p.length - p.networkOffset;
  const lenMin = netBaseLen(p);
  if (
    (shrink && (abs >= lenCur || lenCur - abs < lenMin)) ||
    (!shrink && p.length + abs > SKB_MAX_LEN)
  )
    return errno(Errno.ENOTSUPP);
  if (shrink) {
    if (p.length < off + abs) return errno(Errno.EFAULT); // pskb_may_pull in bpf_skb_net_hdr_pop
    rebuild(p, removeAt(p, off, abs));
  } else rebuild(p, insertAt(p, off, abs));
  return 0n;
}

function skbVlanPush(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "skb_vlan_push", "skb");
  let proto = Number(c.args[1] & 0xffffn);
  proto = ((proto & 0xff) << 8) | (proto >> 8);
  if (proto !== ETH_P_8021Q && proto !== ETH_P_8021AD) proto = ETH_P_8021Q;
  const tci = Number(c.args[2] & 0xffffn);
  const cur = vlanTag(p);
  if (cur.present) {
    // __vlan_insert_tag: the current tag goes into the payload after the MAC addresses.
    const out = insertAt(p, 2 * 6, VLAN_HLEN);
    const v = new DataView(out.buffer);
    v.setUint16(12, cur.proto, false);
    v.setUint16(14, cur.tci, false);
    rebuild(p, out, VLAN_HLEN);
    setProtocol(p, cur.proto);
  }
  setVlanTag(p, { present: true, tci, proto });
  return 0n;
}

/** `__skb_vlan_pop`: removes the tag after the MAC addresses, returns its TCI. */
function popPayloadTag(p: PacketState): number | bigint {
  if (p.length < ETH_HLEN + VLAN_HLEN) return errno(Errno.EFAULT); // skb_ensure_writable
  const bytes = p.slice(p.data, p.dataEnd);
  const v = new DataView(bytes.buffer);
  const tci = v.getUint16(14, false);
  const inner = v.getUint16(16, false);
  rebuild(p, removeAt(p, 12, VLAN_HLEN));
  p.networkOffset = Math.max(p.networkOffset - VLAN_HLEN, ETH_HLEN);
  // vlan_set_encap_proto: an EtherType, or 802.3 framing (ETH_P_802_3 / ETH_P_802_2).
  setProtocol(p, inner >= 0x600 ? inner : inner === 0xffff ? 0x0001 : 0x0004);
  return tci;
}

const isVlan = (proto: number) => proto === ETH_P_8021Q || proto === ETH_P_8021AD;

function skbVlanPop(_c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "skb_vlan_pop", "skb");
  const cur = vlanTag(p);
  if (cur.present) setVlanTag(p, { present: false, tci: 0, proto: 0 });
  else {
    if (!isVlan(protocolOf(p))) return 0n;
    const r = popPayloadTag(p);
    if (typeof r === "bigint") return r;
  }
  // Move the next tag in the payload to the accelerated tag.
  const proto = protocolOf(p);
  if (!isVlan(proto)) return 0n;
  const tci = popPayloadTag(p);
  if (typeof tci === "bigint") return tci;
  setVlanTag(p, { present: true, tci, proto });
  return 0n;
}

function redirect(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "redirect");
  const ifindex = numArg(c, 1);
  const flags = c.args[1];
  if (p.isXdp) {
    if (flags !== 0n) return XDP_ABORTED;
    p.redirect = { helper: "redirect", ifindex, ingress: false };
    return XDP_REDIRECT;
  }
  if ((flags & ~BPF_F_INGRESS) !== 0n) return TC_ACT_SHOT;
  p.redirect = { helper: "redirect", ifindex, ingress: (flags & BPF_F_INGRESS) !== 0n };
  return TC_ACT_REDIRECT;
}

function redirectPeer(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "redirect_peer", "skb");
  if (c.args[1] !== 0n) return TC_ACT_SHOT;
  p.redirect = { helper: "redirect_peer", ifindex: numArg(c, 1), ingress: true };
  return TC_ACT_REDIRECT;
}

function redirectNeigh(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "redirect_neigh", "skb");
  const plen = numArg(c, 3);
  if ((plen !== 0 && plen < REDIR_NEIGH_SIZE) || c.args[3] !== 0n) return TC_ACT_SHOT;
  p.redirect = { helper: "redirect_neigh", ifindex: numArg(c, 1), ingress: false };
  return TC_ACT_REDIRECT;
}

function cloneRedirect(c: HelperCall, env: HelperEnv): bigint {
  const p = packetOf(env, "clone_redirect", "skb");
  const ifindex = numArg(c, 2);
  const flags = c.args[2];
  if ((flags & ~BPF_F_INGRESS) !== 0n) return errno(Errno.EINVAL);
  if (!p.interfaces.has(ifindex)) return errno(Errno.EINVAL);
  if (p.length === 0) return errno(Errno.ERANGE);
  p.clones.push({
    ifindex,
    ingress: (flags & BPF_F_INGRESS) !== 0n,
    packet: p.slice(p.data, p.dataEnd),
  });
  return 0n;
}

/** The packet-changing helpers. */
export const PACKET_WRITE_HELPERS: readonly HelperImpl[] = [
  { name: "l3_csum_replace", fn: l3CsumReplace },
  { name: "l4_csum_replace", fn: l4CsumReplace },
  { name: "csum_diff", fn: (c) => csumDiffHelper(c) },
  { name: "xdp_adjust_head", fn: xdpAdjustHead },
  { name: "xdp_adjust_meta", fn: xdpAdjustMeta },
  { name: "xdp_adjust_tail", fn: xdpAdjustTail },
  { name: "skb_change_head", fn: skbChangeHead },
  { name: "skb_change_tail", fn: skbChangeTail },
  { name: "skb_change_proto", fn: skbChangeProto },
  { name: "skb_adjust_room", fn: skbAdjustRoom },
  { name: "skb_vlan_push", fn: skbVlanPush },
  { name: "skb_vlan_pop", fn: skbVlanPop },
  { name: "redirect", fn: redirect },
  { name: "redirect_peer", fn: redirectPeer },
  { name: "redirect_neigh", fn: redirectNeigh },
  { name: "clone_redirect", fn: cloneRedirect },
];
