/**
 * Loop rotation after register allocation: a loop whose header is only its exit test (`if i s>= 32
 * goto out; ja body`) gets that test copied into its latch, so each iteration ends with one
 * conditional jump back into the body instead of a `ja` to the header and the header's test; the
 * entry's way into the header is decided statically when the entry block sets the tested register
 * to a constant (`i = 0`), and the header, left without predecessors, is deleted.
 *
 * Worked example (fnvhash, `for (let i = 0; i < 32; i++) { c = path[i]; if (c == 0) break; ... }`):
 *
 *     entry: r1 = 0; ...; ja H        entry: r1 = 0; ...; ja B
 *     H: if r1 s>= 32 goto X; ja B     B: ...; if w3 == 0 goto X; ja C
 *     B: ...; if w3 == 0 goto X; ja C  C: ...; r1 += 1; if r1 s>= 32 goto X; ja B
 *     C: ...; r1 += 1; ja H
 *
 * One instruction less, and the kernel verifier, which walks every iteration of a bounded loop,
 * processes one instruction less per iteration (clang's loops have this do-while shape).
 *
 * Applied only when every predecessor of the header other than its latches is decided statically, so
 * the header disappears and the code never grows. Correct on its own terms: a latch's `ja H` and a
 * copy of H's `jcond; ja` go to the same places with the same registers, and a statically decided
 * predecessor jumps where H's test would have sent it.
 *
 * Consumes an allocated `MFunc` (physical registers; blocks end with `exit`, `ja`, or `jcond; ja`:
 * mir.ts); produces the same function with such loops rotated.
 */
import { evalCond } from "../../ir/evaluate.ts";
import type { Cond } from "../../ir/types.ts";
import { COND_PATTERNS } from "./isel-tables.ts";
import { operandsOf, successors, type MBlock, type MFunc, type MInst } from "./mir.ts";
import { latchBlocks } from "./order-blocks.ts";

/** BPF conditional-jump operation → the IR condition it tests. */
const COND_OF_OP = new Map<string, Cond>(
  Object.entries(COND_PATTERNS).map(([cond, p]) => [p.op, cond as Cond]),
);

/** Returns `f` with test-only loop headers rotated into their latches. */
export function rotateLoops(f: MFunc): MFunc {
  let cur = f;
  for (let round = 0; round < 16; round++) {
    const next = rotateOne(cur);
    if (!next) break;
    cur = next;
  }
  return cur;
}

function isTestOnly(b: MBlock): boolean {
  return (
    b.insts.length === 2 && b.insts[0]!.spec.kind === "jcond" && b.insts[1]!.spec.kind === "ja"
  );
}

function rotateOne(f: MFunc): MFunc | undefined {
  const entry = f.blocks[0];
  if (!entry) return undefined;
  const latches = latchBlocks(f);
  for (const h of f.blocks) {
    if (h === entry || !isTestOnly(h)) continue;
    const preds = f.blocks.filter((b) => successors(b).includes(h.id));
    const mine = preds.filter((b) => latches.has(b.id) && lastJa(b) === h.id);
    if (mine.length === 0) continue;
    const decided = new Map<number, number>();
    for (const p of preds) {
      if (mine.includes(p)) continue;
      const to = lastJa(p) === h.id ? decide(p, h) : undefined;
      if (to === undefined) break;
      decided.set(p.id, to);
    }
    if (decided.size + mine.length !== preds.length) continue;
    const [test, ja] = h.insts as [MInst, MInst];
    const blocks = f.blocks
      .filter((b) => b !== h)
      .map((b) => {
        if (mine.includes(b)) return { ...b, insts: [...b.insts.slice(0, -1), test, ja] };
        const to = decided.get(b.id);
        if (to === undefined) return b;
        const last = b.insts[b.insts.length - 1]!;
        return { ...b, insts: [...b.insts.slice(0, -1), { ...last, target: to }] };
      });
    return { ...f, blocks };
  }
  return undefined;
}

/** The target of a block's final `ja`, when it has no other successor. */
function lastJa(b: MBlock): number | undefined {
  const last = b.insts[b.insts.length - 1];
  const prev = b.insts[b.insts.length - 2];
  if (last?.spec.kind !== "ja" || prev?.spec.kind === "jcond") return undefined;
  return last.target;
}

/**
 * Where `h`'s test sends a predecessor that sets the tested register to a constant as its last
 * write of it (a register-vs-immediate test), or undefined when that is not known.
 */
function decide(p: MBlock, h: MBlock): number | undefined {
  const [test, ja] = h.insts as [MInst, MInst];
  const cond = COND_OF_OP.get(test.spec.op);
  if (cond === undefined || test.spec.source !== "imm") return undefined;
  let value: bigint | undefined;
  for (let k = p.insts.length - 2; k >= 0; k--) {
    const i = p.insts[k]!;
    const ops = operandsOf(i);
    if (!ops.defs.includes(test.dst) && !ops.clobbers.includes(test.dst)) continue;
    if (i.spec.kind === "mov" && i.spec.source === "imm") {
      value = i.spec.width === 32 ? BigInt(i.imm >>> 0) : BigInt(i.imm);
    }
    break;
  }
  if (value === undefined) return undefined;
  const bits = test.spec.width;
  const taken = evalCond(cond, bits, value, BigInt(test.imm));
  return taken ? test.target : ja.target;
}
