// SPDX-License-Identifier: GPL-2.0
/*
 * v6ext (codegen benchmark shape: nested bounded loops over headers): walks up to four IPv6
 * extension headers to the transport protocol, folds both addresses word by word into a flow hash,
 * and counts packets per (protocol, hash bucket).
 * C twin of bench/ts/v6ext.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_EXT 4
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_DEST 60

struct ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} buckets SEC(".maps");

SEC("xdp")
int walk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip;
	__u32 proto, off, h, key;
	__u64 one = 1, *count;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	proto = ip->nexthdr;
	off = ETH_HLEN + sizeof(*ip);
	for (int i = 0; i < MAX_EXT; i++) {
		struct ext_hdr *ext;

		if (proto != NEXTHDR_HOP && proto != NEXTHDR_ROUTING && proto != NEXTHDR_DEST)
			break;
		ext = data + off;
		if ((void *)(ext + 1) > data_end)
			return XDP_PASS;
		proto = ext->nexthdr;
		off += (ext->hdrlen + 1) * 8;
	}
	h = proto;
	for (int a = 0; a < 2; a++) {
		for (int w = 0; w < 4; w++) {
			__u32 word = a == 0 ? ip->saddr.in6_u.u6_addr32[w] : ip->daddr.in6_u.u6_addr32[w];
			h = (h ^ word) * 16777619u;
		}
	}
	key = (proto << 16) | (h & 0xff);
	count = bpf_map_lookup_elem(&buckets, &key);
	if (!count)
		bpf_map_update_elem(&buckets, &key, &one, BPF_ANY);
	else
		*count += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
