// SPDX-License-Identifier: GPL-2.0
/*
 * sockfilter: a classic socket filter that keeps only IPv4 TCP packets and counts IPv4 packets per
 * protocol (in the spirit of libbpf-bootstrap's sockfilter).
 *
 * Hook: SEC("socket"), attached with SO_ATTACH_BPF to a (typically AF_PACKET) socket. Socket filters
 * cannot read packet memory directly, so the protocol byte is copied with bpf_skb_load_bytes. The return
 * value is how many bytes of the packet to keep: skb->len keeps it whole, 0 drops it.
 * Maps: proto_counts (array indexed by the IPv4 protocol byte, 256 x u64, updated atomically).
 * C twin of examples/sockfilter.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_counts SEC(".maps");

SEC("socket")
int sockfilter(struct __sk_buff *skb)
{
	__u8 proto;
	__u32 key;
	__u64 *count;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, protocol), &proto, 1) < 0)
		return 0;
	key = proto;
	count = bpf_map_lookup_elem(&proto_counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return proto == IPPROTO_TCP ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
