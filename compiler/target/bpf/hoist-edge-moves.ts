/**
 * Select lowering after register allocation: a constant move on one arm of a branch is hoisted above
 * the branch, so that arm needs no block of its own (clang computes `c ? x : 0` the same way:
 * `r0 = 0; if !c goto out; r0 = x; out:`).
 *
 * Pattern: block P ends `jcond … goto A; ja E` (or with A and E swapped); E's only predecessor is P,
 * and E is `rX = imm; ja T` (one constant `mov`, then a jump). When rX is not read by P's jcond and
 * is dead on entry to A (so writing it early is invisible on that path), `rX = imm` moves to just
 * before the jcond, P's edge to E goes to T instead, and E is deleted. The code gets one instruction
 * shorter as soon as layout lets P fall through to A (E's `ja` and P's `ja` collapse into the branch).
 *
 * Consumes an allocated `MFunc` over physical registers (blocks end with `exit`, `ja`, or
 * `jcond; ja`: mir.ts); produces the same function with such edges rewritten. Liveness is
 * recomputed after every rewrite. A constant move writes no memory and cannot fault, so executing it
 * on the other path changes nothing but a dead register; the kernel verifier sees a scalar constant
 * in a register that path never reads.
 */
import { computeLiveness } from "./liveness.ts";
import { operandsOf, successors, type MBlock, type MFunc } from "./mir.ts";

/** Hoists constant moves out of single-predecessor arm blocks; returns the function and the count. */
export function hoistEdgeMoves(f0: MFunc): { func: MFunc; hoisted: number } {
  let f = f0;
  let hoisted = 0;
  for (let round = 0; round < 64; round++) {
    const next = hoistOne(f);
    if (!next) break;
    f = next;
    hoisted++;
  }
  return { func: f, hoisted };
}

function hoistOne(f: MFunc): MFunc | undefined {
  const preds = new Map<number, number[]>();
  for (const b of f.blocks)
    for (const s of successors(b)) preds.set(s, [...(preds.get(s) ?? []), b.id]);
  const byId = new Map(f.blocks.map((b) => [b.id, b]));
  const live = computeLiveness(f);
  for (const p of f.blocks) {
    const n = p.insts.length;
    const jcond = p.insts[n - 2];
    const ja = p.insts[n - 1];
    if (jcond?.spec.kind !== "jcond" || ja?.spec.kind !== "ja") continue;
    for (const [armId, otherId, isJcondArm] of [
      [ja.target!, jcond.target!, false],
      [jcond.target!, ja.target!, true],
    ] as const) {
      if (armId === otherId || armId === f.blocks[0]!.id) continue;
      const arm = byId.get(armId);
      if (!arm || (preds.get(armId) ?? []).length !== 1 || !isConstMoveThenJump(arm)) continue;
      const mov = arm.insts[0]!;
      const target = arm.insts[1]!.target!;
      if (operandsOf(jcond).uses.includes(mov.dst)) continue;
      if (live.liveIn.get(otherId)?.has(mov.dst)) continue;
      const insts = [
        ...p.insts.slice(0, n - 2),
        mov,
        isJcondArm ? { ...jcond, target } : jcond,
        isJcondArm ? ja : { ...ja, target },
      ];
      const blocks: MBlock[] = f.blocks
        .filter((b) => b.id !== armId)
        .map((b) => (b.id === p.id ? { id: b.id, insts } : b));
      return { ...f, blocks };
    }
  }
  return undefined;
}

/** `rX = imm; ja T`: one constant move (64- or 32-bit) and a jump. */
function isConstMoveThenJump(b: MBlock): boolean {
  if (b.insts.length !== 2) return false;
  const [m, j] = b.insts;
  return m!.spec.kind === "mov" && m!.spec.source === "imm" && j!.spec.kind === "ja";
}
