/**
 * Kernel fixture: a struct_ops map of `bpf_dummy_ops` (net/bpf/bpf_dummy_struct_ops.c), the one
 * struct_ops type BPF_PROG_TEST_RUN runs a member of on given arguments — so the kernel and the VM
 * run the same member on the same words (test/kernel/struct-ops.test.ts). Its programs get no map
 * or probe-read helpers (the verifier refuses bpf_map_lookup_elem and bpf_probe_read_kernel
 * there), so they only compute on their scalar arguments. The kernel never
 * registers it (its reg callback refuses); it exists for test runs.
 */
import { i32, structOps } from "tsbpf";

export const dummy = structOps(
  "bpf_dummy_ops",
  {
    test_1: (_ctx, _state) => 7,
    // int test_2(struct bpf_dummy_ops_state *, int a1, unsigned short a2, char a3, unsigned long a4)
    // (the kernel wants a non-null state: test_2's first argument is not nullable)
    test_2: (_ctx, _state, a1, a2, a3, a4) => a1 * 3 + i32(a2) - i32(a3) + i32(a4 & 0xffff),
  },
  { link: false },
);

export const license = "GPL";
