// SPDX-License-Identifier: GPL-2.0
/*
 * core-tcpstate: active IPv4 TCP connects with the addresses read from struct sock
 * (BPF_CORE_READ(sk, __sk_common.skc_daddr)), like libbpf-tools tcpconnect.
 *
 * Hook: tracepoint sock/inet_sock_set_state (skaddr is the struct sock). Maps: events (ring buffer).
 * C twin of examples/core-tcpstate.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define AF_INET 2
#define IPPROTO_TCP 6

struct event {
	u32 pid;
	u32 daddr;
	u32 saddr;
	u16 dport;
	u16 family;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int on_state_change(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct sock *sk;
	struct event *e;
	u16 family;

	if (ctx->protocol != IPPROTO_TCP || ctx->newstate != TCP_SYN_SENT)
		return 0;
	sk = (struct sock *)ctx->skaddr;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	e->saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	e->dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	e->family = family;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
