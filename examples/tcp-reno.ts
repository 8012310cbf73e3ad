/**
 * tcp-reno: a TCP congestion control written in TypeScript, registered as "tsbpf_reno" (a
 * struct_ops map of kernel type `tcp_congestion_ops`, like the kernel selftests' bpf_cubic.c), that
 * counts how often the kernel calls each of its members.
 *
 * Shows: `structOps("tcp_congestion_ops", { name, ssthresh, undo_cwnd, cong_avoid, ... })`: each
 * function member is a program in SEC("struct_ops/<member>") whose arguments are typed from the
 * member's BTF prototype (`struct sock *sk`, `u32 ack`, `u32 acked`), the `name` member is data.
 * `link: false` puts it in `.struct_ops` (registered by the map update, unregistered by deleting
 * it), which every libbpf reads; the default, `.struct_ops.link`, registers it through a BPF link
 * (libbpf 1.2 and later: `bpftool struct_ops register` of an older bpftool skips that section).
 * The kernel calls `ssthresh` on loss (half the window, at least 2 segments, as Reno does),
 * `undo_cwnd` when a loss was spurious (keep the window) and `cong_avoid` per ACK; this one leaves
 * the window where slow start and the kernel's defaults put it and only counts.
 *
 * Run it: `tsbpf run examples/tcp-reno.ts` (root), then in another shell
 * `sysctl net.ipv4.tcp_available_congestion_control` lists tsbpf_reno; a socket that sets
 * TCP_CONGESTION to "tsbpf_reno" uses it. Ctrl-C unregisters it.
 */
import { ArrayMap, atomicAdd, kernelPtr, structOps, u32, u64 } from "tsbpf";

/** Calls per member: 0 ssthresh, 1 undo_cwnd, 2 cong_avoid, 3 init, 4 set_state. */
export const calls = new ArrayMap<u64>({ maxEntries: 5 });

function count(member: u32): void {
  const c = calls.lookup(member);
  if (c !== null) atomicAdd(c.value, 1);
}

export const reno = structOps(
  "tcp_congestion_ops",
  {
    name: "tsbpf_reno",
    ssthresh: (_ctx, sk) => {
      count(0);
      const half = kernelPtr("tcp_sock", sk).snd_cwnd >> 1;
      return half < 2 ? 2 : half;
    },
    undo_cwnd: (_ctx, sk) => {
      count(1);
      return kernelPtr("tcp_sock", sk).snd_cwnd;
    },
    cong_avoid: (_ctx, _sk, _ack, _acked) => {
      count(2);
      return 0;
    },
    init: (_ctx, _sk) => {
      count(3);
      return 0;
    },
    set_state: (_ctx, _sk, _state) => {
      count(4);
      return 0;
    },
  },
  { link: false },
);

export const license = "GPL";
