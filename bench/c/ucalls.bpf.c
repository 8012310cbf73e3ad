// SPDX-License-Identifier: GPL-2.0
/*
 * ucalls: how often each of libc's str* functions is called, system-wide, by one uprobe.multi
 * program on all of them, keyed by bpf_get_func_ip().
 *
 * Hook: uprobe.multi/libc.so.6:str*. Maps: calls (hash u64 ip -> u64 count, 10240 entries).
 * C twin of examples/ucalls.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u64);
	__type(value, u64);
} calls SEC(".maps");

SEC("uprobe.multi/libc.so.6:str*")
int onStrCall(struct pt_regs *ctx)
{
	u64 ip = bpf_get_func_ip(ctx);
	u64 *count = bpf_map_lookup_elem(&calls, &ip);
	if (!count) {
		u64 one = 1;
		bpf_map_update_elem(&calls, &ip, &one, BPF_ANY);
	} else {
		__sync_fetch_and_add(count, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
