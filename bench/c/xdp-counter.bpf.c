// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-counter: counts IPv4 packets per IP protocol number and lets every packet through.
 *
 * Hook: XDP. Parses the Ethernet header, then the IPv4 header, each behind a data_end bounds check.
 * Maps: proto_counts (per-CPU array indexed by the IPv4 protocol byte, 256 x u64); per-CPU values need
 * no atomics.
 * C twin of examples/xdp-counter.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_counts SEC(".maps");

SEC("xdp")
int xdp_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u64 *count;
	__u32 key;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	key = ip->protocol;
	count = bpf_map_lookup_elem(&proto_counts, &key);
	if (count)
		*count += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
