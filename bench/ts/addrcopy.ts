/**
 * addrcopy (codegen benchmark shape: struct-to-struct array copies): keys TCP state changes by
 * their IPv6 address pair. The 16-byte address arrays are copied from the tracepoint record into a
 * stack key, the key is copied whole into a ring-buffer record, and counted in a hash map.
 * C twin: bench/c/addrcopy.bpf.c.
 */
import { CharArray, HashMap, RingBuf, tracepoint, u16, u32, u64 } from "tsbpf";

const AF_INET6 = 10;

interface FlowKey {
  saddr: CharArray<16>;
  daddr: CharArray<16>;
  sport: u16;
  dport: u16;
  family: u16;
  protocol: u16;
}

interface FlowEvent {
  key: FlowKey;
  oldstate: u32;
  newstate: u32;
}

const flows = new HashMap<FlowKey, u64>({ maxEntries: 1024 });
const events = new RingBuf<FlowEvent>({ maxEntries: 64 * 1024 });

export const onStateChange = tracepoint("sock/inet_sock_set_state", (ctx) => {
  if (ctx.family !== AF_INET6) return 0;
  const key: FlowKey = {
    saddr: ctx.saddr_v6,
    daddr: ctx.daddr_v6,
    sport: ctx.sport,
    dport: ctx.dport,
    family: ctx.family,
    protocol: ctx.protocol,
  };
  const count = flows.lookup(key);
  if (count === null) flows.update(key, 1);
  else count.value += 1;
  const e = events.reserve();
  if (e === null) return 0;
  e.value.key = key;
  e.value.oldstate = u32(ctx.oldstate);
  e.value.newstate = u32(ctx.newstate);
  events.submit(e);
  return 0;
});

export const license = "GPL";
