// SPDX-License-Identifier: GPL-2.0
/*
 * lsm-fileopen: counts the files each user opens from the file_open LSM hook and allows every
 * open, passing on the verdict of the LSM programs before it (like the kernel selftests' lsm.c).
 *
 * Hook: lsm/file_open. Maps: opensByUid (hash u32 uid -> u64 count, 1024 entries).
 * C twin of examples/lsm-fileopen.ts for bench/codegen.ts; keep the logic the same on both sides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} opensByUid SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(onFileOpen, struct file *file, int ret)
{
	if (ret != 0)
		return ret;
	if (!file)
		return 0;
	u32 uid = (u32)bpf_get_current_uid_gid();
	u64 *count = bpf_map_lookup_elem(&opensByUid, &uid);
	if (!count) {
		u64 one = 1;
		bpf_map_update_elem(&opensByUid, &uid, &one, BPF_ANY);
	} else {
		__sync_fetch_and_add(count, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
