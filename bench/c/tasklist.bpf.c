// SPDX-License-Identifier: GPL-2.0
/*
 * tasklist: every process with its pid, parent pid and command name, printed by a BPF task
 * iterator (like the kernel selftests' bpf_iter_task.c and `bpftool iter pin`).
 *
 * Hook: iter/task. No maps. C twin of examples/tasklist.ts for bench/codegen.ts; keep the logic
 * the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("iter/task")
int tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	if (task->pid != task->tgid)
		return 0;
	BPF_SEQ_PRINTF(seq, "%8d %8d %s\n", task->tgid, task->real_parent->tgid, task->comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
