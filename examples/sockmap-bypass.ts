/**
 * sockmap-bypass: a loopback TCP bypass, as service meshes accelerate local connections. Both ends
 * of a connection are in the `sockets` SockHash, keyed by their ports; every message one end sends
 * is put straight onto the other end's receive queue (bpf_msg_redirect_hash with BPF_F_INGRESS),
 * skipping the TCP/IP stack. A socket whose peer is not in the map sends as usual. `stats` counts
 * redirected (0) and passed (1) messages.
 *
 * Shows: an sk_msg program (`skMsg`) attached to a SockHash, a struct key built from the message's
 * ports (`local_port` is host order; `remote_port` is the network-order port in the upper half of a
 * u32, so `ntohl` gives it in host order), and a redirect verdict used as a value.
 *
 * Run it: `tsbpf run examples/sockmap-bypass.ts --sockmap sockets` (root), then add both ends of a
 * connection to `sockets` (user space stores each socket's fd under its key; the program applies to
 * sockets added after it is attached).
 */
import {
  ArrayMap,
  SockHash,
  atomicAdd,
  msgRedirectHash,
  ntohl,
  skMsg,
  BPF_F_INGRESS,
  SK_PASS,
  type u32,
  type u64,
} from "tsbpf";

/** One end of a connection: its own port and its peer's, both in host order. */
interface Ends {
  localPort: u32;
  remotePort: u32;
}

/** The sockets of the bypassed connections, by their ends. */
export const sockets = new SockHash<Ends>({ maxEntries: 1024 });
/** Messages redirected to the peer (0) and left to TCP (1). */
export const stats = new ArrayMap<u64>({ maxEntries: 2 });

export const bypass = skMsg((ctx) => {
  // The peer's entry: its local port is our remote port and the other way round.
  const peer: Ends = { localPort: ntohl(ctx.remote_port), remotePort: ctx.local_port };
  const verdict = msgRedirectHash(ctx, sockets, peer, BPF_F_INGRESS);
  const n = stats.lookup(verdict === SK_PASS ? 0 : 1);
  if (n !== null) atomicAdd(n.value, 1);
  // SK_PASS either way: a message whose redirect failed goes out through TCP.
  return SK_PASS;
});

export const license = "GPL";
