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
import {
  ALLOCATABLE,
  mapRegs,
  operandsOf,
  successors,
  type MBlock,
  type MFunc,
  type MInst,
} from "./mir.ts";

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
      if (live.liveIn.get(otherId)?.has(mov.dst)) continue;
      let body = p.insts.slice(0, n - 2);
      let test = jcond;
      if (operandsOf(jcond).uses.includes(mov.dst)) {
        // The branch tests the register the move writes: give the tested value another register.
        const renamed = renameTested(body, jcond, mov.dst, [
          live.liveIn.get(otherId),
          live.liveIn.get(target),
        ]);
        if (!renamed) continue;
        ({ body, test } = renamed);
      }
      const insts = [
        ...body,
        mov,
        isJcondArm ? { ...test, target } : test,
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

/**
 * `rX = load …; if rX … goto` where the move to hoist also writes rX: the loaded value moves to a
 * register rY that nothing in the block from the load on mentions and that neither successor
 * reads, so the move can be hoisted above the branch (clang's unrolled byte scans:
 * `w1 = k; r2 = *(u8 *)(r10 - n); if w2 == 0 goto out`). Only a definition that does not read rX
 * itself is renamed (a load or a move: its destination is written, not read).
 */
function renameTested(
  body: MInst[],
  jcond: MInst,
  rx: number,
  liveOut: readonly (ReadonlySet<number> | undefined)[],
): { body: MInst[]; test: MInst } | undefined {
  let d = body.length - 1;
  while (d >= 0 && !operandsOf(body[d]!).defs.includes(rx)) {
    if (operandsOf(body[d]!).uses.includes(rx)) return undefined;
    d--;
  }
  if (d < 0) return undefined;
  const def = body[d]!;
  const ops = operandsOf(def);
  if (ops.clobbers.length > 0 || def.edit || (def.spec.kind !== "ldx" && def.spec.kind !== "mov"))
    return undefined;
  if (def.dst !== rx) return undefined;
  const mentioned = new Set<number>();
  for (const i of [...body.slice(d), jcond]) {
    const o = operandsOf(i);
    for (const r of [...o.uses, ...o.defs, ...o.clobbers]) mentioned.add(r);
  }
  for (let ry = 0; ry < ALLOCATABLE; ry++) {
    if (ry === rx || mentioned.has(ry) || liveOut.some((l) => l?.has(ry))) continue;
    const renamedDef = mapRegs(def, (r, role) => (role === "dst" && r === rx ? ry : r));
    const test = mapRegs(jcond, (r) => (r === rx ? ry : r));
    return { body: [...body.slice(0, d), renamedDef, ...body.slice(d + 1)], test };
  }
  return undefined;
}

/** `rX = imm; ja T`: one constant move (64- or 32-bit) and a jump. */
function isConstMoveThenJump(b: MBlock): boolean {
  if (b.insts.length !== 2) return false;
  const [m, j] = b.insts;
  return m!.spec.kind === "mov" && m!.spec.source === "imm" && j!.spec.kind === "ja";
}
