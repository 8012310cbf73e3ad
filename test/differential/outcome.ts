/**
 * What one execution of a generated program produced, how two executions are compared, and how a
 * disagreement is printed.
 *
 * Consumes `Outcome`s from vm-runner.ts and kernel-runner.ts; produces a list of human-readable
 * differences (empty when the two agree) and a report naming the seed, the disassembled program
 * (core/isa `disassemble`, slot-numbered like the verifier log) and both results.
 *
 * The map value is decoded with the generator's layout (`DIFF_LAYOUT`), so a difference reads as
 * "r3 kernel 0x.. vm 0x.." or "stack[-16] ..." rather than a byte offset.
 */
import { disassemble } from "../../core/isa/index.ts";
import { DIFF_LAYOUT, SCALAR_REGS, type GeneratedProgram } from "../support/gen/program-gen.ts";

/** The observable result of one run. */
export interface Outcome {
  /** "kernel", "interpreter", "jit". */
  readonly side: string;
  /** r0 as the side reports it: 64 bits for the VM; the kernel's test-run retval is only 32 bits. */
  readonly r0: bigint;
  readonly r0Bits: 32 | 64;
  /** The packet after the run. */
  readonly packet: Uint8Array;
  /** Map key 0's value after the run. */
  readonly mapValue: Uint8Array;
  /** Instructions executed (VM only). */
  readonly executed?: number;
  /** A run-time failure instead of a result (VM errors; the kernel never fails a verified program). */
  readonly error?: string;
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

function word(bytes: Uint8Array, at: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at, true);
}

/** Names the 8-byte word of the map value at `at`. */
function wordName(at: number): string {
  const { regDumpOffset, stackDumpOffset, stackBytes } = DIFF_LAYOUT;
  if (at >= stackDumpOffset) return `stack[${at - stackDumpOffset - stackBytes}]`;
  if (at >= regDumpOffset) return `r${SCALAR_REGS[(at - regDumpOffset) / 8]}`;
  return `map value[${at}]`;
}

/** Differences between two outcomes (empty when they agree). r0 is compared on the common width. */
export function compareOutcomes(a: Outcome, b: Outcome): string[] {
  if (a.error !== undefined || b.error !== undefined) {
    if (a.error === b.error) return [];
    return [`error: ${a.side} ${a.error ?? "none"} / ${b.side} ${b.error ?? "none"}`];
  }
  const out: string[] = [];
  const bits = BigInt(Math.min(a.r0Bits, b.r0Bits));
  const [ra, rb] = [BigInt.asUintN(Number(bits), a.r0), BigInt.asUintN(Number(bits), b.r0)];
  if (ra !== rb) out.push(`r0 (low ${bits} bits): ${a.side} ${hex(ra)} / ${b.side} ${hex(rb)}`);
  for (let at = 0; at < DIFF_LAYOUT.valueSize; at += 8) {
    const [wa, wb] = [word(a.mapValue, at), word(b.mapValue, at)];
    if (wa !== wb) out.push(`${wordName(at)}: ${a.side} ${hex(wa)} / ${b.side} ${hex(wb)}`);
  }
  if (a.packet.length !== b.packet.length) {
    out.push(`packet length: ${a.side} ${a.packet.length} / ${b.side} ${b.packet.length}`);
  } else {
    for (let i = 0; i < a.packet.length; i++) {
      if (a.packet[i] !== b.packet[i]) {
        out.push(
          `packet[${i}]: ${a.side} 0x${a.packet[i]!.toString(16)} / ${b.side} 0x${b.packet[i]!.toString(16)}`,
        );
      }
    }
  }
  return out;
}

function describeOutcome(o: Outcome): string {
  if (o.error !== undefined) return `  ${o.side}: error ${o.error}`;
  const regs = SCALAR_REGS.map(
    (r, i) => `r${r}=${hex(word(o.mapValue, DIFF_LAYOUT.regDumpOffset + 8 * i))}`,
  ).join(" ");
  const ran = o.executed === undefined ? "" : `, ${o.executed} insns`;
  return `  ${o.side}: r0 ${hex(o.r0)} (${o.r0Bits}-bit${ran}); dumped ${regs}`;
}

/** A full report of a disagreement: seed, inputs, program and both outcomes. */
export function formatDisagreement(
  program: GeneratedProgram,
  a: Outcome,
  b: Outcome,
  differences: readonly string[],
): string {
  const bytes = (u: Uint8Array) => Buffer.from(u).toString("hex");
  return [
    `seed ${program.seed}: ${a.side} and ${b.side} disagree`,
    ...differences.slice(0, 20).map((d) => `  - ${d}`),
    differences.length > 20 ? `  - ... ${differences.length - 20} more` : "",
    describeOutcome(a),
    describeOutcome(b),
    `  packet in: ${bytes(program.packet)}`,
    `  map value in: ${bytes(program.mapValue)}`,
    "  program:",
    disassemble(program.insns, { slots: true }).trimEnd(),
  ]
    .filter((l) => l !== "")
    .join("\n");
}
