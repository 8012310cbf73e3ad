// SPDX-License-Identifier: GPL-2.0
/*
 * tenant-acl: per-tenant port blocklists in a hash of maps.
 *
 * Hook: XDP. The destination IPv4 address picks a tenant's inner table of blocked destination
 * ports (host order); a TCP or UDP packet to a port in it is dropped. No table, other protocols,
 * non-IPv4 and truncated packets pass.
 * Maps: portsA / portsB (hash, u16 port -> u32, filled by user space), tenants (hash of maps,
 *       destination address -> one of those tables), verdicts (per-CPU array indexed by XDP_DROP /
 *       XDP_PASS, u64 packets).
 * C twin of examples/tenant-acl.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct ports_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u32);
};

struct ports_table portsA SEC(".maps");
struct ports_table portsB SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 64);
	__type(key, __u32);
	__array(values, struct ports_table);
} tenants SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_PASS + 1);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

struct ports {
	__u16 source;
	__u16 dest;
};

static __always_inline int verdict(__u32 action)
{
	__u64 *count = bpf_map_lookup_elem(&verdicts, &action);

	if (count)
		*count += 1;
	return action;
}

SEC("xdp")
int acl(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct ports *ports;
	void *rules;
	__u32 ihl;
	__u16 port;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return verdict(XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return verdict(XDP_PASS);
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return verdict(XDP_PASS);
	rules = bpf_map_lookup_elem(&tenants, &ip->daddr);
	if (!rules)
		return verdict(XDP_PASS);
	ihl = ip->ihl;
	ports = (void *)ip + ihl * 4;
	if ((void *)(ports + 1) > data_end)
		return verdict(XDP_PASS);
	port = bpf_ntohs(ports->dest);
	return bpf_map_lookup_elem(rules, &port) ? verdict(XDP_DROP) : verdict(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
