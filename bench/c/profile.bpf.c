// SPDX-License-Identifier: GPL-2.0
/*
 * profile: CPU profiler sampling kernel and user stacks (BCC/libbpf-tools profile).
 *
 * Hook: perf_event (attached by user space to a CPU-clock event on every CPU).
 * Maps: stacks (stack trace map, 127-frame stacks by id), counts (hash, struct key_t -> u64 samples).
 * Idle samples (pid 0) are skipped; a failed bpf_get_stackid leaves a negative id in the key, as the
 * original does, so user space can count lost stacks.
 * C twin of examples/profile.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16
#define MAX_STACK_DEPTH 127
#define MAX_ENTRIES 10240

struct key_t {
	u32 pid;
	s32 kern_stack_id;
	s32 user_stack_id;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MAX_ENTRIES);
	__uint(key_size, sizeof(u32));
	__uint(value_size, MAX_STACK_DEPTH * sizeof(u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct key_t);
	__type(value, u64);
} counts SEC(".maps");

SEC("perf_event")
int do_perf_event(struct bpf_perf_event_data *ctx)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct key_t key = {};
	u64 one = 1, *count;

	if (pid == 0)
		return 0;
	key.pid = pid;
	key.kern_stack_id = bpf_get_stackid(ctx, &stacks, 0);
	key.user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
