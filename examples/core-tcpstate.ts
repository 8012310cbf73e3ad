/**
 * core-tcpstate: reports active IPv4 TCP connects with the destination read from the kernel's
 * `struct sock` (libbpf-tools tcpconnect: `BPF_CORE_READ(sk, __sk_common.skc_daddr)`), not from
 * the tracepoint's copy.
 *
 * Shows: a kernel pointer from an address (`kernelPtr("sock", ctx.skaddr)`) and a field inside an
 * anonymous union inside the embedded `struct sock_common`, reached by name as in C; the relocation
 * records the full path (`__sk_common` → anonymous members → `skc_daddr`) for the loader.
 *
 * Run it: `tsbpf run examples/core-tcpstate.ts` (root), then `curl http://example.com` elsewhere.
 */
import { RingBuf, getCurrentPidTgid, kernelPtr, tracepoint, u16, u32 } from "tsbpf";

const AF_INET = 2;
const IPPROTO_TCP = 6;
const TCP_SYN_SENT = 2;

/** One record per connect (C layout). Addresses and the destination port in network order. */
interface ConnectEvent {
  pid: u32;
  daddr: u32;
  saddr: u32;
  dport: u16;
  family: u16;
}

const events = new RingBuf<ConnectEvent>({ maxEntries: 256 * 1024 });

export const onStateChange = tracepoint("sock/inet_sock_set_state", (ctx) => {
  if (ctx.protocol !== IPPROTO_TCP || ctx.newstate !== TCP_SYN_SENT) return 0;
  const sk = kernelPtr("sock", ctx.skaddr);
  const family = u16(sk.__sk_common.skc_family);
  if (family !== AF_INET) return 0;
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  e.value.daddr = sk.__sk_common.skc_daddr;
  e.value.saddr = sk.__sk_common.skc_rcv_saddr;
  e.value.dport = sk.__sk_common.skc_dport;
  e.value.family = family;
  events.submit(e);
  return 0;
});

export const license = "GPL";
