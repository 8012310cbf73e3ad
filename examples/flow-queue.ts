/**
 * flow-queue: a producer/consumer pipeline through a queue map. The producer (XDP) announces each
 * new IPv4 flow once: a bloom filter remembers the flows already seen, and an unseen one is pushed
 * as a record onto `announced` (first in, first out) and onto `recent` (a stack: last in, first
 * out). The consumer program takes one record off the queue per run and counts it by protocol in
 * an LRU per-CPU hash; user space may pop the queue instead, or read `recent` newest first.
 * Non-IPv4 and truncated packets pass untouched.
 *
 * Shows: `Queue`, `Stack` and `BloomFilter` maps (push / pop / peek, no keys), `LruPerCpuHash`,
 * and two programs sharing maps.
 *
 * Run it: `tsbpf run examples/flow-queue.ts --iface eth0` (root).
 */
import {
  BPF_EXIST,
  BloomFilter,
  ETH_HLEN,
  ETH_P_IP,
  type EthHdr,
  type Ipv4Addr,
  type Ipv4Hdr,
  LruPerCpuHash,
  Queue,
  Stack,
  XDP_PASS,
  htons,
  u8,
  u32,
  u64,
  xdp,
  zeroed,
} from "tsbpf";

/** One announced flow. */
interface Flow {
  saddr: Ipv4Addr;
  daddr: Ipv4Addr;
  protocol: u8;
}

export const seen = new BloomFilter<Flow>({ maxEntries: 4096 });
export const announced = new Queue<Flow>({ maxEntries: 256 });
export const recent = new Stack<Flow>({ maxEntries: 16 });
/** IP protocol → flows the consumer took off the queue. */
export const consumed = new LruPerCpuHash<u32, u64>({ maxEntries: 256 });

export const produce = xdp((ctx) => {
  const eth = ctx.header<EthHdr>(0);
  if (eth === null || eth.value.h_proto !== htons(ETH_P_IP)) return XDP_PASS;
  const ip = ctx.header<Ipv4Hdr>(ETH_HLEN);
  if (ip === null) return XDP_PASS;
  const flow: Flow = zeroed();
  flow.saddr = ip.value.saddr;
  flow.daddr = ip.value.daddr;
  flow.protocol = ip.value.protocol;
  if (seen.peek(flow) === 0) return XDP_PASS;
  seen.push(flow);
  announced.push(flow);
  // A full stack drops its oldest record: `recent` keeps the last 16 flows.
  recent.push(flow, BPF_EXIST);
  return XDP_PASS;
});

export const consume = xdp(() => {
  const flow = announced.pop();
  if (flow === null) return XDP_PASS;
  const proto: u32 = flow.value.protocol;
  const count = consumed.lookup(proto);
  if (count !== null) count.value += 1;
  else consumed.update(proto, 1);
  return XDP_PASS;
});

export const license = "GPL";
