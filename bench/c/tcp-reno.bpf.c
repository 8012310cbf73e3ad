// SPDX-License-Identifier: GPL-2.0
/*
 * tcp-reno: a TCP congestion control registered as "tsbpf_reno" (a struct_ops map of kernel type
 * tcp_congestion_ops, like the kernel selftests' bpf_cubic.c) that counts how often the kernel
 * calls each of its members; ssthresh halves the window (at least 2), undo_cwnd keeps it.
 *
 * Sections: struct_ops/{ssthresh,undo_cwnd,cong_avoid,init,set_state}, .struct_ops (reno).
 * Maps: calls (array u32 -> u64, 5 entries: ssthresh, undo_cwnd, cong_avoid, init, set_state).
 * C twin of examples/tcp-reno.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, u32);
	__type(value, u64);
} calls SEC(".maps");

static __always_inline void count(u32 member)
{
	u64 *c = bpf_map_lookup_elem(&calls, &member);
	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("struct_ops/ssthresh")
u32 BPF_PROG(reno_ssthresh, struct sock *sk)
{
	count(0);
	u32 half = BPF_CORE_READ((struct tcp_sock *)sk, snd_cwnd) >> 1;
	return half < 2 ? 2 : half;
}

SEC("struct_ops/undo_cwnd")
u32 BPF_PROG(reno_undo_cwnd, struct sock *sk)
{
	count(1);
	return BPF_CORE_READ((struct tcp_sock *)sk, snd_cwnd);
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(reno_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	count(2);
}

SEC("struct_ops/init")
void BPF_PROG(reno_init, struct sock *sk)
{
	count(3);
}

SEC("struct_ops/set_state")
void BPF_PROG(reno_set_state, struct sock *sk, u8 new_state)
{
	count(4);
}

SEC(".struct_ops")
struct tcp_congestion_ops reno = {
	.ssthresh = (void *)reno_ssthresh,
	.undo_cwnd = (void *)reno_undo_cwnd,
	.cong_avoid = (void *)reno_cong_avoid,
	.init = (void *)reno_init,
	.set_state = (void *)reno_set_state,
	.name = "tsbpf_reno",
};

char LICENSE[] SEC("license") = "GPL";
