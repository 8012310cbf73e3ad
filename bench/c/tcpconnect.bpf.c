// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect: reports active IPv4 TCP connects (BCC/libbpf-tools tcpconnect, via the socket state
 * tracepoint instead of kprobes on tcp_v4_connect).
 *
 * Hook: tracepoint sock/inet_sock_set_state; a transition to TCP_SYN_SENT is an active open and
 * happens in the connecting process's context, so pid and comm are the caller's.
 * Maps: events (ring buffer of struct event, 256 KiB). Addresses and ports stay in network order as
 * the tracepoint gives them (ports are already host order there: the kernel converts them).
 * C twin of examples/tcpconnect.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16
#define AF_INET 2

struct event {
	u32 pid;
	u32 uid;
	u32 saddr;
	u32 daddr;
	u16 sport;
	u16 dport;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct event *e;

	if (ctx->protocol != IPPROTO_TCP || ctx->family != AF_INET)
		return 0;
	if (ctx->newstate != TCP_SYN_SENT)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (u32)bpf_get_current_uid_gid();
	__builtin_memcpy(&e->saddr, ctx->saddr, sizeof(e->saddr));
	__builtin_memcpy(&e->daddr, ctx->daddr, sizeof(e->daddr));
	e->sport = ctx->sport;
	e->dport = ctx->dport;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
