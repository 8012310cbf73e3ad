/**
 * Tracing program kinds beyond the basic probes, re-exported by `"tsbpf"` (index.d.ts): BPF
 * iterators, LSM hooks, multi-target kprobes and uprobes, and USDT probes. Declarations only: the
 * compiler's program-kind table (compiler/frontend/tracing-kinds.ts) says how each lowers, and the
 * section names are libbpf's.
 */
import type {
  ArgsContext,
  i32,
  i64,
  Kernel,
  KernelArgs,
  Program,
  PtRegs,
  u32,
  u64,
} from "./index.js";

// ---------------------------------------------------------------------------------------------
// BPF iterators (`SEC("iter/<target>")`): the kernel runs the program once per object (task, map,
// TCP socket) when user space reads the iterator, then once more with a null object; what the
// program prints with `seqPrintf` / `seqWrite` is what the reader gets (`tsbpf run` prints it).
// ---------------------------------------------------------------------------------------------

/** `struct bpf_iter_meta`: the output file and the position in the walk. */
export interface IterMeta {
  /** The output (`struct seq_file *`) `seqPrintf` writes to. */
  readonly seq: Kernel<"seq_file">;
  readonly session_id: u64;
  /** 0 for the first object, counting up. */
  readonly seq_num: u64;
}
/** What every iterator context has: its `meta`. */
export interface IterContext {
  readonly meta: IterMeta;
}
/**
 * The context of each iterator target: the kernel's `struct bpf_iter__<target>` (fields are read
 * at their offsets in the kernel's BTF). The object is null on the last call of a walk.
 */
export interface IterContexts {
  /** `struct bpf_iter__task`: every task (thread) of the system. */
  task: IterContext & { readonly task: Kernel<"task_struct"> | null };
  /** `struct bpf_iter__bpf_map`: every BPF map. */
  bpf_map: IterContext & { readonly map: Kernel<"bpf_map"> | null };
  /** `struct bpf_iter__tcp`: every TCP socket (listening, established, time-wait). */
  tcp: IterContext & { readonly sk_common: Kernel<"sock_common"> | null; readonly uid: u32 };
}
/** Where `seqPrintf` / `seqWrite` write: an iterator's `ctx`, or its `ctx.meta.seq`. */
export type SeqFile = IterContext | Kernel<"seq_file">;
/**
 * `SEC("iter/<target>")`: a BPF iterator over `task`, `bpf_map` or `tcp`:
 * `iter("task", (ctx) => { const t = ctx.task; if (!t) return 0; seqPrintf(ctx, "%d %s\n", t.tgid, t.comm); return 0; })`.
 */
export declare function iter<T extends keyof IterContexts>(
  target: T,
  body: (ctx: IterContexts[T]) => number,
): Program;

// ---------------------------------------------------------------------------------------------
// LSM hooks: BPF programs as Linux security modules (CONFIG_BPF_LSM and `bpf` in the `lsm=` list).
// They run through BPF trampolines, which some kernels refuse even to root.
// ---------------------------------------------------------------------------------------------

/**
 * `SEC("lsm/<hook>")`: runs at security hook `<hook>` (`file_open`, `bprm_check_security`, ...);
 * the parameters after `ctx` are the hook's arguments, typed from `bpf_lsm_<hook>`'s BTF
 * prototype, then the verdict of the programs before this one. Return 0 to allow, a negative
 * errno (`-1` for EPERM) to deny.
 */
export declare function lsm<A extends KernelArgs = KernelArgs>(
  hook: string,
  body: (ctx: ArgsContext, ...args: A) => number,
): Program;
/** `SEC("lsm_cgroup/<hook>")`: an LSM hook for the tasks of one cgroup; return 1 to allow, 0 to deny. */
export declare function lsmCgroup<A extends KernelArgs = KernelArgs>(
  hook: string,
  body: (ctx: ArgsContext, ...args: A) => number,
): Program;

// ---------------------------------------------------------------------------------------------
// Probes on many functions at once, and USDT.
// ---------------------------------------------------------------------------------------------

/** `SEC("kprobe.multi/<pattern>")`: one program on every kernel function matching a glob. */
export declare function kprobeMulti(pattern: string, body: (ctx: PtRegs) => number): Program;
/** `SEC("kretprobe.multi/<pattern>")`: on return from every matching kernel function. */
export declare function kretprobeMulti(pattern: string, body: (ctx: PtRegs) => number): Program;
/**
 * `SEC("uprobe.multi/<binary>:<pattern>")`: one program on every function of a binary whose name
 * matches a glob (`*`, `?`), attached with one BPF link.
 */
export declare function uprobeMulti(target: string, body: (ctx: PtRegs) => number): Program;
/** `SEC("uretprobe.multi/<binary>:<pattern>")`: on return from every matching function. */
export declare function uretprobeMulti(target: string, body: (ctx: PtRegs) => number): Program;
/**
 * `SEC("kprobe.session/<pattern>")`: a kprobe.multi session (Linux 6.10+): the program runs on
 * entry to every matching kernel function and, when that run returns 0, again on its return (a
 * non-zero entry return skips the return run).
 */
export declare function kprobeSession(target: string, body: (ctx: PtRegs) => number): Program;
/**
 * `SEC("uprobe.session/<binary>:<pattern>")`: a uprobe.multi session (Linux 6.13+): the program runs
 * on entry to every matching function and, when that run returns 0, again on its return.
 */
export declare function uprobeSession(target: string, body: (ctx: PtRegs) => number): Program;
/**
 * `SEC("usdt/<binary>:<provider>:<name>")`: a statically defined tracepoint of a user program
 * (`DTRACE_PROBE` / `STAP_PROBE` of <sys/sdt.h>), found in the binary's `.note.stapsdt` notes and
 * attached as a uprobe at each of its sites (the semaphore, if any, counted up while attached).
 * The probe's arguments are `usdtArg(ctx, n)`, or, as libbpf's BPF_USDT macro gives them, the
 * parameters after `ctx`: `(ctx, id: i32, name: u64) => ...` binds argument 0 narrowed to i32 and
 * argument 1 as u64 (i64 when not annotated; at most 12).
 */
export declare function usdt<A extends KernelArgs = KernelArgs>(
  target: string,
  body: (ctx: PtRegs, ...args: A) => number,
): Program;
/**
 * Argument `n` (a constant, 0..11) of the USDT probe site that fired, as the note's spec for that
 * site says (`-4@%edi`: a register; `8@-16(%rbp)`: user memory; `-4@$5`: a constant), sign- or
 * zero-extended from its size to i64 (`u64(usdtArg(ctx, 1))` for an address). libbpf's
 * `bpf_usdt_arg`: the loader writes each site's spec into the program's `tsbpf_usdt_specs` map and
 * attaches the site with the spec's index as its bpf cookie. 0 for an argument the site lacks.
 */
export declare function usdtArg(ctx: PtRegs, n: number): i64;
/**
 * How many arguments the firing site has (libbpf's `bpf_usdt_arg_cnt`); -3 (-ESRCH) when the
 * attachment's cookie names no spec.
 */
export declare function usdtArgCount(ctx: PtRegs): i32;
/**
 * The arguments of a system call, as register words: annotate each with the integer type the call
 * takes (`dfd: i32`); unannotated ones are u64. At most 6.
 */
export type SyscallArgs = number[];
/**
 * `SEC("ksyscall/<syscall>")`: a kprobe on the system call's kernel entry, the arch wrapper
 * `__x64_sys_<syscall>` (the loader resolves it as libbpf does), with the call's arguments after
 * `ctx` as libbpf's BPF_KSYSCALL gives them (read from the caller's registers with
 * bpf_probe_read_kernel, so the program is GPL): `ksyscall("openat", (ctx, dfd: i32, path) => 0)`.
 * Needs kprobes (CONFIG_KPROBE_EVENTS) to attach.
 */
export declare function ksyscall<A extends SyscallArgs = SyscallArgs>(
  syscall: string,
  body: (ctx: PtRegs, ...args: A) => number,
): Program;
/** `SEC("kretsyscall/<syscall>")`: the one parameter after `ctx` is the call's return value (i64). */
export declare function kretsyscall(
  syscall: string,
  body: (ctx: PtRegs, ret: i64) => number,
): Program;
/**
 * `SEC("freplace/<function>")` (BPF_PROG_TYPE_EXT): replaces the global function `<function>` of
 * another loaded BPF program, running with that program's type. `ctx` is what the function's first
 * argument points at (the target's context, say): declare its fields, as for a tracepoint you
 * describe. Loaded against the target: `loadObject(bytes, { freplaceTargets: { name: targetFd } })`
 * finds the function in the target's BTF as libbpf's bpf_program__set_attach_target does. Runs
 * through a BPF trampoline, which some kernels refuse.
 */
export declare function freplace<C>(target: string, body: (ctx: C) => number): Program;

/**
 * Sleepable twins (libbpf's `.s` sections, loaded with BPF_F_SLEEPABLE): `SEC("iter.s/task")`,
 * `SEC("lsm.s/<hook>")`, `SEC("uprobe.multi.s/...")`, `SEC("usdt.s/...")`; the same targets and
 * contexts, and the program may call helpers that can fault in user memory.
 */
export declare const iterSleepable: typeof iter;
export declare const lsmSleepable: typeof lsm;
export declare const uprobeMultiSleepable: typeof uprobeMulti;
export declare const uretprobeMultiSleepable: typeof uretprobeMulti;
export declare const usdtSleepable: typeof usdt;
