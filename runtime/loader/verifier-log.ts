/**
 * Reading the kernel verifier's log (kernel/bpf/verifier.c, Documentation/bpf/verifier.rst).
 *
 * Consumes: the log text as the kernel wrote it. Produces: the facts callers need (the instruction
 * the verifier stopped at, the error line, the "processed N insns" statistics), and a rendering with
 * source lines interleaved.
 *
 * Log shapes relied on (stable since Linux 5.x):
 *   `12: (85) call bpf_map_lookup_elem#1      ; R0_w=map_value_or_null(...)`  instruction lines
 *   `; return *val; @ prog.bpf.c:14`                                           source lines (line_info)
 *   `processed 25 insns (limit 1000000) max_states_per_insn 0 total_states 2 ...` summary
 * The error message is the last non-summary line that is not an instruction or state line.
 */

/** Facts extracted from a verifier log. */
export interface VerifierLogFacts {
  /** Slot index of the last instruction the verifier printed before stopping, or -1. */
  readonly insnIndex: number;
  /** The line explaining the rejection (e.g. `R1 invalid mem access 'scalar'`), or "". */
  readonly errorLine: string;
  /** "processed N insns", or -1 when the log has no summary. */
  readonly processedInsns: number;
  /** "total_states N" / "peak_states N", or -1. */
  readonly totalStates: number;
  readonly peakStates: number;
}

const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;
const SUMMARY = /^processed (\d+) insns \(limit \d+\).*?total_states (\d+) peak_states (\d+)/;

/** Extracts the failing instruction, error line and statistics from a verifier log. */
export function parseVerifierLog(log: string): VerifierLogFacts {
  const lines = log.split("\n").map((l) => l.trimEnd());
  let insnIndex = -1;
  let processedInsns = -1;
  let totalStates = -1;
  let peakStates = -1;
  let errorLine = "";
  for (const line of lines) {
    const insn = INSN_LINE.exec(line);
    if (insn) {
      insnIndex = Number(insn[1]);
      continue;
    }
    const sum = SUMMARY.exec(line);
    if (sum) {
      processedInsns = Number(sum[1]);
      totalStates = Number(sum[2]);
      peakStates = Number(sum[3]);
      continue;
    }
    if (isNarrative(line)) errorLine = line;
  }
  return { insnIndex, errorLine, processedInsns, totalStates, peakStates };
}

/** Lines that are neither state dumps, source comments nor blank: candidates for the error text. */
function isNarrative(line: string): boolean {
  if (line === "" || line.startsWith(";")) return false;
  if (/^\d+: (R\d|frame\d|\()/.test(line) || /^(from|last_idx|regs=|parent|Func#)/.test(line)) {
    return false;
  }
  if (/^(verification time|stack depth|func#|Validating|mark_precise)/.test(line)) return false;
  return true;
}

/**
 * Interleaves source lines into a log: before each instruction line whose source location differs
 * from the previous one, inserts `; <text>` from `sourceOf(slot)`. When the kernel already printed
 * source lines (it does when given line_info), the log is returned unchanged.
 */
export function annotateVerifierLog(
  log: string,
  sourceOf: (slot: number) => string | undefined,
): string {
  const lines = log.split("\n");
  if (lines.some((l) => l.startsWith("; "))) return log;
  const out: string[] = [];
  let last: string | undefined;
  for (const line of lines) {
    const m = INSN_LINE.exec(line);
    if (m) {
      const src = sourceOf(Number(m[1]));
      if (src !== undefined && src !== last) out.push(`; ${src}`);
      last = src ?? last;
    }
    out.push(line);
  }
  return out.join("\n");
}
