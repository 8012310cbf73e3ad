// SPDX-License-Identifier: GPL-2.0
/*
 * runqlat: run-queue latency (wakeup to running) as a log2 histogram in microseconds
 * (BCC/libbpf-tools runqlat, reduced to its core as examples/runqlat.ts is: no sched_wakeup_new hook,
 * no re-queueing of a preempted task, no per-process or per-cgroup histograms).
 *
 * Hooks: tracepoint sched/sched_wakeup records when a task became runnable; sched/sched_switch turns
 * the recorded time of the task switched in into a histogram slot.
 * Maps: start (hash, u32 pid -> u64 ns timestamp), hist (array, MAX_SLOTS x u64 counts).
 * The slot is floor(log2(delta_us)), computed by a bounded loop so the verifier sees it terminate.
 * C twin of examples/runqlat.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_ENTRIES 10240
#define MAX_SLOTS 26

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, u32);
	__type(value, u64);
} hist SEC(".maps");

#include "bits.bpf.h"

SEC("tracepoint/sched/sched_wakeup")
int sched_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	u32 pid = ctx->pid;
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/sched/sched_switch")
int sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	u32 pid = ctx->next_pid;
	u64 *tsp, *count;
	u64 delta_us;
	u32 slot;

	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&start, &pid);
	slot = log2_slot(delta_us);
	count = bpf_map_lookup_elem(&hist, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
