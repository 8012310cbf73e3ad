// SPDX-License-Identifier: GPL-2.0
/*
 * xdp-nat: a destination NAT / load balancer. An IPv4 TCP or UDP packet to a known VIP:port gets
 * the backend's destination address and port, IPv4 and L4 checksums updated incrementally
 * (RFC 1624, no helper), its old destination MAC as source and the backend's MAC as destination,
 * and leaves by XDP_TX (backend ifindex 0) or bpf_redirect to the backend's ifindex. Everything
 * else passes untouched, non-first fragments included.
 *
 * Hook: XDP. The transport header is bounds-checked at the offset the IPv4 IHL field gives.
 * Maps: backends (hash, struct vip -> struct backend, ports in host order, filled by user space),
 *       verdicts (per-CPU array indexed by the XDP action, 5 x u64).
 * C twin of examples/xdp-nat.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_OFFSET 0x1fff

struct vip {
	__be32 addr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct backend {
	__be32 addr;
	__u16 port;
	__u8 mac[ETH_ALEN];
	__u32 ifindex;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vip);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
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

static __always_inline __u32 fold(__u32 sum)
{
	__u32 once = (sum & 0xffff) + (sum >> 16);

	return (once & 0xffff) + (once >> 16);
}

/* RFC 1624 eqn. 3: the checksum after a 32-bit field changed from `from` to `to`. */
static __always_inline __u16 replace32(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (~check & 0xffff) + (~from & 0xffff) + (~from >> 16) + (to & 0xffff) + (to >> 16);

	return ~fold(sum) & 0xffff;
}

static __always_inline __u16 replace16(__u16 check, __u16 from, __u16 to)
{
	return ~fold((~check & 0xffff) + (~from & 0xffff) + to) & 0xffff;
}

SEC("xdp")
int nat(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct backend *to;
	struct udphdr *udp;
	struct iphdr *ip;
	struct vip vip = {};
	__be32 old_addr;
	__be16 old_port, port;
	__u8 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return verdict(XDP_PASS);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return verdict(XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return verdict(XDP_PASS);
	proto = ip->protocol;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return verdict(XDP_PASS);
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return verdict(XDP_PASS);
	udp = (void *)ip + ip->ihl * 4; /* the ports sit at the same place in TCP */
	if ((void *)(udp + 1) > data_end)
		return verdict(XDP_PASS);

	vip.addr = ip->daddr;
	vip.port = bpf_ntohs(udp->dest);
	vip.proto = proto;
	to = bpf_map_lookup_elem(&backends, &vip);
	if (!to)
		return verdict(XDP_PASS);

	old_addr = ip->daddr;
	old_port = udp->dest;
	port = bpf_htons(to->port);
	ip->daddr = to->addr;
	ip->check = replace32(ip->check, old_addr, to->addr);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)udp;

		if ((void *)(tcp + 1) > data_end)
			return verdict(XDP_PASS);
		tcp->check = replace16(replace32(tcp->check, old_addr, to->addr), old_port, port);
	} else if (udp->check) {
		/* 0: the sender computed no checksum; a computed 0 goes on the wire as 0xffff. */
		__u16 check = replace16(replace32(udp->check, old_addr, to->addr), old_port, port);

		udp->check = check ? check : 0xffff;
	}
	udp->dest = port;

	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_source[i] = eth->h_dest[i];
		eth->h_dest[i] = to->mac[i];
	}
	if (!to->ifindex)
		return verdict(XDP_TX);
	return verdict(bpf_redirect(to->ifindex, 0));
}

char LICENSE[] SEC("license") = "GPL";
