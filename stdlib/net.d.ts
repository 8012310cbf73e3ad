/**
 * Network headers and protocol numbers, re-exported by `"tsbpf"` (index.d.ts): the kernel's structs
 * with the kernel's field names and layouts, for `ctx.header<T>(offset)` and `ctx.loadBytes`.
 * Declarations only: the compiler lays the interfaces out with C rules and knows the constants'
 * values (compiler/frontend/builtins.ts `CONSTANTS`; a test checks both agree).
 *
 * Multi-byte fields are in network byte order, as on the wire: compare them with `htons(ETH_P_IP)`,
 * or convert with `ntohs`/`ntohl`. C bitfields have no TypeScript spelling, so a byte holding two
 * bitfields is one `u8` field named after both, with the split documented on the field (the layout
 * is the little-endian one of the kernel's `__LITTLE_ENDIAN_BITFIELD` branch, the only one BPF
 * targets here).
 */
import type { FixedArray, u8, u16, u32 } from "./index.js";

/** Octets in one Ethernet address (linux/if_ether.h). */
export declare const ETH_ALEN: 6;
/** Bytes in an Ethernet header (`sizeof(struct ethhdr)`). */
export declare const ETH_HLEN: 14;
/** EtherTypes (linux/if_ether.h), host order: compare with `htons(ETH_P_IP)`. */
export declare const ETH_P_IP: 0x0800;
export declare const ETH_P_ARP: 0x0806;
export declare const ETH_P_8021Q: 0x8100;
export declare const ETH_P_8021AD: 0x88a8;
export declare const ETH_P_IPV6: 0x86dd;
/** IP protocol numbers (linux/in.h, `IPPROTO_ICMPV6` from linux/in6.h). */
export declare const IPPROTO_IP: 0;
export declare const IPPROTO_ICMP: 1;
export declare const IPPROTO_TCP: 6;
export declare const IPPROTO_UDP: 17;
export declare const IPPROTO_IPV6: 41;
export declare const IPPROTO_GRE: 47;
export declare const IPPROTO_ICMPV6: 58;
export declare const IPPROTO_SCTP: 132;
/** `Ipv4Hdr.frag_off` bits, host order (include/net/ip.h): don't fragment, more fragments, offset. */
export declare const IP_DF: 0x4000;
export declare const IP_MF: 0x2000;
export declare const IP_OFFSET: 0x1fff;
/** `TcpHdr.flags` bits (include/net/tcp.h `TCPHDR_*`). */
export declare const TCPHDR_FIN: 0x01;
export declare const TCPHDR_SYN: 0x02;
export declare const TCPHDR_RST: 0x04;
export declare const TCPHDR_PSH: 0x08;
export declare const TCPHDR_ACK: 0x10;
export declare const TCPHDR_URG: 0x20;
export declare const TCPHDR_ECE: 0x40;
export declare const TCPHDR_CWR: 0x80;

/**
 * An IPv4 address as packets carry it: network byte order (`__be32`), so `ip.value.saddr` is one.
 * A plain u32 to the language; `tsbpf run`, `--json` and tsbpf/user print it as `10.0.0.2` and
 * `--set` accepts it in that form (BTF `typedef u32 ipv4_addr`).
 */
export type Ipv4Addr = u32 & {
  /** Marks the type for tsbpf/user's typings; no value has it, so any u32 is an Ipv4Addr. */
  readonly __tsbpfIpv4?: never;
};
/**
 * An IPv6 address as packets carry it (`struct in6_addr` as its four 32-bit words, `s6_addr32`),
 * network order. Printed in RFC 5952 form (`2001:db8::1`) by `tsbpf run`, `--json` and tsbpf/user
 * (BTF `typedef u32 ipv6_addr[4]`).
 */
export interface Ipv6Addr extends FixedArray<u32, 4> {
  /** Marks the type for tsbpf/user's typings; no value has it. */
  readonly __tsbpfIpv6?: never;
}

/** `struct ethhdr` (linux/if_ether.h), 14 bytes. */
export interface EthHdr {
  /** Destination MAC address. */
  h_dest: FixedArray<u8, 6>;
  /** Source MAC address. */
  h_source: FixedArray<u8, 6>;
  /** EtherType, network order. */
  h_proto: u16;
}

/** `struct vlan_hdr` (linux/if_vlan.h): the 4 bytes after an 802.1Q/802.1ad EtherType. */
export interface VlanHdr {
  /** Priority (3 bits), drop eligible (1), VLAN id (12), network order. */
  h_vlan_TCI: u16;
  /** The EtherType of what follows, network order. */
  h_vlan_encapsulated_proto: u16;
}

/** `struct iphdr` (linux/ip.h) without options, 20 bytes; options follow when IHL > 5. */
export interface Ipv4Hdr {
  /**
   * The `ihl:4, version:4` bitfields: `version_ihl & 0xf` is the header length in 32-bit words
   * (5..15; the next header starts at `(version_ihl & 0xf) * 4`), `version_ihl >> 4` the version (4).
   */
  version_ihl: u8;
  tos: u8;
  tot_len: u16;
  id: u16;
  /** Flags (IP_DF, IP_MF) and fragment offset (IP_OFFSET): `ntohs(frag_off) & IP_OFFSET`. */
  frag_off: u16;
  ttl: u8;
  /** IPPROTO_* of the payload. */
  protocol: u8;
  check: u16;
  saddr: Ipv4Addr;
  daddr: Ipv4Addr;
}

/** `struct ipv6hdr` (linux/ipv6.h), 40 bytes; extension headers follow per `nexthdr`. */
export interface Ipv6Hdr {
  /**
   * The `priority:4, version:4` bitfields: `version_priority >> 4` is the version (6), the low
   * nibble the traffic class's high 4 bits (its low 4 bits are the top of `flow_lbl[0]`).
   */
  version_priority: u8;
  flow_lbl: FixedArray<u8, 3>;
  payload_len: u16;
  /** IPPROTO_* of the next header. */
  nexthdr: u8;
  hop_limit: u8;
  /** `struct in6_addr` as its four 32-bit words (`s6_addr32`), network order. */
  saddr: Ipv6Addr;
  daddr: Ipv6Addr;
}

/** `struct tcphdr` (linux/tcp.h) without options, 20 bytes. */
export interface TcpHdr {
  source: u16;
  dest: u16;
  seq: u32;
  ack_seq: u32;
  /**
   * The `res1:4, doff:4` bitfields: `doff_res1 >> 4` is the data offset (header length in 32-bit
   * words, 5..15).
   */
  doff_res1: u8;
  /** The flag bitfields fin..cwr as one byte: test with TCPHDR_SYN & co. */
  flags: u8;
  window: u16;
  check: u16;
  urg_ptr: u16;
}

/** `struct udphdr` (linux/udp.h), 8 bytes. */
export interface UdpHdr {
  source: u16;
  dest: u16;
  len: u16;
  check: u16;
}

/** `struct icmphdr` (linux/icmp.h), 8 bytes. */
export interface IcmpHdr {
  type: u8;
  code: u8;
  checksum: u16;
  /** `un.echo.id` (echo request/reply); with `echo_sequence` also `un.gateway` and `un.frag`. */
  echo_id: u16;
  /** `un.echo.sequence`. */
  echo_sequence: u16;
}
