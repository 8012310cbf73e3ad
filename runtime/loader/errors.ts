/**
 * The loader's error types. Every failure of the live-kernel path surfaces as one of these, with a
 * message a user can act on (never a bare errno):
 * - `KernelError`: a syscall failed; carries the command, errno number and name, and a hint.
 * - `VerifierError`: PROG_LOAD was rejected; adds the verifier log, the failing instruction index
 *   parsed from the log, and an optional source-annotated rendering.
 * - `LoaderError`: the request itself is wrong or unsupported here (unknown section, missing
 *   interface, kprobes unavailable ...), detected before or instead of a syscall.
 */
import { describeErrno } from "./sys/errno.ts";

/** A failed syscall (bpf, perf_event_open, ioctl). */
export class KernelError extends Error {
  /** Errno name (`EPERM`). */
  readonly code: string;
  /** Short explanation of what the errno usually means. */
  readonly hint: string;

  constructor(
    /** The command, e.g. `BPF_MAP_CREATE` or `perf_event_open`. */
    readonly command: string,
    /** Positive errno value. */
    readonly errno: number,
    /** What was being done, e.g. `creating map "counts"`. */
    readonly context?: string,
    /** A more specific explanation than the generic one for this errno. */
    hint?: string,
  ) {
    const info = describeErrno(errno);
    const why = hint ?? info.hint;
    super(`${command}${context ? ` (${context})` : ""} failed: ${info.name}: ${why}`);
    this.name = "KernelError";
    this.code = info.name;
    this.hint = why;
  }
}

/** The verifier rejected a program. `message` names the instruction, its source line and the reason. */
export class VerifierError extends KernelError {
  constructor(
    errno: number,
    /** Program name. */
    readonly program: string,
    /** The full verifier log text. */
    readonly log: string,
    /** Index (in slots) of the instruction the verifier stopped at, or -1 if the log does not say. */
    readonly insnIndex: number,
    /** The verifier's reason (`R0 invalid mem access 'map_value_or_null'`), or "". */
    readonly reason: string,
    /** Source of the failing instruction (`*v += 1;  @ prog.bpf.c:16`), when line info exists. */
    readonly sourceLine?: string,
    /** The log with source lines interleaved, when line info was available. */
    readonly annotatedLog?: string,
  ) {
    super("BPF_PROG_LOAD", errno, `program "${program}"`);
    this.name = "VerifierError";
    const where = insnIndex >= 0 ? ` at instruction ${insnIndex}` : "";
    const src = sourceLine ? ` (${sourceLine})` : "";
    const tail = lastLines(annotatedLog ?? log, 25);
    this.message =
      `verifier rejected program "${program}"${where}${src}: ${reason || this.code}` +
      (tail ? `\n${tail}` : "");
  }
}

/** A mistake in the request or a feature this kernel lacks, detected by the loader itself. */
export class LoaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoaderError";
  }
}

function lastLines(text: string, n: number): string {
  const lines = text.trimEnd().split("\n");
  const kept = lines.slice(-n);
  return (lines.length > n ? ["...", ...kept] : kept).join("\n");
}
