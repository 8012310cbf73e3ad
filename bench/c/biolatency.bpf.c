// SPDX-License-Identifier: GPL-2.0
/*
 * biolatency: block I/O latency (issue to completion) as a log2 histogram in microseconds
 * (BCC/libbpf-tools biolatency, on the stable block tracepoints rather than tp_btf).
 *
 * Hooks: tracepoint block/block_rq_issue records the issue time of a request; block/block_rq_complete
 * turns it into a histogram slot. A request is identified by its device and start sector, the fields
 * both tracepoints carry.
 * Maps: start (hash, struct rq_key -> u64 ns timestamp), hist (array, MAX_SLOTS x u64 counts).
 * C twin of examples/biolatency.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_ENTRIES 10240
#define MAX_SLOTS 27

struct rq_key {
	u32 dev;
	u32 _pad;
	u64 sector;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct rq_key);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, u32);
	__type(value, u64);
} hist SEC(".maps");

#include "bits.bpf.h"

SEC("tracepoint/block/block_rq_issue")
int block_rq_issue(struct trace_event_raw_block_rq *ctx)
{
	struct rq_key key = { .dev = ctx->dev, .sector = ctx->sector };
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &key, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/block/block_rq_complete")
int block_rq_complete(struct trace_event_raw_block_rq_completion *ctx)
{
	struct rq_key key = { .dev = ctx->dev, .sector = ctx->sector };
	u64 *tsp, *count;
	u32 slot;

	tsp = bpf_map_lookup_elem(&start, &key);
	if (!tsp)
		return 0;
	slot = log2_slot((bpf_ktime_get_ns() - *tsp) / 1000);
	count = bpf_map_lookup_elem(&hist, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
	bpf_map_delete_elem(&start, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
