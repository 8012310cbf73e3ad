/**
 * tenant-acl: per-tenant port blocklists behind one XDP program. Each tenant is a destination IPv4
 * address with its own table of blocked destination ports (host order → any value blocks); the
 * tables live in a map of maps, `tenants`, keyed by that address, so user space adds, removes or
 * atomically swaps a tenant's whole rule set by storing another inner map under its key while the
 * program runs. A TCP or UDP packet whose destination port is in its tenant's table is dropped;
 * packets to an address with no table, other protocols, non-IPv4 and truncated packets pass.
 * `verdicts` counts drops and passes.
 *
 * Shows: `HashOfMaps` (BPF_MAP_TYPE_HASH_OF_MAPS, with the inner template libbpf's
 * `__array(values, ...)` describes): a lookup that yields the inner map, a null test, then the inner
 * map used like any `HashMap`; a transport header at the offset the IHL field gives.
 *
 * Run it: `tsbpf run examples/tenant-acl.ts --iface eth0` (root); user space fills `portsA` /
 * `portsB` and stores them under tenant addresses in `tenants` (bpf_map_update_elem with the
 * inner map's fd as the value).
 */
import {
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  HashMap,
  HashOfMaps,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ipv4Addr,
  type Ipv4Hdr,
  PerCpuArray,
  XDP_DROP,
  XDP_PASS,
  htons,
  ntohs,
  u16,
  u32,
  u64,
  xdp,
} from "tsbpf";

/** The ports at the start of a TCP or UDP header (network order). */
interface Ports {
  source: u16;
  dest: u16;
}

/** Two rule tables user space fills and stores in `tenants` (more can be created at run time). */
export const portsA = new HashMap<u16, u32>({ maxEntries: 256 });
export const portsB = new HashMap<u16, u32>({ maxEntries: 256 });
/** Tenant (destination address, network order) → its table of blocked ports. */
export const tenants = new HashOfMaps<Ipv4Addr, HashMap<u16, u32>>({
  maxEntries: 64,
  inner: { maxEntries: 256 },
});
/** Index XDP_DROP / XDP_PASS: packets given that verdict. */
export const verdicts = new PerCpuArray<u64>({ maxEntries: XDP_PASS + 1 });

/** Counts `action` on this CPU and returns it. */
function verdict(action: u32): u32 {
  const count = verdicts.lookup(action);
  if (count !== null) count.value += 1;
  return action;
}

export const acl = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.value.h_proto !== htons(ETH_P_IP)) return verdict(XDP_PASS);
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return verdict(XDP_PASS);
  const proto = ip.value.protocol;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return verdict(XDP_PASS);
  const rules = tenants.lookup(ip.value.daddr);
  if (rules === null) return verdict(XDP_PASS);
  const ihl: u32 = ip.value.version_ihl & 0xf;
  const ports = ctx.header<Ports>(ETH_HLEN + ihl * 4);
  if (ports === null) return verdict(XDP_PASS);
  const blocked = rules.lookup(ntohs(ports.value.dest));
  return blocked === null ? verdict(XDP_PASS) : verdict(XDP_DROP);
});

export const license = "GPL";
