/**
 * Whether an example's source needs a kernel's BTF to compile: kernel structs (CO-RE, through
 * `currentTask()` / `kernelPtr()`) or a context typed from the kernel's BTF (lsm, lsm_cgroup and
 * iterator programs, struct_ops maps). The playground page has no kernel BTF, so those examples report one error
 * there instead of compiling.
 */
export function readsKernelBtf(source: string): boolean {
  return /currentTask\(|kernelPtr\(|\b(lsm|lsmCgroup|iter|structOps)\(/.test(source);
}
