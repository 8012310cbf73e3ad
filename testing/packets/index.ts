/** Packet builders of tsbpf/test (layers.ts), addresses and checksums. */
export { AddressError, ipv4Bytes, ipv4Word, ipv6Bytes, macBytes } from "./addr.ts";
export { internetChecksum, ipv4PseudoSum, ipv6PseudoSum, onesSum } from "./checksum.ts";
export {
  ETHERTYPE,
  IPPROTO,
  PacketError,
  ethernet,
  icmp,
  icmpv6,
  ipv4,
  ipv6,
  packet,
  payload,
  tcp,
  udp,
  vlan,
  type EthernetLayer,
  type IcmpLayer,
  type Ipv4Layer,
  type Ipv6Extension,
  type Ipv6Layer,
  type Layer,
  type PayloadLayer,
  type TcpFlags,
  type TcpLayer,
  type UdpLayer,
  type VlanLayer,
} from "./layers.ts";
