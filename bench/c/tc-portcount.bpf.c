// SPDX-License-Identifier: GPL-2.0
/*
 * tc-portcount: counts IPv4 TCP and UDP packets per destination port, passing every packet.
 *
 * Hook: tc classifier (SEC("tc"), direct-action). The IPv4 header length comes from its IHL field, so
 * the transport header is bounds-checked at a variable offset. Both tcphdr and udphdr start with the
 * 16-bit source then destination port, so one 4-byte view serves both.
 * Maps: port_counts (hash, u16 destination port in host order -> u64 packets).
 * C twin of examples/tc-portcount.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct ports {
	__be16 source;
	__be16 dest;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u16);
	__type(value, __u64);
} port_counts SEC(".maps");

SEC("tc")
int tc_portcount(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct ports *ports;
	__u64 one = 1, *count;
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
	count = bpf_map_lookup_elem(&port_counts, &port);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&port_counts, &port, &one, BPF_NOEXIST);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
