// SPDX-License-Identifier: GPL-2.0
/*
 * sockmap-bypass: a loopback TCP bypass. Both ends of a connection are in the `sockets` sockhash,
 * keyed by their ports; every message one end sends is put straight onto the other end's receive
 * queue (bpf_msg_redirect_hash with BPF_F_INGRESS). `stats` counts redirected (0) and passed (1)
 * messages.
 *
 * Hook: SEC("sk_msg") (struct sk_msg_md). Maps: sockets (sockhash, struct ends -> socket),
 * stats (array, u32 -> u64 messages).
 * C twin of examples/sockmap-bypass.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct ends {
	__u32 local_port;
	__u32 remote_port;
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 1024);
	__type(key, struct ends);
	__type(value, __u32);
} sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

SEC("sk_msg")
int bypass(struct sk_msg_md *msg)
{
	/* The peer's entry: its local port is our remote port and the other way round. */
	struct ends peer = {
		.local_port = bpf_ntohl(msg->remote_port),
		.remote_port = msg->local_port,
	};
	long verdict = bpf_msg_redirect_hash(msg, &sockets, &peer, BPF_F_INGRESS);
	__u32 slot = verdict == SK_PASS ? 0 : 1;
	__u64 *n = bpf_map_lookup_elem(&stats, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
	/* SK_PASS either way: a message whose redirect failed goes out through TCP. */
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
