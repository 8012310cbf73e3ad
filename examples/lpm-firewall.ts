/**
 * lpm-firewall: a CIDR firewall for IPv4 and IPv6. User space installs prefixes (`10.0.0.0/8`,
 * `2001:db8::/32`) in two longest-prefix-match tries, each mapping a prefix to a rule: 0 drops, any
 * other value passes. The most specific prefix covering a packet's source address decides, so an
 * allow rule for `10.1.0.0/16` inside a deny rule for `10.0.0.0/8` lets that subnet through.
 * Packets no prefix covers, non-IP and truncated packets pass. `verdicts` counts drops and passes.
 *
 * Shows: `LpmTrie` keys (`prefixlen` then the address bytes, most significant first: an address in
 * network order is exactly that), whole-address copies out of the packet, two address families
 * sharing one verdict path.
 *
 * Run it: `tsbpf run examples/lpm-firewall.ts --iface eth0` (root).
 */
import {
  BPF_F_NO_PREALLOC,
  ETH_HLEN,
  ETH_P_IP,
  ETH_P_IPV6,
  type EthHdr,
  type Ipv4Addr,
  type Ipv4Hdr,
  type Ipv6Addr,
  type Ipv6Hdr,
  LpmTrie,
  PerCpuArray,
  XDP_DROP,
  XDP_PASS,
  htons,
  u32,
  u64,
  xdp,
  zeroed,
} from "tsbpf";

/** `struct bpf_lpm_trie_key` for IPv4: prefix length in bits, then the 4 address bytes. */
interface V4Prefix {
  prefixlen: u32;
  addr: Ipv4Addr;
}
/** The same for IPv6: 16 address bytes. */
interface V6Prefix {
  prefixlen: u32;
  addr: Ipv6Addr;
}

export const rules4 = new LpmTrie<V4Prefix, u32>({ maxEntries: 1024, flags: BPF_F_NO_PREALLOC });
export const rules6 = new LpmTrie<V6Prefix, u32>({ maxEntries: 1024, flags: BPF_F_NO_PREALLOC });
/** Index XDP_DROP / XDP_PASS: packets given that verdict. */
export const verdicts = new PerCpuArray<u64>({ maxEntries: XDP_PASS + 1 });

/** Counts `action` on this CPU and returns it. */
function verdict(action: u32): u32 {
  const count = verdicts.lookup(action);
  if (count !== null) count.value += 1;
  return action;
}

export const firewall = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null) return verdict(XDP_PASS);
  if (eth.value.h_proto === htons(ETH_P_IP)) {
    const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
    if (ip === null) return verdict(XDP_PASS);
    const key: V4Prefix = zeroed();
    key.prefixlen = 32;
    key.addr = ip.value.saddr;
    const rule = rules4.lookup(key);
    return rule === null
      ? verdict(XDP_PASS)
      : rule.value === 0
        ? verdict(XDP_DROP)
        : verdict(XDP_PASS);
  }
  if (eth.value.h_proto === htons(ETH_P_IPV6)) {
    const ip6 = ctx.header<Ipv6Hdr>(ETH_HLEN);
    if (ip6 === null) return verdict(XDP_PASS);
    const key6: V6Prefix = zeroed();
    key6.prefixlen = 128;
    key6.addr = ip6.value.saddr;
    const rule6 = rules6.lookup(key6);
    return rule6 === null
      ? verdict(XDP_PASS)
      : rule6.value === 0
        ? verdict(XDP_DROP)
        : verdict(XDP_PASS);
  }
  return verdict(XDP_PASS);
});

export const license = "GPL";
