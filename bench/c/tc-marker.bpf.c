// SPDX-License-Identifier: GPL-2.0
/*
 * tc-marker: an egress classifier that marks IPv4 TCP and UDP packets by destination port: the
 * class of the port (from `classes`) gives skb->mark and skb->priority. Every packet passes;
 * `marked` counts packets left alone (0) and marked (1).
 *
 * Hook: tc classifier (SEC("tc"), direct-action; attached at egress). The transport header is
 * bounds-checked at the offset the IPv4 IHL field gives.
 * Maps: classes (hash, u16 host-order port -> struct port_class), marked (per-CPU array, u64).
 * C twin of examples/tc-marker.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct port_class {
	__u32 mark;
	__u32 priority;
};

struct ports {
	__be16 source;
	__be16 dest;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, struct port_class);
} classes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} marked SEC(".maps");

static __always_inline void count(__u32 is_marked)
{
	__u64 *n = bpf_map_lookup_elem(&marked, &is_marked);

	if (n)
		*n += 1;
}

SEC("tc")
int marker(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct port_class *c;
	struct ports *ports;
	struct iphdr *ip;
	__u16 port;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	ports = (void *)ip + ip->ihl * 4;
	if ((void *)(ports + 1) > data_end)
		return TC_ACT_OK;
	port = bpf_ntohs(ports->dest);
	c = bpf_map_lookup_elem(&classes, &port);
	if (!c) {
		count(0);
		return TC_ACT_OK;
	}
	skb->mark = c->mark;
	skb->priority = c->priority;
	count(1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
