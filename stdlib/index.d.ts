/**
 * `import { ... } from "tsbpf"`: the declarations of the tsbpf language — integer types, structs and
 * arrays, maps, helpers and program kinds. Declarations only: the compiler (compiler/frontend)
 * recognises these names and lowers them; nothing here runs. See stdlib/README.md for the reference.
 */

export * from "./net.js";
export * from "./helpers.js";
export * from "./net-programs.js";
export * from "./map-targets.js";
export * from "./element-maps.js";
export * from "./map-of-maps.js";
export * from "./maps.js";
export * from "./tracing.js";
export * from "./struct-ops.js";
export * from "./packet-programs.js";

// ---------------------------------------------------------------------------------------------
// Integer types: plain aliases of `number` (see README "Integer types" for why), checked for width
// and signedness by tsbpf itself. Each also has a conversion function of the same name that
// truncates or extends explicitly, C-style: `u8(x)` keeps the low 8 bits.
// ---------------------------------------------------------------------------------------------

/** Unsigned 8-bit integer. */
export type u8 = number;
/** Unsigned 16-bit integer. */
export type u16 = number;
/** Unsigned 32-bit integer. */
export type u32 = number;
/** Unsigned 64-bit integer (constants above 2^53 are read exactly from the source text). */
export type u64 = number;
/** Signed 8-bit integer. */
export type i8 = number;
/** Signed 16-bit integer. */
export type i16 = number;
/** Signed 32-bit integer. */
export type i32 = number;
/** Signed 64-bit integer. */
export type i64 = number;
/** A one-byte boolean in structs and maps (0 or 1). */
export type bool = boolean;

/** Converts (truncating or extending) to u8. Accepts bigint literals for constants. */
export declare function u8(x: number | bigint | boolean): u8;
/** Converts to u16. */
export declare function u16(x: number | bigint | boolean): u16;
/** Converts to u32. */
export declare function u32(x: number | bigint | boolean): u32;
/** Converts to u64. `u64(0xffff_ffff_ffff_ffffn)` writes a constant beyond 2^53. */
export declare function u64(x: number | bigint | boolean): u64;
/** Converts to i8. */
export declare function i8(x: number | bigint | boolean): i8;
/** Converts to i16. */
export declare function i16(x: number | bigint | boolean): i16;
/** Converts to i32. */
export declare function i32(x: number | bigint | boolean): i32;
/** Converts to i64. */
export declare function i64(x: number | bigint | boolean): i64;

// ---------------------------------------------------------------------------------------------
// Memory: fixed arrays, references into maps / ring buffers / packets.
// ---------------------------------------------------------------------------------------------

/** A C array of N elements (`T name[N]`), inline in structs and on the stack. */
export interface FixedArray<T, N extends number> {
  [index: number]: T;
  readonly length: N;
}
/**
 * `char name[N]`: a byte buffer (comm, file names). Bytes to the program; user space (`tsbpf run`,
 * tsbpf/user) reads it as the string before its first NUL. `__tsbpfText` only marks the type for
 * tsbpf/user's typings: no value has it, and any `FixedArray<u8, N>` is assignable to a CharArray.
 */
export interface CharArray<N extends number> extends FixedArray<u8, N> {
  readonly __tsbpfText?: never;
}

/** A reference to memory owned elsewhere (a map value, a ring buffer record, packet bytes). */
export interface Ref<T> {
  /** The referenced value; reading a struct field through it loads only that field. */
  value: T;
}

/** A zero-filled value of struct or array type T: `const buf: FixedArray<u32, 4> = zeroed();`. */
export declare function zeroed<T>(): T;

/**
 * A local struct or array left uninitialised, for a buffer a helper fills before anything reads it
 * (`getCurrentComm`, `probeReadKernelStr`/`probeReadUserStr`, `probeRead*`, `ctx.loadBytes`): the
 * kernel accepts uninitialised stack memory for those destinations, so the zero fill `zeroed()`
 * costs is skipped. Only as a local declaration's initialiser
 * (`const comm: CharArray<16> = uninit(); getCurrentComm(comm);`); bytes the helper did not write
 * (past a string's NUL, or everything when it fails) are undefined: read only what it wrote.
 */
export declare function uninit<T>(): T;

/** Atomically adds `delta` to a memory location (a map value, a field of one, or a global). */
export declare function atomicAdd(place: number, delta: number): void;

/** Atomically adds `delta` and returns the previous value. */
export declare function fetchAdd(place: number, delta: number): number;

// ---------------------------------------------------------------------------------------------
// Helpers (bpf-helpers(7)).
// ---------------------------------------------------------------------------------------------

// Every kernel helper is declared in helpers.d.ts (generated from libbpf's bpf_helper_defs.h):
// `ktimeGetNs()`, `getCurrentPidTgid()`, `probeReadKernel(dst, src)`, `skbStoreBytes(ctx, off, buf, 0)`,
// ... A buffer argument is one typed value (its size is supplied by the compiler); a map argument
// is a map; a context argument is the program's `ctx`. These types appear in their signatures:

/** A pointer of a kernel object type (`struct task_struct *`), as the u64 a helper returned. */
export type KernelPtr<Struct extends string> = u64 & { readonly __kernelStruct?: Struct };
// ---------------------------------------------------------------------------------------------
// Kernel structs (CO-RE): field chains through kernel pointers compile to relocated reads that the
// loader (tsbpf's or libbpf) adapts to the running kernel's layout.
// ---------------------------------------------------------------------------------------------

/**
 * Kernel struct and union types by name. Empty here: `tsbpf gen types -o vmlinux.d.ts` writes a
 * declaration file that fills it in from BTF (include it in your tsconfig for field names, types
 * and completion in the editor). The compiler itself reads the kernel's BTF.
 */
export interface KernelTypes {}
/** A kernel struct's fields when no generated declarations name it. */
export interface KernelStruct {
  readonly [field: string]: any;
}
/**
 * A pointer to kernel struct `Struct` (`Kernel<"task_struct">`): `p.field` reads the field with a
 * CO-RE relocation; a chain `p.real_parent.tgid` follows each pointer (one bpf_probe_read_kernel
 * per hop, as libbpf's BPF_CORE_READ). Nested and anonymous members are reached by name, as in C.
 */
export type Kernel<Struct extends string> = Struct extends keyof KernelTypes
  ? KernelTypes[Struct]
  : KernelStruct;
/** The current task (bpf_get_current_task), its fields read with CO-RE probe reads. */
export declare function currentTask(): Kernel<"task_struct">;
/**
 * The current task as a BTF pointer (bpf_get_current_task_btf): its fields are loaded directly,
 * checked by the verifier against the kernel's BTF (tracing programs: tp_btf, fentry, lsm, iter).
 */
export declare function currentTaskBtf(): Kernel<"task_struct">;
/**
 * Views a kernel address as a pointer to struct `struct` (as the kernel names it: "sock", "file";
 * a `___flavor` suffix is kept in the relocation and ignored when matching, libbpf's rule).
 */
export declare function kernelPtr<Struct extends string>(
  struct: Struct,
  address: u64 | object,
): Kernel<Struct>;
/** True when the field exists on the running kernel (bpf_core_field_exists). */
export declare function coreFieldExists(field: unknown): bool;
/** The field's size in bytes on the running kernel (bpf_core_field_size). */
export declare function coreFieldSize(field: unknown): u32;
/** True when the kernel has a type of this name compatible with the compile-time one (bpf_core_type_exists). */
export declare function coreTypeExists(type: string): bool;
/** The type's size in bytes on the running kernel (bpf_core_type_size). */
export declare function coreTypeSize(type: string): u32;
/** True when the running kernel's type matches the compile-time one exactly (bpf_core_type_matches). */
export declare function coreTypeMatches(type: string): bool;
/** True when the enum has this enumerator on the running kernel (bpf_core_enum_value_exists). */
export declare function coreEnumValueExists(enumType: string, enumerator: string): bool;
/** The enumerator's value on the running kernel (bpf_core_enum_value). */
export declare function coreEnumValue(enumType: string, enumerator: string): i64;

/** A pointer argument: a place (passed by address), a `Ref<T>`, or an address. */
export type Pointer = u64 | object;
/** The `ctx` of any program kind. */
export type ProgramContext = object;
/** A callback function (bpf_loop, bpf_for_each_map_elem, timers). */
export type HelperCallback = (...args: never[]) => number;
/**
 * `struct bpf_spin_lock`: a lock that is a field of a map value (hash or array map). Take it with
 * `spinLock(value.lock)` and release it with `spinUnlock(value.lock)`; the kernel refuses any other
 * access to it, and any helper call while it is held.
 */
export interface bpf_spin_lock {
  readonly val: u32;
}
/** A lock field of a map value (`struct bpf_spin_lock`). */
export type SpinLock = bpf_spin_lock;
/**
 * `struct bpf_timer`: a timer that is a field of a map value (hash or array map, not in tracing
 * programs). `timerInit(value.timer, map, 0)`, `timerSetCallback(value.timer, fn)`,
 * `timerStart(value.timer, nsecs, 0)`; the kernel refuses any other access to it.
 */
export interface bpf_timer {
  readonly opaque0: u64;
  readonly opaque1: u64;
}
/** A timer field of a map value (`struct bpf_timer`). */
export type BpfTimer = bpf_timer;
/**
 * The kernel address of the data a tracepoint `__data_loc` field points to: `ctx` plus the field's
 * low 16 bits. Read it with probeReadKernelStr: `probeReadKernelStr(buf, dataLocAddress(ctx, ctx.filename))`.
 */
export declare function dataLocAddress(ctx: object, field: DataLoc): u64;
/** Writes to the trace pipe (bpf_trace_printk): a constant format and at most 3 integer arguments. */
export declare function printk(format: string, a?: number, b?: number, c?: number): i64;
/**
 * floor(log2(v)), 0 for 0 and 1 (libbpf-tools' `log2l`); with `cap` (a constant 0..63) clamped to
 * it, the usual histogram slot: `hist.lookup(log2(deltaUs, MAX_SLOTS - 1))`. Inlined: with a cap,
 * a loop the verifier walks at most `cap` times (the C tools' bounded loop); without, a five-step
 * branchy binary search of constant cost.
 */
export declare function log2(v: u64, cap?: number): u32;
/** Byte-order conversions between host (little-endian) and network order. */
export declare function htons(x: u16): u16;
export declare function ntohs(x: u16): u16;
export declare function htonl(x: u32): u32;
export declare function ntohl(x: u32): u32;

// ---------------------------------------------------------------------------------------------
// Programs. `export const name = kind(..., (ctx) => { ... return 0; });` — the constant's name is
// the program's name, the kind gives its ELF section and context type.
// ---------------------------------------------------------------------------------------------

/** An eBPF program (opaque). */
/**
 * The options after a program's body: `section` picks one of libbpf's second spellings of the
 * kind's SEC() name (`tp` for `tracepoint/`, `classifier` for `tc`, ...), for tools ported from C
 * that expect it; the program kind is the same.
 */
export interface ProgramOptions<S extends string> {
  readonly section?: S;
}
export interface Program {
  readonly __program: true;
}

/**
 * A `__data_loc` field of a tracepoint record (`field:__data_loc char[] filename`): a u32 whose low
 * 16 bits are the offset of the data from the record's start and whose high 16 bits are its length.
 * Pass it to `dataLocAddress` to read the data.
 */
export type DataLoc = u32;

/** Fields every tracepoint record starts with (offsets 0..7). */
export interface TracepointCommon {
  readonly common_type: u16;
  readonly common_flags: u8;
  readonly common_preempt_count: u8;
  readonly common_pid: i32;
}
/** raw_syscalls/sys_enter. */
export interface SysEnterArgs extends TracepointCommon {
  readonly id: i64;
  readonly args: FixedArray<u64, 6>;
}
/** raw_syscalls/sys_exit. */
export interface SysExitArgs extends TracepointCommon {
  readonly id: i64;
  readonly ret: i64;
}
/** syscalls/sys_enter_openat (each argument is widened to 8 bytes by the kernel). */
export interface SysEnterOpenatArgs extends TracepointCommon {
  readonly __syscall_nr: i32;
  readonly dfd: i64;
  readonly filename: u64;
  readonly flags: i64;
  readonly mode: u64;
}
/** sched/sched_switch. */
export interface SchedSwitchArgs extends TracepointCommon {
  readonly prev_comm: CharArray<16>;
  readonly prev_pid: i32;
  readonly prev_prio: i32;
  readonly prev_state: i64;
  readonly next_comm: CharArray<16>;
  readonly next_pid: i32;
  readonly next_prio: i32;
}
/** sched/sched_wakeup and sched/sched_wakeup_new. */
export interface SchedWakeupArgs extends TracepointCommon {
  readonly comm: CharArray<16>;
  readonly pid: i32;
  readonly prio: i32;
  readonly target_cpu: i32;
}
/** sched/sched_process_exec. */
export interface SchedProcessExecArgs extends TracepointCommon {
  /** The path of the executed file (read with dataLocAddress). */
  readonly filename: DataLoc;
  readonly pid: i32;
  readonly old_pid: i32;
}
/** sched/sched_process_exit (also sched_process_free and sched_wait_task). */
export interface SchedProcessExitArgs extends TracepointCommon {
  readonly comm: CharArray<16>;
  readonly pid: i32;
  readonly prio: i32;
  /** True when the whole thread group is gone (Linux 6.x). */
  readonly group_dead: bool;
}
/** block/block_rq_issue (also block_rq_insert). */
export interface BlockRqArgs extends TracepointCommon {
  readonly dev: u32;
  readonly sector: u64;
  readonly nr_sector: u32;
  readonly bytes: u32;
  readonly ioprio: u16;
  readonly rwbs: CharArray<10>;
  readonly comm: CharArray<16>;
  readonly cmd: DataLoc;
}
/** block/block_rq_complete. */
export interface BlockRqCompletionArgs extends TracepointCommon {
  readonly dev: u32;
  readonly sector: u64;
  readonly nr_sector: u32;
  readonly error: i32;
  readonly ioprio: u16;
  readonly rwbs: CharArray<10>;
  readonly cmd: DataLoc;
}
/** sock/inet_sock_set_state. Ports are host order; addresses network order (`__u8 saddr[4]`). */
export interface InetSockSetStateArgs extends TracepointCommon {
  readonly skaddr: u64;
  readonly oldstate: i32;
  readonly newstate: i32;
  readonly sport: u16;
  readonly dport: u16;
  readonly family: u16;
  readonly protocol: u16;
  readonly saddr: u32;
  readonly daddr: u32;
  readonly saddr_v6: CharArray<16>;
  readonly daddr_v6: CharArray<16>;
}
/** Tracepoints with a context declared here; others take a user-declared struct. */
export interface TracepointContexts {
  "sched/sched_process_exec": SchedProcessExecArgs;
  "sched/sched_process_exit": SchedProcessExitArgs;
  "block/block_rq_issue": BlockRqArgs;
  "block/block_rq_insert": BlockRqArgs;
  "block/block_rq_complete": BlockRqCompletionArgs;
  "sock/inet_sock_set_state": InetSockSetStateArgs;
  "raw_syscalls/sys_enter": SysEnterArgs;
  "raw_syscalls/sys_exit": SysExitArgs;
  "syscalls/sys_enter_openat": SysEnterOpenatArgs;
  "sched/sched_switch": SchedSwitchArgs;
  "sched/sched_wakeup": SchedWakeupArgs;
  "sched/sched_wakeup_new": SchedWakeupArgs;
}

/** A tracepoint (`SEC("tracepoint/<category>/<name>")`). */
export declare function tracepoint<N extends keyof TracepointContexts>(
  name: N,
  body: (ctx: TracepointContexts[N]) => number,
  options?: ProgramOptions<"tp">,
): Program;
/** A tracepoint whose format struct you declare (layout from /sys/kernel/tracing/events/.../format). */
export declare function tracepoint<C>(
  name: string,
  body: (ctx: C) => number,
  options?: ProgramOptions<"tp">,
): Program;

/** Arguments of a raw tracepoint, fentry/fexit or a kprobe, as 64-bit words. */
export interface ArgsContext {
  /** Argument `index` (a constant) as a raw u64. */
  arg(index: number): u64;
}
/** kprobe / uprobe context (x86-64 `struct pt_regs`). */
export interface PtRegs extends ArgsContext {
  /** The return value (kretprobe / uretprobe). */
  ret(): u64;
}
/**
 * The parameters after `ctx` of fentry/fexit/kprobe/kretprobe/tp_btf/raw tracepoint programs: the
 * kernel function's (or tracepoint's) arguments by position, typed by the compiler from kernel BTF
 * (see README "Typed kernel arguments"). Annotate one (`count: u64`) and the compiler checks it
 * against the prototype; leave it bare and it takes the prototype's type. Pointers are u64 addresses.
 */
export type KernelArgs = number[];
/** `SEC("raw_tracepoint/<name>")`: typed arguments from `btf_trace_<name>`, or `ctx.arg(i)`. */
export declare function rawTracepoint<A extends KernelArgs = KernelArgs>(
  name: string,
  body: (ctx: ArgsContext, ...args: A) => number,
  options?: ProgramOptions<"raw_tp">,
): Program;
/**
 * `SEC("raw_tracepoint.w/<name>")`: a raw tracepoint program of type
 * BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, which may attach to the tracepoints that hand it a
 * writable buffer (DEFINE_EVENT_WRITABLE, such as `bpf_test_finish` or `nbd_send_request`).
 */
export declare function rawTracepointWritable<A extends KernelArgs = KernelArgs>(
  name: string,
  body: (ctx: ArgsContext, ...args: A) => number,
  options?: ProgramOptions<"raw_tp.w">,
): Program;
/** `SEC("tp_btf/<name>")`: a BTF-typed raw tracepoint (arguments as for rawTracepoint). */
export declare function tpBtf<A extends KernelArgs = KernelArgs>(
  name: string,
  body: (ctx: ArgsContext, ...args: A) => number,
): Program;
/**
 * `SEC("fentry/<function>")`: runs on entry to a kernel function, whose arguments follow `ctx`
 * (typed from its BTF prototype): `fentry("vfs_read", (ctx, file, buf, count) => ...)`.
 */
export declare function fentry<A extends KernelArgs = KernelArgs>(
  fn: string,
  body: (ctx: ArgsContext, ...args: A) => number,
): Program;
/**
 * `SEC("fexit/<function>")`: runs when a kernel function returns; parameters after `ctx` are its
 * arguments, then its return value: `fexit("vfs_read", (ctx, file, buf, count, pos, ret) => ...)`.
 * `ctx.arg(n)` with n = the argument count is the return value too.
 */
export declare function fexit<A extends KernelArgs = KernelArgs>(
  fn: string,
  body: (ctx: ArgsContext, ...args: A) => number,
): Program;
/**
 * `SEC("fmod_ret/<function>")`: runs after the programs of a kernel function's entry and may replace
 * its return value (a non-zero return skips the function; only functions marked for error injection
 * or LSM hooks). Parameters as fexit's: the arguments, then the return value so far.
 */
export declare function fmodRet<A extends KernelArgs = KernelArgs>(
  fn: string,
  body: (ctx: ArgsContext, ...args: A) => number,
): Program;
/** `SEC("kprobe/<function>")`: arguments from registers, typed like fentry's (at most 6). */
export declare function kprobe<A extends KernelArgs = KernelArgs>(
  fn: string,
  body: (ctx: PtRegs, ...args: A) => number,
): Program;
/** `SEC("kretprobe/<function>")`: the one parameter after `ctx` is the typed return value. */
export declare function kretprobe<A extends KernelArgs = KernelArgs>(
  fn: string,
  body: (ctx: PtRegs, ...args: A) => number,
): Program;
/** `SEC("uprobe/<binary>:<symbol>")`. */
export declare function uprobe(target: string, body: (ctx: PtRegs) => number): Program;
/** `SEC("uretprobe/<binary>:<symbol>")`: runs when the function returns; `ctx.ret()` is its result. */
export declare function uretprobe(target: string, body: (ctx: PtRegs) => number): Program;

/**
 * Sleepable twins (libbpf's `.s` sections, loaded with BPF_F_SLEEPABLE): the same targets and
 * contexts, and the program may call helpers that can fault in user memory (`copyFromUser`,
 * `copyFromUserTask`). `SEC("uprobe.s/...")`, `SEC("fentry.s/...")`, ...
 */
export declare const uprobeSleepable: typeof uprobe;
export declare const uretprobeSleepable: typeof uretprobe;
export declare const fentrySleepable: typeof fentry;
export declare const fexitSleepable: typeof fexit;
export declare const fmodRetSleepable: typeof fmodRet;

/** `struct bpf_perf_event_data` (sample_period only). */
export interface PerfEventContext {
  readonly sample_period: u64;
}
/** The context of a lirc_mode2 program: one sample of an infrared receiver (`LIRC_MODE2_*`). */
export interface LircSample {
  readonly sample: u32;
}
/**
 * `SEC("lirc_mode2")`: decodes infrared remote-control signals, attached to a `/dev/lircN` device
 * (kernels built with CONFIG_BPF_LIRC_MODE2); reports keys with `rcKeydown` / `rcRepeat`.
 */
export declare function lircMode2(body: (ctx: LircSample) => number): Program;
/**
 * `SEC("syscall")`: a sleepable BPF_PROG_TYPE_SYSCALL program that user space runs with
 * BPF_PROG_TEST_RUN; its context is the argument buffer user space passes, of the struct type the
 * body declares (`syscall((ctx: Args) => ...)`).
 */
export declare function syscall<C>(body: (ctx: C) => number): Program;
/** `SEC("perf_event")`. */
export declare function perfEvent(body: (ctx: PerfEventContext) => number): Program;
