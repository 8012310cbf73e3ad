// SPDX-License-Identifier: GPL-2.0
/*
 * flow-queue: a producer/consumer pipeline through a queue map.
 *
 * Hooks: XDP twice. The producer announces each new IPv4 flow once (a bloom filter remembers the
 * flows seen) by pushing it onto a queue and onto a stack of the 16 most recent; the consumer pops
 * one flow per run and counts it by IP protocol. Every packet passes.
 * Maps: seen (bloom filter of struct flow), announced (queue of struct flow), recent (stack of
 *       struct flow), consumed (LRU per-CPU hash, u32 protocol -> u64 flows).
 * C twin of examples/flow-queue.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow {
	__u32 saddr;
	__u32 daddr;
	__u8 protocol;
};

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 4096);
	__type(value, struct flow);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 256);
	__type(value, struct flow);
} announced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 16);
	__type(value, struct flow);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} consumed SEC(".maps");

SEC("xdp")
int produce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct flow flow = {};

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	flow.saddr = ip->saddr;
	flow.daddr = ip->daddr;
	flow.protocol = ip->protocol;
	if (bpf_map_peek_elem(&seen, &flow) == 0)
		return XDP_PASS;
	bpf_map_push_elem(&seen, &flow, 0);
	bpf_map_push_elem(&announced, &flow, 0);
	/* A full stack drops its oldest record: recent keeps the last 16 flows. */
	bpf_map_push_elem(&recent, &flow, BPF_EXIST);
	return XDP_PASS;
}

SEC("xdp")
int consume(struct xdp_md *ctx)
{
	struct flow flow;
	__u32 proto;
	__u64 *count, one = 1;

	if (bpf_map_pop_elem(&announced, &flow))
		return XDP_PASS;
	proto = flow.protocol;
	count = bpf_map_lookup_elem(&consumed, &proto);
	if (count)
		*count += 1;
	else
		bpf_map_update_elem(&consumed, &proto, &one, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
