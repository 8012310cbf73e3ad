// SPDX-License-Identifier: GPL-2.0
/*
 * core-exepath: each exec with the executable's file name and its directory's name, read by walking
 * task->mm->exe_file->f_path.dentry->d_name.name (BPF_CORE_READ) and the dentry's parent.
 *
 * Hook: tracepoint sched/sched_process_exec. Maps: events (ring buffer of struct event, 256 KiB).
 * C twin of examples/core-exepath.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct event {
	u32 pid;
	char name[32];
	char dir[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *dentry = BPF_CORE_READ(task, mm, exe_file, f_path.dentry);
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_kernel_str(e->name, sizeof(e->name), BPF_CORE_READ(dentry, d_name.name));
	bpf_probe_read_kernel_str(e->dir, sizeof(e->dir), BPF_CORE_READ(dentry, d_parent, d_name.name));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
