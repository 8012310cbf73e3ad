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

/** What the walk needs of an instruction, as a small code. */
const OTHER = 0;
const JA = 1;
const JCOND = 2;
const CALL = 3;
const EXIT = 4;

function codeOf(i: Laid): number {
  const kind = i.spec.kind;
  return kind === "ja"
    ? JA
    : kind === "jcond"
      ? JCOND
      : kind === "call"
        ? CALL
        : kind === "exit"
          ? EXIT
          : OTHER;
}

const isJumpCode = (c: number): boolean => c === JA || c === JCOND;

/**
 * Jump targets (instruction indices) and prune points of a laid-out list, as typed arrays indexed by
 * instruction (`target` is -1 where there is none), with what a nop insertion needs to redo them.
 */
interface Flow {
  readonly codes: Uint8Array;
  readonly target: Int32Array;
  readonly prune: Uint8Array;
  /** Number of jumps and fall-throughs into each instruction. */
  readonly preds: Int32Array;
  /** First slot of each instruction, and the slot count at index `length` (lddw takes two). */
  readonly slotOf: Int32Array;
  /** 1 for a `ja` with a 32-bit offset (in `imm`, no 16-bit range to keep). */
  readonly wide: Uint8Array;
}

/** Prune points and predecessor counts from the instruction codes and jump targets. */
function flowOf(codes: Uint8Array, target: Int32Array, slotOf: Int32Array, wide: Uint8Array): Flow {
  const n = codes.length;
  const prune = new Uint8Array(n + 1);
  const preds = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const c = codes[k]!;
    const t = target[k]!;
    if (t >= 0) {
      prune[t] = 1;
      preds[t]! += 1;
    }
    if (c === JCOND) prune[k] = 1;
    if (c === CALL && k + 1 < n) prune[k + 1] = 1;
    if (c !== EXIT && c !== JA && k + 1 < n) preds[k + 1]! += 1;
  }
  return { codes, target, prune, preds, slotOf, wide };
}

function analyse(insts: readonly Laid[]): Flow {
  const n = insts.length;
  const codes = new Uint8Array(n);
  const wide = new Uint8Array(n);
  const slotOf = new Int32Array(n + 1);
  let s = 0;
  for (let k = 0; k < n; k++) {
    const i = insts[k]!;
    codes[k] = codeOf(i);
    wide[k] = i.spec.kind === "ja" && i.spec.width === 32 ? 1 : 0;
    slotOf[k] = s;
    s += i.spec.kind === "lddw" ? 2 : 1;
  }
  slotOf[n] = s;
  const indexOfSlot = new Int32Array(s + 1).fill(-1);
  for (let k = 0; k <= n; k++) indexOfSlot[slotOf[k]!] = k;
  const target = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    if (!isJumpCode(codes[k]!)) continue;
    const i = insts[k]!;
    const slot = slotOf[k]! + 1 + (wide[k] ? i.imm : i.off);
    target[k] = slot >= 0 && slot <= s ? indexOfSlot[slot]! : -1;
  }
  return flowOf(codes, target, slotOf, wide);
}

/**
 * The flow of the list with a `ja +0` inserted before instruction `at` (what `analyse` finds in
 * `insertNop`'s result), without building that list; undefined where `insertNop` fails (a 16-bit
 * offset out of range).
 */
function flowWithNop(flow: Flow, at: number): Flow | undefined {
  const n = flow.codes.length;
  const codes = new Uint8Array(n + 1);
  const wide = new Uint8Array(n + 1);
  const target = new Int32Array(n + 1);
  const slotOf = new Int32Array(n + 2);
  codes.set(flow.codes.subarray(0, at));
  codes[at] = JA;
  codes.set(flow.codes.subarray(at), at + 1);
  wide.set(flow.wide.subarray(0, at));
  wide.set(flow.wide.subarray(at), at + 1);
  slotOf.set(flow.slotOf.subarray(0, at + 1));
  for (let k = at; k <= n; k++) slotOf[k + 1] = flow.slotOf[k]! + 1;
  for (let k = 0; k <= n; k++) {
    if (k === at) {
      target[k] = at + 1;
      continue;
    }
    const t = flow.target[k < at ? k : k - 1]!;
    const moved = t < 0 ? -1 : t > at ? t + 1 : t;
    target[k] = moved;
    if (moved >= 0 && !wide[k]) {
      const off = slotOf[moved]! - (slotOf[k]! + 1);
      if (off < -32768 || off > 32767) return undefined;
    }
  }
  return flowOf(codes, target, slotOf, wide);
}

/** The model's result: processed instructions in all, and how each instruction is first reached. */
interface Walk {
  readonly processed: number;
  /** Instructions in the order the walk first reached them (with `record`). */
  readonly order: readonly number[];
  /** Per instruction, on its first arrival: instructions processed since the last recorded state
   * (this one included), jumps since then (this one not yet), and whether a state is recorded. */
  readonly insns: Int32Array;
  readonly jmps: Int32Array;
  readonly recorded: Uint8Array;
}

/**
 * The verifier's depth-first walk without values: both ways of every conditional jump are taken
 * (the fall-through first, the target pushed), and a path ends at an exit or at a prune point with a
 * recorded state (optimistically taken as equal). Undefined when the walk exceeds MAX_STEPS. Only
 * with `record` does it note the arrivals (`candidates` reads them).
 */
function walk(flow: Flow, record: boolean): Walk | undefined {
  const { codes, target, prune } = flow;
  const n = codes.length;
  const order: number[] = [];
  const insns = new Int32Array(record ? n : 0);
  const jmpsAt = new Int32Array(record ? n : 0);
  const arrived = new Uint8Array(record ? n : 0);
  const recordedAt = new Uint8Array(record ? n : 0);
  const recorded = new Uint8Array(n + 1);
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
    if (prune[k]) {
      if (recorded[k]) {
        k = pending.pop();
        continue;
      }
      here = jmps - lastJmps >= STATE_JMPS && processed - lastInsns >= STATE_INSNS;
    }
    if (record && !arrived[k]) {
      arrived[k] = 1;
      order.push(k);
      insns[k] = processed - lastInsns;
      jmpsAt[k] = jmps - lastJmps;
      recordedAt[k] = here ? 1 : 0;
    }
    if (here) {
      recorded[k] = 1;
      lastInsns = processed;
      lastJmps = jmps;
    }
    const c = codes[k]!;
    if (c !== OTHER) jmps++;
    if (c === JCOND && target[k]! >= 0) pending.push(target[k]!);
    const next = c === EXIT ? -1 : c === JA ? target[k]! : k + 1;
    k = next >= 0 && next < n ? next : pending.pop();
  }
  return { processed, order, insns, jmps: jmpsAt, recorded: recordedAt };
}

/** Whether some path of the flat list leads from instruction `from` to instruction `to`. */
function reaches(flow: Flow, from: number, to: number): boolean {
  const n = flow.codes.length;
  const seen = new Uint8Array(n);
  const work = [from];
  while (work.length > 0) {
    const k = work.pop()!;
    if (k === to) return true;
    if (k >= n || seen[k]) continue;
    seen[k] = 1;
    const c = flow.codes[k]!;
    if (flow.target[k]! >= 0) work.push(flow.target[k]!);
    if (c !== EXIT && c !== JA) work.push(k + 1);
  }
  return false;
}

/** Length of the straight-line run starting at `j` before the next prune point (or the end). */
function runLength(flow: Flow, j: number): number {
  let n = 0;
  for (let k = j; k < flow.codes.length; k++) {
    if (k > j && flow.prune[k]) break;
    n++;
    const c = flow.codes[k]!;
    if (c === EXIT || isJumpCode(c)) break;
  }
  return n;
}

/**
 * Candidate nop positions (indices to insert before), in walk order, each once: at each join first
 * reached with no state recorded, just before it on the run falling into it, and `k` instructions
 * into the straight-line run after it.
 */
function candidates(flow: Flow, w: Walk): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const add = (at: number): void => {
    if (!seen.has(at)) out.push(at);
    seen.add(at);
  };
  const { codes, target } = flow;
  for (const j of w.order) {
    if (w.recorded[j] || flow.preds[j]! < 2 || !flow.prune[j]) continue;
    // A loop header: the model's optimistic pruning is wrong there (a bounded loop's counter makes
    // every iteration's state differ), so a nop would only lengthen each iteration. A backward jump
    // into `j` from code that `j` cannot reach (a shared tail laid out before the unrolled
    // iterations that leave for it) closes no loop.
    let header = false;
    for (let from = j + 1; from < codes.length && !header; from++)
      header = target[from] === j && reaches(flow, j, from);
    if (header) continue;
    if (w.jmps[j]! + 1 < STATE_JMPS) continue;
    // Up to the join, on the way the first path came: a nop there shifts where the verifier records
    // its states on that path, so that one lands on the join itself and every later path is pruned at
    // the join's first instruction instead of somewhere down the run after it.
    for (let p = j - 1; p >= Math.max(0, j - 2 * STATE_INSNS); p--) add(p);
    const k = Math.max(0, STATE_INSNS - w.insns[j]! - 1);
    const run = runLength(flow, j);
    // The nop goes before the run's k-th instruction, which must not be a jump (it would end the run).
    if (k >= run || isJumpCode(codes[j + k]!) || codes[j + k] === EXIT) continue;
    add(j + k);
  }
  return out;
}

/** Inserts a `ja +0` before instruction `at`, keeping every jump on its target. */
function insertNop(insts: readonly MInst[], at: number, flow: Flow): MInst[] {
  const out: MInst[] = [];
  insts.forEach((i, k) => {
    if (k === at) out.push(minst("ja", { off: 0, span: i.span }));
    out.push(i);
  });
  const moved = flowWithNop(flow, at)!;
  return out.map((i, k) => {
    const t = k === at ? -1 : moved.target[k]!;
    if (t < 0) return i;
    const off = moved.slotOf[t]! - (moved.slotOf[k]! + 1);
    return moved.wide[k] ? { ...i, imm: off } : { ...i, off };
  });
}

/**
 * Returns `insts` with checkpoint nops where the verifier model says they save enough. Each
 * candidate is judged on its flow (`flowWithNop`); only the chosen one is built.
 */
export function insertCheckpointNops(insts: readonly MInst[]): readonly MInst[] {
  let cur = insts;
  let flow = analyse(cur);
  let best = walk(flow, true);
  for (let n = 0; n < MAX_NOPS && best; n++) {
    let chosen: { at: number; processed: number } | undefined;
    for (const at of candidates(flow, best)) {
      const f = flowWithNop(flow, at);
      const w = f && walk(f, false);
      if (w && w.processed + MIN_SAVING <= (chosen?.processed ?? best.processed))
        chosen = { at, processed: w.processed };
    }
    if (!chosen) break;
    cur = insertNop(cur, chosen.at, flow);
    flow = analyse(cur);
    best = walk(flow, true);
  }
  return cur;
}

/** The model's processed-instruction count for a laid-out list (undefined past MAX_STEPS). */
export function modelProcessed(insts: readonly Laid[]): number | undefined {
  return walk(analyse(insts), false)?.processed;
}
