/**
 * Checkpoint nops: a `ja +0` placed where the kernel verifier would otherwise record no state at a
 * join, so that every later path into the join is pruned there instead of walking the code after it
 * again.
 *
 * The verifier (kernel/bpf/verifier.c, `do_check` / `is_state_visited`) compares the current state with
 * recorded ones only at prune points — jump targets, conditional jumps, and the instruction after a
 * call — and records a new state at a prune point only when at least 2 jumps (calls included) and
 * at least 8 instructions were processed since it recorded the previous one. A join reached right
 * after a test chain (`if p == 0 || p == 43 || p == 60` continues a loop, anything else leaves it) is
 * too close to the chain's last recorded state: nothing is recorded at the join, and every exit path
 * walks the whole straight-line code after it up to its next prune point. Worked example (v6ext,
 * 4 unrolled iterations, each leaving to one shared hash-and-count tail of 34 instructions before
 * its map call): the first exit reaches the tail 7 instructions after the last state, so the tail is
 * walked by all 5 exits (270 processed insns); with a `ja +0` as the tail's first instruction the
 * first exit records a state after it (8 instructions) and the other 4 are pruned there.
 *
 * The model follows the verifier's first path: from instruction 0, conditional jumps fall through
 * (do_check explores the fall-through first), `ja` is followed, and the bookkeeping above decides
 * where states are recorded. At the first join on that path where no state would be recorded and a
 * long enough run of straight-line code follows, a nop goes `k` instructions into the run with the
 * smallest `k` that makes the instruction after the nop record one; the walk is then redone. A nop
 * costs one instruction of size; the kernel removes `ja +0` after verification (`opt_remove_nops`), so
 * it costs nothing at run time. A local call (`call pc+N`) is walked like a helper call: the
 * verifier walks the callee there, which the model does not see, so it counts the call as one
 * instruction and one jump, and the instruction after it as a prune point as the kernel marks it
 * (visit_func_call_insn). The counts since the last state are approximate after a call (the callee
 * adds instructions and jumps, and may record states of its own); a nop is still kept only where the
 * modelled saving is at least MIN_SAVING. (xdp-nat: the join after `if (sum == 0) sum = 0xffff`,
 * between calls of `verdict`, would otherwise be walked again by the second path.)
 *
 * Consumes the flat, laid-out instruction list of layout.ts (jump offsets in slots, final); produces
 * a list with nops inserted and every offset adjusted, or the same list.
 */
import { minst, type MInst } from "./mir.ts";

/** What the model reads of an instruction (an `MInst`, or a decoded `Insn` of an object). */
type Laid = Pick<MInst, "spec" | "off" | "imm">;

/** The verifier's thresholds for recording a state (instructions and jumps since the last one). */
const STATE_INSNS = 8;
const STATE_JMPS = 2;
/** Processed instructions (in the model) a nop must save to be worth its slot. */
const MIN_SAVING = 8;
/** Most nops per function. */
const MAX_NOPS = 8;
/** Most steps of the first-path walk (it stops at the first exit or recorded state anyway). */
const MAX_STEPS = 100_000;

/** How the verifier's first path arrives at an instruction. */
interface Arrival {
  /** Instructions processed since the last recorded state, this one included. */
  readonly insns: number;
  /** Jumps processed since the last recorded state (this instruction not yet). */
  readonly jmps: number;
  /** Whether a state is recorded here. */
  readonly recorded: boolean;
}

/** Jump targets (instruction indices) and prune points of a laid-out list. */
interface Flow {
  readonly target: readonly (number | undefined)[];
  readonly prune: ReadonlySet<number>;
  /** Number of jumps and fall-throughs into each instruction. */
  readonly preds: readonly number[];
}

function isJump(i: Laid): boolean {
  return i.spec.kind === "ja" || i.spec.kind === "jcond";
}

function analyse(insts: readonly Laid[]): Flow {
  const slotOf: number[] = [];
  const indexOfSlot = new Map<number, number>();
  let s = 0;
  insts.forEach((i, k) => {
    slotOf.push(s);
    indexOfSlot.set(s, k);
    s += i.spec.kind === "lddw" ? 2 : 1;
  });
  indexOfSlot.set(s, insts.length);
  const target: (number | undefined)[] = [];
  const prune = new Set<number>();
  const preds = insts.map(() => 0);
  insts.forEach((i, k) => {
    let t: number | undefined;
    if (isJump(i)) {
      const off = i.spec.kind === "ja" && i.spec.width === 32 ? i.imm : i.off;
      t = indexOfSlot.get(slotOf[k]! + 1 + off);
      if (t !== undefined) {
        prune.add(t);
        preds[t] = (preds[t] ?? 0) + 1;
      }
    }
    if (i.spec.kind === "jcond") prune.add(k);
    if (i.spec.kind === "call" && k + 1 < insts.length) prune.add(k + 1);
    const falls = i.spec.kind !== "exit" && i.spec.kind !== "ja";
    if (falls && k + 1 < insts.length) preds[k + 1] = (preds[k + 1] ?? 0) + 1;
    target.push(t);
  });
  return { target, prune, preds };
}

/** The model's result: processed instructions in all, and how each instruction is first reached. */
interface Walk {
  readonly processed: number;
  /** First arrival per instruction, in the order the walk reached them. */
  readonly arrivals: ReadonlyMap<number, Arrival>;
}

/**
 * The verifier's depth-first walk without values: both ways of every conditional jump are taken
 * (the fall-through first, the target pushed), and a path ends at an exit or at a prune point with a
 * recorded state (optimistically taken as equal). Undefined when the walk exceeds MAX_STEPS.
 */
function walk(insts: readonly Laid[], flow: Flow): Walk | undefined {
  const arrivals = new Map<number, Arrival>();
  const recorded = new Set<number>();
  const pending: number[] = [];
  let processed = 0;
  let jmps = 0;
  let lastInsns = 0;
  let lastJmps = 0;
  let k: number | undefined = 0;
  while (k !== undefined) {
    if (processed >= MAX_STEPS) return undefined;
    processed++;
    let here = false;
    if (flow.prune.has(k)) {
      if (recorded.has(k)) {
        k = pending.pop();
        continue;
      }
      here = jmps - lastJmps >= STATE_JMPS && processed - lastInsns >= STATE_INSNS;
    }
    if (!arrivals.has(k))
      arrivals.set(k, { insns: processed - lastInsns, jmps: jmps - lastJmps, recorded: here });
    if (here) {
      recorded.add(k);
      lastInsns = processed;
      lastJmps = jmps;
    }
    const i = insts[k]!;
    if (isJump(i) || i.spec.kind === "call" || i.spec.kind === "exit") jmps++;
    if (i.spec.kind === "jcond" && flow.target[k] !== undefined) pending.push(flow.target[k]!);
    const next: number | undefined =
      i.spec.kind === "exit" ? undefined : i.spec.kind === "ja" ? flow.target[k] : k + 1;
    k = next !== undefined && next < insts.length ? next : pending.pop();
  }
  return { processed, arrivals };
}

/** Whether some path of the flat list leads from instruction `from` to instruction `to`. */
function reaches(insts: readonly Laid[], flow: Flow, from: number, to: number): boolean {
  const seen = new Set<number>();
  const work = [from];
  while (work.length > 0) {
    const k = work.pop()!;
    if (k === to) return true;
    if (seen.has(k) || k >= insts.length) continue;
    seen.add(k);
    const kind = insts[k]!.spec.kind;
    if (flow.target[k] !== undefined) work.push(flow.target[k]!);
    if (kind !== "exit" && kind !== "ja") work.push(k + 1);
  }
  return false;
}

/** Length of the straight-line run starting at `j` before the next prune point (or the end). */
function runLength(insts: readonly MInst[], flow: Flow, j: number): number {
  let n = 0;
  for (let k = j; k < insts.length; k++) {
    if (k > j && flow.prune.has(k)) break;
    n++;
    const kind = insts[k]!.spec.kind;
    if (kind === "exit" || isJump(insts[k]!)) break;
  }
  return n;
}

/**
 * Candidate nop positions (indices to insert before), in walk order: at each join first reached
 * with no state recorded, just before it on the run falling into it, and `k` instructions into the
 * straight-line run after it.
 */
function candidates(insts: readonly MInst[], flow: Flow, w: Walk): number[] {
  const out: number[] = [];
  for (const [j, a] of w.arrivals) {
    if (a.recorded || (flow.preds[j] ?? 0) < 2 || !flow.prune.has(j)) continue;
    // A loop header: the model's optimistic pruning is wrong there (a bounded loop's counter makes
    // every iteration's state differ), so a nop would only lengthen each iteration. A backward jump
    // into `j` from code that `j` cannot reach (a shared tail laid out before the unrolled
    // iterations that leave for it) closes no loop.
    if (flow.target.some((t, from) => t === j && from > j && reaches(insts, flow, j, from)))
      continue;
    if (a.jmps + 1 < STATE_JMPS) continue;
    // Up to the join, on the way the first path came: a nop there shifts where the verifier records
    // its states on that path, so that one lands on the join itself and every later path is pruned at
    // the join's first instruction instead of somewhere down the run after it.
    for (let p = j - 1; p >= Math.max(0, j - 2 * STATE_INSNS); p--) out.push(p);
    const k = Math.max(0, STATE_INSNS - a.insns - 1);
    const run = runLength(insts, flow, j);
    // The nop goes before the run's k-th instruction, which must not be a jump (it would end the run).
    if (k >= run || isJump(insts[j + k]!) || insts[j + k]!.spec.kind === "exit") continue;
    out.push(j + k);
  }
  return out;
}

/** Inserts a `ja +0` before instruction `at`, keeping every jump on its target. */
function insertNop(insts: readonly MInst[], at: number, flow: Flow): MInst[] | undefined {
  const out: MInst[] = [];
  const newIndex = (t: number) => (t > at ? t + 1 : t);
  insts.forEach((i, k) => {
    if (k === at) out.push(minst("ja", { off: 0, span: i.span }));
    out.push(i);
  });
  // Recompute offsets from instruction indices (slots: lddw counts twice).
  const slotOf: number[] = [];
  let s = 0;
  for (const i of out) {
    slotOf.push(s);
    s += i.spec.kind === "lddw" ? 2 : 1;
  }
  slotOf.push(s);
  const fixed: MInst[] = [];
  let bad = false;
  out.forEach((i, k) => {
    const old = k === at ? undefined : k < at ? k : k - 1;
    const t = old === undefined ? undefined : flow.target[old];
    if (t === undefined) {
      fixed.push(i);
      return;
    }
    const off = slotOf[newIndex(t)]! - (slotOf[k]! + 1);
    if (i.spec.kind === "ja" && i.spec.width === 32) fixed.push({ ...i, imm: off });
    else {
      if (off < -32768 || off > 32767) bad = true;
      fixed.push({ ...i, off });
    }
  });
  return bad ? undefined : fixed;
}

/** Returns `insts` with checkpoint nops where the verifier model says they save enough. */
export function insertCheckpointNops(insts: readonly MInst[]): readonly MInst[] {
  let cur = insts;
  let flow = analyse(cur);
  let best = walk(cur, flow);
  for (let n = 0; n < MAX_NOPS && best; n++) {
    let chosen: { insts: MInst[]; flow: Flow; walk: Walk } | undefined;
    for (const at of candidates(cur, flow, best)) {
      const next = insertNop(cur, at, flow);
      if (!next) continue;
      const f = analyse(next);
      const w = walk(next, f);
      if (w && w.processed + MIN_SAVING <= (chosen?.walk ?? best).processed)
        chosen = { insts: next, flow: f, walk: w };
    }
    if (!chosen) break;
    ({ insts: cur, flow, walk: best } = chosen);
  }
  return cur;
}

/** The model's processed-instruction count for a laid-out list (undefined past MAX_STEPS). */
export function modelProcessed(insts: readonly Laid[]): number | undefined {
  return walk(insts, analyse(insts))?.processed;
}
