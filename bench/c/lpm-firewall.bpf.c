// SPDX-License-Identifier: GPL-2.0
/*
 * lpm-firewall: a CIDR firewall for IPv4 and IPv6 over two longest-prefix-match tries.
 *
 * Hook: XDP. The most specific prefix covering the source address decides: rule 0 drops, any other
 * value passes; uncovered, non-IP and truncated packets pass.
 * Maps: rules4 / rules6 (LPM tries, prefix -> u32 rule, filled by user space), verdicts (per-CPU
 *       array indexed by XDP_DROP / XDP_PASS, u64 packets).
 * C twin of examples/lpm-firewall.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct v4_prefix {
	__u32 prefixlen;
	__u32 addr;
};

struct v6_prefix {
	__u32 prefixlen;
	__u32 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__type(key, struct v4_prefix);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} rules4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__type(key, struct v6_prefix);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} rules6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_PASS + 1);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline int verdict(__u32 action)
{
	__u64 *count = bpf_map_lookup_elem(&verdicts, &action);

	if (count)
		*count += 1;
	return action;
}

SEC("xdp")
int firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 *rule;

	if ((void *)(eth + 1) > data_end)
		return verdict(XDP_PASS);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		struct v4_prefix key = {};

		if ((void *)(ip + 1) > data_end)
			return verdict(XDP_PASS);
		key.prefixlen = 32;
		key.addr = ip->saddr;
		rule = bpf_map_lookup_elem(&rules4, &key);
		if (!rule)
			return verdict(XDP_PASS);
		return *rule == 0 ? verdict(XDP_DROP) : verdict(XDP_PASS);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct v6_prefix key6 = {};

		if ((void *)(ip6 + 1) > data_end)
			return verdict(XDP_PASS);
		key6.prefixlen = 128;
		__builtin_memcpy(key6.addr, &ip6->saddr, sizeof(key6.addr));
		rule = bpf_map_lookup_elem(&rules6, &key6);
		if (!rule)
			return verdict(XDP_PASS);
		return *rule == 0 ? verdict(XDP_DROP) : verdict(XDP_PASS);
	}
	return verdict(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
