// SPDX-License-Identifier: GPL-2.0
/*
 * vfsread-latency: latency of vfs_read() as a log2 histogram in nanoseconds (the fentry/fexit
 * flavour of BCC's funclatency, for one function).
 *
 * Hooks: fentry/vfs_read stores the entry time per thread; fexit/vfs_read turns it into a slot.
 * Arguments arrive as an array of u64 words (vfs_read has 4; fexit's ctx[4] is the return value,
 * unused here). libbpf resolves the attach target by BTF at load time.
 * Maps: start (hash, u32 tid -> u64 ns timestamp), hist (array, MAX_SLOTS x u64 counts).
 * C twin of examples/vfsread-latency.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_ENTRIES 10240
#define MAX_SLOTS 32

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

SEC("fentry/vfs_read")
int vfs_read_entry(u64 *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("fexit/vfs_read")
int vfs_read_exit(u64 *ctx)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 *tsp, *count;
	u32 slot;

	tsp = bpf_map_lookup_elem(&start, &tid);
	if (!tsp)
		return 0;
	slot = log2_slot(bpf_ktime_get_ns() - *tsp);
	count = bpf_map_lookup_elem(&hist, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
