/**
 * The x86-64 system-call facts ksyscall / kretsyscall programs need (hand-written: they are in the
 * kernel's arch/x86 code, not in a uapi header):
 *
 * - Since Linux 4.17 (CONFIG_ARCH_HAS_SYSCALL_WRAPPER) each system call `<name>` enters through a
 *   wrapper `__x64_sys_<name>(const struct pt_regs *regs)` (arch/x86/include/asm/syscall_wrapper.h):
 *   a kprobe on it sees the wrapper's own registers, whose first argument (`di`) points at the user
 *   registers the call was made with. libbpf's `ksyscall/<name>` resolves the same name
 *   (libbpf_syscall_pfx / probe_kern_syscall_wrapper, against /proc/kallsyms).
 * - The call's arguments are in the user registers di, si, dx, r10, r8, r9 (r10, not cx, for the
 *   fourth: `syscall` clobbers rcx), as libbpf's PT_REGS_PARM{1..6}_SYSCALL read them; the return
 *   value is the wrapper's `ax`.
 *
 * Register names are the fields of `struct pt_regs` in context-layouts.ts.
 */

/** The prefix of the syscall wrappers a ksyscall program attaches to. */
export const SYSCALL_WRAPPER_PREFIX = "__x64_sys_";

/** The pt_regs field holding the wrapper's argument: the user registers of the call. */
export const SYSCALL_WRAPPER_ARG_REG = "rdi";

/** The pt_regs fields of a system call's arguments, in order. */
export const SYSCALL_ARG_REGS = ["rdi", "rsi", "rdx", "r10", "r8", "r9"] as const;

/** The pt_regs field of the return value. */
export const SYSCALL_RETURN_REG = "rax";
