// SPDX-License-Identifier: GPL-2.0
/*
 * exitsnoop: reports process exits (not thread exits) with the process's name (BCC/libbpf-tools
 * exitsnoop, reduced to the tracepoint's own data).
 *
 * Hook: tracepoint sched/sched_process_exit. A thread whose tid differs from its tgid is skipped, so
 * each process is reported once, when its main thread exits.
 * Maps: events (ring buffer, 256 KiB); the event is built on the stack and copied with
 * bpf_ringbuf_output (the reserve/submit style is in opensnoop/execsnoop).
 * C twin of examples/exitsnoop.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16

struct event {
	u64 timestamp_ns;
	u32 pid;
	u32 uid;
	s32 prio;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(struct trace_event_raw_sched_process_exit *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	struct event e = {};

	if ((u32)pid_tgid != (u32)(pid_tgid >> 32))
		return 0;
	e.timestamp_ns = bpf_ktime_get_ns();
	e.pid = pid_tgid >> 32;
	e.uid = (u32)bpf_get_current_uid_gid();
	e.prio = ctx->prio;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	bpf_ringbuf_output(&events, &e, sizeof(e), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
