/**
 * The static validator: structural checks a program must pass before anything runs it, the subset of
 * the kernel verifier's first pass (`check_subprogs`, `resolve_pseudo_ldimm64`, `check_alu_op` field
 * checks) that needs no data-flow analysis.
 *
 * Consumes `Insn[]` (insn.ts) and a target `-mcpu` version; produces a list of problems, each naming
 * the instruction index, its slot and what is wrong. An empty list means the program is well formed:
 * every field the row does not use is zero (RFC 9669 §3: "unused fields shall be cleared to zero"),
 * registers are r0–r10 and r10 is never written, every jump/call target is the first slot of an
 * instruction, every instruction exists in the chosen ISA version, and the last one cannot fall through.
 */
import type { Insn } from "./insn.ts";
import { slotOffsets } from "./insn.ts";
import { FRAME_POINTER, PseudoSrc, REG_COUNT } from "./opcode.ts";
import { isRegisterField, jumpTarget, writesField } from "./roles.ts";
import { PSEUDO_SYNTAX } from "./syntax.ts";
import type { InsnField } from "./table.ts";

/** A `-mcpu` version: 1–4, or the clang spelling `v1`–`v4`. */
export type McpuVersion = 1 | 2 | 3 | 4 | "v1" | "v2" | "v3" | "v4";

/** Validator options. */
export interface ValidateOptions {
  /** Highest ISA version the program may use (default v4: everything in RFC 9669). */
  readonly mcpu?: McpuVersion;
}

/** One problem: which instruction (list index and slot number) and what is wrong. */
export interface ValidationProblem {
  readonly index: number;
  readonly slot: number;
  readonly message: string;
}

const KNOWN_PSEUDO = new Set([0, ...PSEUDO_SYNTAX.map((p) => p.src)]);

function mcpuNumber(v: McpuVersion): number {
  return typeof v === "number" ? v : Number(v.slice(1));
}

/**
 * Slot targets of an instruction's jump or local call (the table's target rule), or of an lddw
 * function reference (the pseudo source BPF_PSEUDO_FUNC counts its imm from the next slot the same way).
 */
function targetOf(insn: Insn, slot: number): number | undefined {
  if (insn.spec.kind === "lddw" && insn.src === PseudoSrc.FUNC) return slot + 1 + insn.imm;
  return jumpTarget(insn, slot) ?? undefined;
}

/** Checks one instruction in isolation; calls `report` for each problem. */
function checkInsn(insn: Insn, mcpu: number, report: (msg: string) => void): void {
  const spec = insn.spec;
  const uses = (f: InsnField) => spec.fields.includes(f);
  if (spec.isa > mcpu) report(`${spec.name} needs -mcpu=v${spec.isa} (target is v${mcpu})`);
  // Fields the row does not use must be zero; fields fixed by the row were already matched on decode.
  if (!uses("dst") && insn.dst !== 0) report(`unused dst field is ${insn.dst}, must be 0`);
  if (!uses("src") && insn.src !== 0) report(`unused src field is ${insn.src}, must be 0`);
  if (!uses("off") && spec.offMatch === null && insn.off !== 0) {
    report(`unused offset field is ${insn.off}, must be 0`);
  }
  if (!uses("imm") && spec.immMatch === null && insn.imm !== 0) {
    report(`unused imm field is ${insn.imm}, must be 0`);
  }
  if (spec.kind !== "lddw" && insn.imm2 !== 0) report(`imm2 is only meaningful for lddw`);
  const isRegSrc = isRegisterField(spec, "src");
  if (uses("dst") && insn.dst >= REG_COUNT) report(`bad register r${insn.dst}`);
  if (isRegSrc && insn.src >= REG_COUNT) report(`bad register r${insn.src}`);
  if (writesField(spec, "dst") && insn.dst === FRAME_POINTER) {
    report(`r10 is the read-only frame pointer and cannot be written`);
  }
  if (spec.kind === "atomic" && writesField(spec, "src") && insn.src === FRAME_POINTER)
    report(`atomic fetch would write r10`);
  if (spec.kind === "lddw" && !KNOWN_PSEUDO.has(insn.src)) {
    report(`unknown lddw pseudo source ${insn.src}`);
  }
  if (spec.kind === "alu" && spec.source === "imm") {
    const isShift = spec.op === "lsh" || spec.op === "rsh" || spec.op === "arsh";
    if (isShift && (insn.imm < 0 || insn.imm >= spec.width)) {
      report(`shift by ${insn.imm} is out of range for a ${spec.width}-bit operation`);
    }
    const isDiv = ["div", "sdiv", "mod", "smod"].includes(spec.op);
    if (isDiv && insn.imm === 0) report(`division by the constant zero`);
  }
}

/**
 * The kernel's subprogram rules (verifier `check_subprogs`): the program splits into functions at
 * slot 0 and at every local-call (and function-pointer lddw) target; a jump must stay inside the
 * function it is in, and each function's last instruction must be `exit` or `ja`. A jump from a
 * subprogram back into its caller's body would otherwise run the caller's code on the callee's frame.
 * Targets outside the program are `validateProgram`'s to report; they are ignored here.
 */
export function checkSubprograms(insns: readonly Insn[]): ValidationProblem[] {
  const slots = slotOffsets(insns);
  const total = slots[insns.length]!;
  const starts = new Set<number>([0]);
  insns.forEach((insn, index) => {
    const isCall = insn.spec.op === "call_local" || insn.spec.kind === "lddw";
    const target = isCall ? targetOf(insn, slots[index]!) : undefined;
    if (target !== undefined && target > 0 && target < total) starts.add(target);
  });
  const bounds = [...starts].sort((a, b) => a - b);
  const functionAt = (slot: number) => {
    let f = 0;
    while (f + 1 < bounds.length && bounds[f + 1]! <= slot) f++;
    return f;
  };
  const problems: ValidationProblem[] = [];
  insns.forEach((insn, index) => {
    const kind = insn.spec.kind;
    const slot = slots[index]!;
    if (kind === "jcond" || kind === "ja") {
      const target = targetOf(insn, slot)!;
      const from = functionAt(slot);
      if (target >= 0 && target < total && functionAt(target) !== from) {
        problems.push({
          index,
          slot,
          message: `jump out of range: slot ${slot} in the function at slot ${bounds[from]} jumps to slot ${target}, in the function at slot ${bounds[functionAt(target)]}`,
        });
      }
    }
    const next = index + 1 < insns.length ? slots[index + 1]! : total;
    const endsFunction = next === total || starts.has(next);
    if (endsFunction && next !== total && kind !== "exit" && kind !== "ja") {
      problems.push({
        index,
        slot,
        message: `the function at slot ${bounds[functionAt(slot)]} falls through into the function at slot ${next}: its last instruction must be exit or ja, not ${insn.spec.name}`,
      });
    }
  });
  return problems;
}

/**
 * Validates a program. Returns every problem found (empty when the program is well formed); never
 * throws for bad input.
 */
export function validateProgram(
  insns: readonly Insn[],
  opts: ValidateOptions = {},
): ValidationProblem[] {
  if (insns.length === 0) return [{ index: 0, slot: 0, message: "program is empty" }];
  const mcpu = mcpuNumber(opts.mcpu ?? 4);
  const problems: ValidationProblem[] = [];
  const slots = slotOffsets(insns);
  const total = slots[insns.length]!;
  const starts = new Set(slots.slice(0, insns.length));
  insns.forEach((insn, index) => {
    const slot = slots[index]!;
    const report = (message: string) => problems.push({ index, slot, message });
    checkInsn(insn, mcpu, report);
    const target = targetOf(insn, slot);
    if (target === undefined) return;
    if (target < 0 || target >= total) {
      report(`target slot ${target} is outside the program (0..${total - 1})`);
    } else if (!starts.has(target)) {
      report(`target slot ${target} is the second half of an lddw`);
    }
  });
  problems.push(...checkSubprograms(insns));
  const last = insns[insns.length - 1]!;
  if (last.spec.kind !== "exit" && last.spec.kind !== "ja") {
    problems.push({
      index: insns.length - 1,
      slot: slots[insns.length - 1]!,
      message: `program must end with exit or an unconditional jump, not ${last.spec.name}`,
    });
  }
  return problems;
}
