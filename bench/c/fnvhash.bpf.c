// SPDX-License-Identifier: GPL-2.0
/*
 * fnvhash (codegen benchmark shape: a hashing loop): counts file opens by the FNV-1a hash of the
 * first 32 bytes of the path (stopping at its NUL).
 * C twin of bench/ts/fnvhash.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define PATH_BYTES 32
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, u64);
} by_hash SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	char path[PATH_BYTES];
	u32 h = FNV_OFFSET;
	u64 one = 1, *count;

	if (bpf_probe_read_user_str(path, sizeof(path), (const char *)ctx->args[1]) <= 0)
		return 0;
	for (int i = 0; i < PATH_BYTES; i++) {
		u32 c = (u8)path[i];
		if (c == 0)
			break;
		h = (h ^ c) * FNV_PRIME;
	}
	count = bpf_map_lookup_elem(&by_hash, &h);
	if (!count)
		bpf_map_update_elem(&by_hash, &h, &one, BPF_ANY);
	else
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
