// SPDX-License-Identifier: GPL-2.0
/*
 * syscount: counts system calls, per syscall number and per process (BCC/libbpf-tools syscount).
 *
 * Hook: tracepoint raw_syscalls/sys_enter (every syscall entry, any process).
 * Maps: counts_by_syscall (hash, u32 syscall id -> u64 count, 1024 entries),
 *       counts_by_pid     (hash, u32 tgid -> u64 count, 10240 entries).
 * C twin of examples/syscount.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts_by_syscall SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} counts_by_pid SEC(".maps");

/* Adds one to map[key], creating the entry on first sight. */
static __always_inline void increment(void *map, u32 key)
{
	u64 one = 1;
	u64 *count = bpf_map_lookup_elem(map, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(map, &key, &one, BPF_ANY);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	increment(&counts_by_syscall, (u32)ctx->id);
	increment(&counts_by_pid, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
