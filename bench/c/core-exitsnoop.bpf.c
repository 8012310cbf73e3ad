// SPDX-License-Identifier: GPL-2.0
/*
 * core-exitsnoop: process exits with the exit code and age read from the task struct
 * (BPF_CORE_READ(task, exit_code), bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time)) and the
 * parent's pid, like libbpf-tools exitsnoop.
 *
 * Hook: tracepoint sched/sched_process_exit. Maps: events (ring buffer of struct event, 256 KiB).
 * C twin of examples/core-exitsnoop.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct event {
	u64 duration_ns;
	u32 pid;
	u32 ppid;
	u32 exit_code;
	u32 sig;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task;
	struct event e = {};
	u32 code;

	if ((u32)pid_tgid != (u32)(pid_tgid >> 32))
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e.duration_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
	e.pid = pid_tgid >> 32;
	e.ppid = BPF_CORE_READ(task, real_parent, tgid);
	code = BPF_CORE_READ(task, exit_code);
	e.exit_code = code >> 8;
	e.sig = code & 0x7f;
	bpf_ringbuf_output(&events, &e, sizeof(e), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
