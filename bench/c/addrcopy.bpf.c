// SPDX-License-Identifier: GPL-2.0
/*
 * addrcopy (codegen benchmark shape: struct-to-struct array copies): keys TCP state changes by
 * their IPv6 address pair; the 16-byte addresses are copied from the tracepoint record into a stack
 * key, the key is copied whole into a ring-buffer record and counted in a hash map.
 * C twin of bench/ts/addrcopy.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define AF_INET6 10

struct flow_key {
	u64 saddr[2];
	u64 daddr[2];
	u16 sport;
	u16 dport;
	u16 family;
	u16 protocol;
};

struct flow_event {
	struct flow_key key;
	u32 oldstate;
	u32 newstate;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct flow_key);
	__type(value, u64);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct flow_key key;
	struct flow_event *e;
	u64 one = 1, *count;

	if (ctx->family != AF_INET6)
		return 0;
	/* The context may only be read at constant offsets from its pointer: copy in 8-byte words. */
	key.saddr[0] = *(const u64 *)&ctx->saddr_v6[0];
	key.saddr[1] = *(const u64 *)&ctx->saddr_v6[8];
	key.daddr[0] = *(const u64 *)&ctx->daddr_v6[0];
	key.daddr[1] = *(const u64 *)&ctx->daddr_v6[8];
	key.sport = ctx->sport;
	key.dport = ctx->dport;
	key.family = ctx->family;
	key.protocol = ctx->protocol;
	count = bpf_map_lookup_elem(&flows, &key);
	if (!count)
		bpf_map_update_elem(&flows, &key, &one, BPF_ANY);
	else
		*count += 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->key = key;
	e->oldstate = ctx->oldstate;
	e->newstate = ctx->newstate;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
