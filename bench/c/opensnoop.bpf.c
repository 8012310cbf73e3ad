// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop: reports every openat(2) with the caller and the file name (BCC/libbpf-tools opensnoop).
 *
 * Hook: tracepoint syscalls/sys_enter_openat; args[1] is the user pointer to the path, args[2] the flags.
 * Maps: events (ring buffer of struct event, 1 MiB); eventsLost (per-CPU u64: reserves that found
 * the ring full, which tsbpf run reports as events lost).
 * C twin of examples/opensnoop.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TASK_COMM_LEN 16
#define FILENAME_LEN 256

struct event {
	u32 pid;
	u32 uid;
	s64 flags;
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} eventsLost SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		u32 zero = 0;
		u64 *lost = bpf_map_lookup_elem(&eventsLost, &zero);

		if (lost)
			*lost += 1;
		return 0;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->flags = (s64)ctx->args[2];
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const void *)ctx->args[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
