/**
 * tcpconnect: reports active IPv4 TCP connects — pid, uid, addresses, ports and command name —
 * through a ring buffer (like bcc's tcpconnect, via the socket state tracepoint instead of kprobes).
 *
 * Shows: filtering a tracepoint on several fields; a transition to TCP_SYN_SENT is an active open,
 * which runs in the connecting process, so pid and comm are the caller's. Addresses stay in network
 * order as the tracepoint gives them; ports arrive in host order.
 *
 * Run it: `tsbpf run examples/tcpconnect.ts` (root), then `curl http://example.com` elsewhere.
 */
import {
  type CharArray,
  RingBuf,
  getCurrentComm,
  getCurrentPidTgid,
  getCurrentUidGid,
  tracepoint,
  u16,
  u32,
} from "tsbpf";

const AF_INET = 2;
const IPPROTO_TCP = 6;
const TCP_SYN_SENT = 2;

/** One record per connect (C layout). */
interface ConnectEvent {
  pid: u32;
  uid: u32;
  saddr: u32;
  daddr: u32;
  sport: u16;
  dport: u16;
  comm: CharArray<16>;
}

export const events = new RingBuf<ConnectEvent>({ maxEntries: 256 * 1024 });

export const onStateChange = tracepoint("sock/inet_sock_set_state", (ctx) => {
  if (ctx.protocol !== IPPROTO_TCP || ctx.family !== AF_INET) return 0;
  if (ctx.newstate !== TCP_SYN_SENT) return 0;
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  e.value.uid = u32(getCurrentUidGid());
  e.value.saddr = ctx.saddr;
  e.value.daddr = ctx.daddr;
  e.value.sport = ctx.sport;
  e.value.dport = ctx.dport;
  getCurrentComm(e.value.comm);
  events.submit(e);
  return 0;
});

export const license = "GPL";
