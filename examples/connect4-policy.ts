/**
 * connect4-policy: a connect() policy for the processes of a cgroup. An IPv4 connect to a port
 * listed in `blocked` fails with EPERM; one to a port listed in `redirects` goes to the port it maps
 * to instead (the program rewrites the address the process passed, as a transparent proxy would);
 * any other goes through. `verdicts` counts allowed, refused and redirected connects. Ports are in
 * host order in both maps.
 *
 * Shows: a cgroup/connect4 program (`cgroupSockAddr`), a writable context field (`user_port`; the
 * hook may write only `user_ip4` and `user_port`, anything else is TSB3008), a refusal by return
 * value, and network-order ports.
 *
 * Run it: `tsbpf run examples/connect4-policy.ts --cgroup /sys/fs/cgroup/app --set redirects:8080=8081`
 * (root; without --cgroup it applies to every process).
 */
import {
  ArrayMap,
  HashMap,
  atomicAdd,
  cgroupSockAddr,
  htons,
  ntohs,
  u16,
  u32,
  u64,
  u8,
} from "tsbpf";

/** Destination ports (host order) whose connects are refused. */
export const blocked = new HashMap<u16, u8>({ maxEntries: 256 });
/** Destination port (host order) → the port connects to it are sent to instead. */
export const redirects = new HashMap<u16, u16>({ maxEntries: 256 });
/** Connects by verdict: 0 allowed, 1 refused, 2 redirected. */
export const verdicts = new ArrayMap<u64>({ maxEntries: 3 });

const ALLOWED = 0;
const REFUSED = 1;
const REDIRECTED = 2;

function count(verdict: u32): void {
  const n = verdicts.lookup(verdict);
  if (n !== null) atomicAdd(n.value, 1);
}

export const policy = cgroupSockAddr("connect4", (ctx) => {
  // user_port holds the port in network order in its low 16 bits.
  const port = ntohs(u16(ctx.user_port));
  if (blocked.lookup(port) !== null) {
    count(REFUSED);
    return 0;
  }
  const to = redirects.lookup(port);
  if (to !== null) {
    ctx.user_port = htons(to.value);
    count(REDIRECTED);
    return 1;
  }
  count(ALLOWED);
  return 1;
});

export const license = "GPL";
