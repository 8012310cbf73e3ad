// SPDX-License-Identifier: GPL-2.0
/*
 * readline: prints the lines typed into bash, by catching readline()'s return value (BCC bashreadline).
 *
 * Hook: uretprobe on /bin/bash:readline; the return register holds a user pointer to the line.
 * Maps: events (ring buffer of struct event, 256 KiB).
 * Needs -D__TARGET_ARCH_x86 for PT_REGS_RC (bench/codegen passes it).
 * C twin of examples/readline.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define MAX_LINE 80

struct event {
	u32 pid;
	char comm[TASK_COMM_LEN];
	char line[MAX_LINE];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("uretprobe//bin/bash:readline")
int bash_readline(struct pt_regs *ctx)
{
	const void *line = (const void *)PT_REGS_RC(ctx);
	struct event *e;

	if (!line)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->line, sizeof(e->line), line);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
