/**
 * Shrinks a generated program that exposes a disagreement to the few instructions that matter, so a
 * report names the guilty instruction instead of a hundred random ones.
 *
 * Consumes a `GeneratedProgram` and a predicate ("this variant still disagrees", which should also
 * be false when the kernel rejects the variant); produces the smallest variant found by greedy
 * deletion of body instructions (delta debugging, one instruction at a time, repeated until nothing
 * more can go). Inputs (packet, map value) are kept.
 *
 * Deleting is safe inside the body: the prologue initialises every register and stack slot, so no
 * deletion can make a later read uninitialised. Jump offsets are recomputed in slots (RFC 9669 §4.3);
 * a jump whose target was deleted lands on the next kept instruction, which is where control would
 * have flowed anyway. Deleting a conditional jump keeps its fall-through path.
 */
import { slotOffsets, type Insn } from "../../core/isa/index.ts";
import type { GeneratedProgram } from "../support/gen/program-gen.ts";

function targetIndex(insns: readonly Insn[], slots: readonly number[], index: number): number {
  const insn = insns[index]!;
  const rel = insn.spec.fields.includes("off") ? insn.off : insn.imm;
  const slot = slots[index]! + 1 + rel;
  const at = slots.indexOf(slot);
  if (at < 0) throw new Error(`jump at ${index} does not land on an instruction start`);
  return at;
}

const isJump = (insn: Insn) => insn.spec.kind === "jcond" || insn.spec.kind === "ja";

/** `program` without instruction `drop` (a body index), every jump offset recomputed. */
export function withoutInsn(program: GeneratedProgram, drop: number): GeneratedProgram {
  const { insns, body } = program;
  if (drop < body.start || drop >= body.end) {
    throw new Error(`instruction ${drop} is outside the body [${body.start}, ${body.end})`);
  }
  const slots = slotOffsets(insns);
  // Old index -> new index; a deleted instruction maps to its successor.
  const newIndex = insns.map((_, i) => (i > drop ? i - 1 : i));
  newIndex.push(insns.length - 1);
  const kept = insns.filter((_, i) => i !== drop);
  const newSlots = slotOffsets(kept);
  const targets = insns.map((insn, i) =>
    isJump(insn) ? newIndex[targetIndex(insns, slots, i)]! : -1,
  );
  const fixed = kept.map((insn, k) => {
    const old = k >= drop ? k + 1 : k;
    if (!isJump(insn)) return insn;
    const distance = newSlots[targets[old]!]! - newSlots[k]! - 1;
    return insn.spec.fields.includes("off")
      ? { ...insn, off: distance }
      : { ...insn, imm: distance };
  });
  return {
    ...program,
    insns: fixed,
    mapLoadIndex: program.mapLoadIndex,
    body: { start: body.start, end: body.end - 1 },
  };
}

/** The smallest variant of `program` (by greedy body deletion) for which `disagrees` stays true. */
export function minimizeProgram(
  program: GeneratedProgram,
  disagrees: (p: GeneratedProgram) => boolean,
): GeneratedProgram {
  let best = program;
  for (let changed = true; changed;) {
    changed = false;
    for (let i = best.body.end - 1; i >= best.body.start; i--) {
      const candidate = withoutInsn(best, i);
      if (disagrees(candidate)) {
        best = candidate;
        changed = true;
      }
    }
  }
  return best;
}
