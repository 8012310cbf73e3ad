// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-firewall: drops IPv4 packets whose source address is on a blocklist, counting verdicts.
 *
 * Hook: XDP. Non-IPv4 and truncated packets pass.
 * Maps: blocklist (hash, __be32 source address -> u64 packets dropped from it, filled by user space),
 *       verdicts (per-CPU array indexed by the XDP action, 5 x u64).
 * C twin of examples/xdp-firewall.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline int count_verdict(__u32 action)
{
	__u64 *count = bpf_map_lookup_elem(&verdicts, &action);

	if (count)
		*count += 1;
	return action;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u64 *dropped;
	__u32 saddr;

	if ((void *)(eth + 1) > data_end)
		return count_verdict(XDP_PASS);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count_verdict(XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return count_verdict(XDP_PASS);
	saddr = ip->saddr;
	dropped = bpf_map_lookup_elem(&blocklist, &saddr);
	if (!dropped)
		return count_verdict(XDP_PASS);
	__sync_fetch_and_add(dropped, 1);
	return count_verdict(XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
