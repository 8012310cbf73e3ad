// SPDX-License-Identifier: GPL-2.0
/*
 * connect4-policy: a connect() policy for the processes of a cgroup. An IPv4 connect to a port in
 * `blocked` fails with EPERM; one to a port in `redirects` goes to the mapped port instead; any other
 * goes through. `verdicts` counts allowed (0), refused (1) and redirected (2) connects.
 *
 * Hook: SEC("cgroup/connect4") (struct bpf_sock_addr; user_ip4 and user_port are writable).
 * Maps: blocked (hash, u16 host-order port -> u8), redirects (hash, u16 port -> u16 port),
 * verdicts (array, u32 verdict -> u64 connects).
 * C twin of examples/connect4-policy.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u16);
} redirects SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

enum { ALLOWED = 0, REFUSED = 1, REDIRECTED = 2 };

static __always_inline void count(__u32 verdict)
{
	__u64 *n = bpf_map_lookup_elem(&verdicts, &verdict);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("cgroup/connect4")
int policy(struct bpf_sock_addr *ctx)
{
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u16 *to;

	if (bpf_map_lookup_elem(&blocked, &port)) {
		count(REFUSED);
		return 0;
	}
	to = bpf_map_lookup_elem(&redirects, &port);
	if (to) {
		ctx->user_port = bpf_htons(*to);
		count(REDIRECTED);
		return 1;
	}
	count(ALLOWED);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
