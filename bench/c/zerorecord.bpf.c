// SPDX-License-Identifier: GPL-2.0
/*
 * zerorecord (codegen benchmark shape: zeroing a large record): per-process exit statistics in a
 * 136-byte record, zeroed on the stack, a few fields filled, and stored in a hash map.
 * C twin of bench/ts/zerorecord.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct exit_record {
	u32 pid;
	u32 tgid;
	u64 exit_time;
	u32 prio;
	u32 flags;
	u64 counters[8];
	char comm[16];
	u64 reserved[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, struct exit_record);
} exits SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(struct trace_event_raw_sched_process_template *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct exit_record rec;

	__builtin_memset(&rec, 0, sizeof(rec));
	rec.pid = (u32)id;
	rec.tgid = id >> 32;
	rec.exit_time = bpf_ktime_get_ns();
	rec.prio = ctx->prio;
	bpf_map_update_elem(&exits, &rec.pid, &rec, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
