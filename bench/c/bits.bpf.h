/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the latency-histogram twins (runqlat, biolatency, vfsread-latency), as libbpf-tools'
 * bits.bpf.h is shared by its tools. Define MAX_SLOTS before including it.
 */
#ifndef TSBPF_BENCH_BITS_BPF_H
#define TSBPF_BENCH_BITS_BPF_H

#ifndef MAX_SLOTS
#error "define MAX_SLOTS before including bits.bpf.h"
#endif

/* floor(log2(v)) clamped to the last slot; 0 and 1 both land in slot 0. */
static __always_inline u32 log2_slot(u64 v)
{
	u32 slot = 0;

	for (int i = 0; i < MAX_SLOTS - 1; i++) {
		v >>= 1;
		if (v == 0)
			break;
		slot++;
	}
	return slot;
}

#endif
