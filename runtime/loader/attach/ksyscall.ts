/**
 * ksyscall / kretsyscall attachment as libbpf does it (bpf_program__attach_ksyscall): the system
 * call `<name>` is resolved to its kernel entry, the arch wrapper `__x64_sys_<name>` (core/kernel
 * syscall-abi.ts), found in /proc/kallsyms or, where that file hides symbols, in the kernel's BTF;
 * then a kprobe (kretprobe) goes on it. A name with no wrapper is a LoaderError naming what was
 * looked for; a kernel without kprobes gets the kprobe path's refusal, saying which syscall and
 * wrapper the program was for.
 */
import { readFileSync } from "node:fs";
import { SYSCALL_WRAPPER_PREFIX } from "../../../core/kernel/index.ts";
import { LoaderError } from "../errors.ts";
import { vmlinuxBtf } from "../kernel-btf.ts";
import { attachKprobe } from "./kprobe.ts";
import type { KernelLink } from "./link.ts";
import type { AttachableProgram } from "./perf-link.ts";

/** True when the running kernel has function `name` (kallsyms, then BTF). */
function kernelHasFunction(name: string): boolean {
  try {
    const text = readFileSync("/proc/kallsyms", "utf8");
    if (new RegExp(`^[0-9a-f]+ [Tt] ${name}$`, "m").test(text)) return true;
  } catch {
    // Fall through to BTF.
  }
  try {
    return vmlinuxBtf().find("func", name) !== undefined;
  } catch {
    return false;
  }
}

/** The kernel function a ksyscall program on `syscall` attaches to. */
export function syscallWrapper(syscall: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(syscall))
    throw new LoaderError(`ksyscall target must be a system call name (openat), got "${syscall}"`);
  const fn = `${SYSCALL_WRAPPER_PREFIX}${syscall}`;
  if (!kernelHasFunction(fn))
    throw new LoaderError(
      `system call "${syscall}" has no kernel entry ${fn} (in /proc/kallsyms or the kernel's BTF): ` +
        "misspelled, or not a system call of this architecture",
    );
  return fn;
}

/** Attaches a ksyscall (kretsyscall when `ret`) program to system call `syscall`. */
export function attachKsyscall(prog: AttachableProgram, syscall: string, ret: boolean): KernelLink {
  const kind = ret ? "kretsyscall" : "ksyscall";
  if (!syscall) throw new LoaderError(`${kind} section needs a target: "${kind}/<syscall>"`);
  const fn = syscallWrapper(syscall);
  try {
    return attachKprobe(prog, fn, ret);
  } catch (e) {
    if (e instanceof LoaderError)
      throw new LoaderError(`${kind}/${syscall} (a kprobe on ${fn}): ${e.message}`);
    throw e;
  }
}
