// SPDX-License-Identifier: GPL-2.0
/*
 * core-execsnoop: every exec with the parent's pid read through the task struct
 * (BPF_CORE_READ(task, real_parent, tgid)) and the in_execve bitfield
 * (BPF_CORE_READ_BITFIELD_PROBED), like libbpf-tools execsnoop.
 *
 * Hook: tracepoint sched/sched_process_exec. Maps: events (ring buffer of struct event, 256 KiB).
 * C twin of examples/core-execsnoop.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct event {
	u32 pid;
	u32 ppid;
	u8 in_execve;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->in_execve = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
