// SPDX-License-Identifier: GPL-2.0
/*
 * commscan (codegen benchmark shape: a loop over a char array with an early break): counts
 * syscalls of processes whose command name ends in a digit, measuring the name up to its NUL.
 * C twin of bench/ts/commscan.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, u32);
	__type(value, u64);
} by_length SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(void *ctx)
{
	char comm[TASK_COMM_LEN];
	u32 len = 0;
	u64 one = 1, *count;
	char last;

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] == 0)
			break;
		len++;
	}
	if (len == 0)
		return 0;
	last = comm[(len - 1) & (TASK_COMM_LEN - 1)];
	if (last < '0' || last > '9')
		return 0;
	count = bpf_map_lookup_elem(&by_length, &len);
	if (!count)
		bpf_map_update_elem(&by_length, &len, &one, BPF_ANY);
	else
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
