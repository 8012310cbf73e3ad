/**
 * Stack-slot sharing by lifetime (stack colouring, as LLVM's StackColoring does for clang): two
 * temporaries whose contents are never live at the same time use one slot. The front end gives
 * every `bpf_probe_read_kernel` of a field chain (`task.mm.exe_file.f_path.dentry`) its own 8-byte
 * slot; clang reuses one. Shared, the frame is smaller and one address serves every call, so the
 * back end can hold it in a register (isel-deferral.ts `HELD_SLOT_CALLS`): core-exepath's six
 * probe reads each pass `r1 = r6` instead of `r1 = r10; r1 += -8`.
 *
 * A slot takes part when it is a private temporary of one block:
 * - its address (`stackslot` values, used directly) is only a load or store base or a helper
 *   argument (a helper uses the pointer only during the call), never stored, offset, compared,
 *   passed to a local function or through a block parameter;
 * - all those uses are in one block, and the first of them is a helper that always fills the slot
 *   for the constant size given (core/kernel `helperFullWrite`: a failed probe read zero-fills it).
 *   Slots a store fills first (map keys) are left alone: sharing those saves no instruction, and
 *   measured on the examples it cost the kernel verifier 1–2 more processed instructions in
 *   connect4-policy, tc-marker and tcp-reno (its states at the joins no longer matched).
 * Then the slot's contents are dead outside the span from its first use to its last: nothing reads
 * them before the full write (in a loop, each pass writes them anew) or outside its block. Two
 * slots of the same size conflict only when their spans in one block overlap; each slot goes to the
 * first earlier slot of its size (and at least its alignment) it does not conflict with.
 *
 * Consumes a `Func`; produces one whose shared slots' address instructions name the kept slot (CSE
 * then merges them; the unused slot stays in `stackSlots`, skipped by frame layout). Runs once,
 * after the other passes have reached their fixed point (pipeline.ts `LATE_PASSES`): the content-
 * and output-forwarding passes match private slots with a single use, which sharing would merge.
 */
import { helperFullWrite } from "../../core/kernel/index.ts";
import { operandsOf } from "../ir/builder.ts";
import type { BlockId, Func, InstData, InstId, ValueId } from "../ir/types.ts";
import { constValue, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Where a private slot is used: its block and the span of instruction positions. */
interface Lifetime {
  readonly slot: number;
  readonly block: BlockId;
  readonly first: number;
  readonly last: number;
}

/** Shares stack slots whose contents are never live at the same time. */
export function shareStackSlots(f: Func): PassResult {
  const lifetimes = privateLifetimes(f);
  if (lifetimes.length < 2) return { func: f, changed: false };
  const kept: { slot: number; spans: Lifetime[] }[] = [];
  const target = new Map<number, number>();
  for (const t of lifetimes) {
    const size = f.stackSlots[t.slot]!.size;
    const align = f.stackSlots[t.slot]!.align;
    const home = kept.find(
      (k) =>
        f.stackSlots[k.slot]!.size === size &&
        f.stackSlots[k.slot]!.align >= align &&
        k.spans.every((s) => s.block !== t.block || s.last < t.first || t.last < s.first),
    );
    if (home) {
      home.spans.push(t);
      target.set(t.slot, home.slot);
    } else kept.push({ slot: t.slot, spans: [t] });
  }
  if (target.size === 0) return { func: f, changed: false };
  const change = new Map<InstId, InstData>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      if (d.op === "stackslot" && target.has(d.slot)) {
        change.set(id, { op: "stackslot", slot: target.get(d.slot)! });
      }
    }
  }
  return { func: rewriteFunc(f, { changeInsts: change }), changed: true };
}

/** The private temporaries of `f` (see the header), in order of their first use. */
function privateLifetimes(f: Func): Lifetime[] {
  const slotOfValue = new Map<ValueId, number>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      if (inst.data.op === "stackslot" && inst.result !== null)
        slotOfValue.set(inst.result, inst.data.slot);
    }
  }
  const uses = new Map<number, { block: BlockId; at: number; fullWrite: boolean }[]>();
  const rejected = new Set<number>();
  // Positions count instructions in layout order across the whole function.
  let at = 0;
  for (const { block, insts } of f.layout) {
    for (const id of insts) {
      const d = f.insts[id]!.data;
      operandsOf(d).forEach((v, k) => {
        const slot = slotOfValue.get(v);
        if (slot === undefined) return;
        const use = classify(f, d, v, k, f.stackSlots[slot]!.size);
        if (use === null) rejected.add(slot);
        else {
          const list = uses.get(slot) ?? [];
          list.push({ block, at, fullWrite: use === "full" });
          uses.set(slot, list);
        }
      });
      at++;
    }
  }
  const out: Lifetime[] = [];
  for (const [slot, list] of uses) {
    if (rejected.has(slot)) continue;
    const block = list[0]!.block;
    if (list.some((u) => u.block !== block)) continue;
    const first = list.reduce((a, b) => (b.at < a.at ? b : a));
    if (!first.fullWrite || list.some((u) => u !== first && u.at === first.at)) continue;
    out.push({ slot, block, first: first.at, last: Math.max(...list.map((u) => u.at)) });
  }
  return out.sort((a, b) => a.first - b.first);
}

/**
 * How instruction `d` uses slot address `v` as its operand `k`: "full" (writes all `size` bytes),
 * "use" (any other access), or null (the address escapes: the slot cannot be shared).
 */
function classify(
  f: Func,
  d: InstData,
  v: ValueId,
  k: number,
  size: number,
): "full" | "use" | null {
  switch (d.op) {
    case "load":
      return "use";
    case "store":
      return d.value === v ? null : "use";
    case "callhelper": {
      const w = helperFullWrite(d.helper);
      const full =
        w?.buffer === k &&
        d.args.indexOf(v) === k &&
        constValue(f, d.args[w.size]!) === BigInt(size);
      return full ? "full" : "use";
    }
    default:
      return null;
  }
}
