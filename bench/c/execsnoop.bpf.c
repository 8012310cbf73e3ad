// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: reports every successful exec with the new program's path (BCC/libbpf-tools execsnoop,
 * reduced to the tracepoint's own data).
 *
 * Hook: tracepoint sched/sched_process_exec. The path is a __data_loc field: the low 16 bits of
 * __data_loc_filename are the string's offset from the start of the record, the high 16 its length.
 * Maps: events (ring buffer of struct event, 256 KiB).
 * C twin of examples/execsnoop.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16
#define FILENAME_LEN 256

struct event {
	u32 pid;
	u32 old_pid;
	u32 uid;
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int sched_process_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	u32 filename_off = ctx->__data_loc_filename & 0xFFFF;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = ctx->pid;
	e->old_pid = ctx->old_pid;
	e->uid = (u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + filename_off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
