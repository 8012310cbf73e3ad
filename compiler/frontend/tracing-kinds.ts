/**
 * The tracing program kinds beyond the basic probes: BPF iterators (`iter/<target>`), LSM hooks
 * (`lsm/<hook>`, `lsm_cgroup/<hook>`), multi-target kprobes and uprobes (`kprobe.multi/<pattern>`,
 * `uprobe.multi/<binary>:<pattern>`), their sessions (`kprobe.session/<pattern>`,
 * `uprobe.session/<binary>:<pattern>`), USDT probes (`usdt/<binary>:<provider>:<name>`) and the
 * members of struct_ops maps (`struct_ops/<member>`, programs of `structOps(...)`), as rows
 * of the stdlib's program-kind table (builtins.ts `PROGRAM_KINDS`, which appends these).
 *
 * Section names are libbpf's (libbpf/src/libbpf.c section_defs, core/kernel program-kinds.ts).
 * Contexts: an iterator's is the kernel's `struct bpf_iter__<target>` read from kernel BTF (a
 * `btf` shape); an LSM hook's is the u64 argument words of `bpf_lsm_<hook>`, typed from its BTF
 * prototype, followed by the return value of the programs before it; the probes' is x86-64
 * `struct pt_regs`.
 *
 * Consumes the shared context shapes from builtins.ts (passed in, so this module does not import
 * that one's values and the two can be loaded in either order).
 */
import type { CtxShape, ProgramKind } from "./builtins.ts";

/** The context shapes builtins.ts defines and these kinds reuse. */
export interface SharedShapes {
  /** u64 argument words (fentry, raw tracepoints). */
  readonly argWords: CtxShape;
  /** x86-64 `struct pt_regs` (kprobes, uprobes). */
  readonly ptRegs: CtxShape;
}

/** The tracing program kinds of stdlib/tracing.d.ts. */
export function tracingProgramKinds(s: SharedShapes): ProgramKind[] {
  const lsmArgs = {
    from: "func",
    returnValue: "last",
    func: (hook: string) => `bpf_lsm_${hook}`,
  } as const;
  const probe = (fn: string, prefix: string): ProgramKind => ({
    fn,
    hasTarget: true,
    section: (t: string) => `${prefix}/${t}`,
    ctx: s.ptRegs,
  });
  return [
    {
      fn: "iter",
      hasTarget: true,
      section: (t: string) => `iter/${t}`,
      ctx: { kind: "btf", struct: (t: string) => `bpf_iter__${t}` },
    },
    {
      fn: "lsm",
      hasTarget: true,
      section: (t: string) => `lsm/${t}`,
      ctx: s.argWords,
      kernelArgs: lsmArgs,
      returnsInt: true,
    },
    {
      fn: "lsmCgroup",
      hasTarget: true,
      section: (t: string) => `lsm_cgroup/${t}`,
      ctx: s.argWords,
      kernelArgs: lsmArgs,
    },
    probe("kprobeMulti", "kprobe.multi"),
    probe("kretprobeMulti", "kretprobe.multi"),
    probe("uprobeMulti", "uprobe.multi"),
    probe("uretprobeMulti", "uretprobe.multi"),
    // Sessions: one program on entry and, when the entry run returns 0, on return as well.
    probe("kprobeSession", "kprobe.session"),
    probe("uprobeSession", "uprobe.session"),
    probe("usdt", "usdt"),
    // An extension program: the replaced function's first argument points at a struct the body
    // declares (tracepoint-like); the target program comes at load time.
    {
      fn: "freplace",
      hasTarget: true,
      section: (t: string) => `freplace/${t}`,
      ctx: { kind: "struct" },
    },
    // A member of a struct_ops map (`structOps(...)`, struct-ops.ts): the target is the member,
    // the arguments are typed from its function pointer's prototype.
    {
      fn: "structOps",
      hasTarget: true,
      section: (t: string) => `struct_ops/${t}`,
      ctx: s.argWords,
      kernelArgs: { from: "member", returnValue: "none" },
    },
    // A kprobe on the system call's wrapper (`__x64_sys_<name>`, resolved by the loader as libbpf
    // does), its arguments typed as BPF_KSYSCALL gives them.
    {
      ...probe("ksyscall", "ksyscall"),
      kernelArgs: { from: "syscall", returnValue: "none" },
    },
    {
      ...probe("kretsyscall", "kretsyscall"),
      kernelArgs: { from: "syscall", returnValue: "only" },
    },
  ];
}
