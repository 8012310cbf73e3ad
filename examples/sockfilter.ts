/**
 * sockfilter: a socket filter that keeps only IPv4 TCP packets and counts IPv4 packets per IP
 * protocol (in the spirit of libbpf-bootstrap's sockfilter).
 *
 * Shows: `socketFilter` programs, whose return value is how many bytes of the packet to keep
 * (`ctx.len` keeps it whole, 0 drops it), and `ctx.loadBytes` (bpf_skb_load_bytes): socket
 * filters cannot read packet memory directly, so the protocol byte is copied into a stack buffer.
 *
 * Run it: `tsbpf run examples/sockfilter.ts --iface eth0` (root; attaches to an AF_PACKET socket).
 */
import {
  ArrayMap,
  ETH_HLEN,
  ETH_P_IP,
  type FixedArray,
  IPPROTO_TCP,
  atomicAdd,
  htons,
  socketFilter,
  u8,
  u32,
  u64,
  zeroed,
} from "tsbpf";

/** offsetof(struct iphdr, protocol). */
const IP_PROTOCOL_OFFSET = 9;
export const protoCounts = new ArrayMap<u64>({ maxEntries: 256 });

export const sockfilter = socketFilter((ctx) => {
  if (ctx.protocol !== htons(ETH_P_IP)) return 0;
  const proto: FixedArray<u8, 1> = zeroed();
  if (ctx.loadBytes(ETH_HLEN + IP_PROTOCOL_OFFSET, proto) < 0) return 0;
  const key: u32 = proto[0];
  const count = protoCounts.lookup(key);
  if (count !== null) atomicAdd(count.value, 1);
  return proto[0] === IPPROTO_TCP ? ctx.len : 0;
});

export const license = "GPL";
