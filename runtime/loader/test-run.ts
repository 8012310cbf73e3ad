/**
 * Running a loaded program once (or `repeat` times) on supplied input with BPF_PROG_TEST_RUN, without
 * attaching it anywhere (kernel Documentation/bpf/bpf_prog_run.rst).
 *
 * Consumes: a program fd and input packet bytes (`data`, for XDP / sched_cls / socket filter) and/or
 * a context struct (`ctx`, e.g. struct xdp_md, __sk_buff, or the u64 args of a raw tracepoint).
 * Produces: the program's return value, the (possibly rewritten) packet and context, and the mean
 * duration per run in nanoseconds as measured by the kernel.
 */
import { LoaderError } from "./errors.ts";
import { readU32 } from "./sys/attr.ts";
import { bpf } from "./sys/bpf.ts";
import { BpfCmd, ProgType } from "./sys/constants.ts";
import { TEST_RUN } from "./sys/layouts.ts";

/** Input of one test run. */
export interface TestRunInput {
  /** Packet bytes (network program types). */
  readonly data?: Uint8Array;
  /** Context struct bytes (ctx_in); for raw tracepoints the u64 arguments. */
  readonly ctx?: Uint8Array;
  /** Run this many times (duration is the mean); default 1. */
  readonly repeat?: number;
  /** Capacity for the output packet; default data length + 512 (XDP may grow the tail). */
  readonly dataOutCapacity?: number;
  /** BPF_F_TEST_* flags (1 = run on `cpu`, for raw tracepoints). */
  readonly flags?: number;
  readonly cpu?: number;
}

/** Result of a test run. */
export interface TestRunResult {
  /** The program's return value (r0, truncated to u32 by the kernel). */
  readonly retval: number;
  /** Packet after the run (empty when no data was given). */
  readonly dataOut: Uint8Array;
  /** Context after the run (empty when no ctx was given). */
  readonly ctxOut: Uint8Array;
  /** Mean nanoseconds per run. */
  readonly duration: number;
}

/** Anything with a program fd and a name (a `KernelProgram`, whose type is known). */
export interface RunnableProgram {
  readonly fd: number;
  readonly name: string;
  /** BPF_PROG_TYPE_* number, when known. */
  readonly type?: number;
}

/**
 * Raw tracepoint programs run once on their argument words: the kernel
 * (net/bpf/test_run.c bpf_prog_test_run_raw_tp) refuses a repeat count and a context out buffer.
 */
const RAW_TP_TYPES: ReadonlySet<number | undefined> = new Set([
  ProgType.RAW_TRACEPOINT,
  ProgType.RAW_TRACEPOINT_WRITABLE,
]);

/**
 * Syscall programs run once on their argument buffer, which the kernel
 * (net/bpf/test_run.c bpf_prog_test_run_syscall) writes back into ctx_in: it refuses a packet, a
 * repeat count and a context out buffer, so `ctxOut` is that buffer after the run.
 */
function testRunSyscall(prog: RunnableProgram, input: TestRunInput): TestRunResult {
  if (input.data || (input.repeat ?? 0) !== 0)
    throw new LoaderError(
      `test run of syscall program "${prog.name}": it runs once on its argument struct (ctx), with no packet and no repeat`,
    );
  const ctx = input.ctx ? input.ctx.slice() : undefined;
  const { attr } = bpf(
    BpfCmd.PROG_TEST_RUN,
    TEST_RUN,
    { prog_fd: prog.fd, ctx_size_in: ctx?.length ?? 0, ctx_in: ctx ?? 0n, cpu: input.cpu ?? 0 },
    `test run of program "${prog.name}"`,
  );
  return {
    retval: readU32(TEST_RUN, attr, "retval"),
    dataOut: new Uint8Array(0),
    ctxOut: ctx ?? new Uint8Array(0),
    duration: 0,
  };
}

/** Runs `prog` on the input with BPF_PROG_TEST_RUN. */
export function testRun(prog: RunnableProgram, input: TestRunInput = {}): TestRunResult {
  if (prog.type === ProgType.SYSCALL) return testRunSyscall(prog, input);
  const rawTp = RAW_TP_TYPES.has(prog.type);
  const repeat = input.repeat ?? (rawTp ? 0 : 1);
  if (!Number.isInteger(repeat) || repeat < 0) {
    throw new LoaderError(`test run of "${prog.name}": repeat must be a non-negative integer`);
  }
  if (rawTp && (repeat !== 0 || input.data))
    throw new LoaderError(
      `test run of raw tracepoint "${prog.name}": it runs once on its arguments (ctx), with no packet and no repeat`,
    );
  const data = input.data;
  const dataOut = data ? new Uint8Array(input.dataOutCapacity ?? data.length + 512) : undefined;
  const ctx = input.ctx;
  const ctxOut = ctx && !rawTp ? new Uint8Array(ctx.length) : undefined;
  const { attr } = bpf(
    BpfCmd.PROG_TEST_RUN,
    TEST_RUN,
    {
      prog_fd: prog.fd,
      data_size_in: data?.length ?? 0,
      data_size_out: dataOut?.length ?? 0,
      data_in: data ?? 0n,
      data_out: dataOut ?? 0n,
      repeat,
      ctx_size_in: ctx?.length ?? 0,
      ctx_size_out: ctxOut?.length ?? 0,
      ctx_in: ctx ?? 0n,
      ctx_out: ctxOut ?? 0n,
      flags: input.flags ?? 0,
      cpu: input.cpu ?? 0,
    },
    `test run of program "${prog.name}"`,
  );
  const dataLen = dataOut ? readU32(TEST_RUN, attr, "data_size_out") : 0;
  const ctxLen = ctxOut ? readU32(TEST_RUN, attr, "ctx_size_out") : 0;
  return {
    retval: readU32(TEST_RUN, attr, "retval"),
    dataOut: dataOut ? dataOut.slice(0, dataLen) : new Uint8Array(0),
    ctxOut: ctxOut ? ctxOut.slice(0, ctxLen) : new Uint8Array(0),
    duration: readU32(TEST_RUN, attr, "duration"),
  };
}
