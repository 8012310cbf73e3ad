/**
 * Dead-store elimination on stack slots, byte by byte: a `store` or `memset` into a non-escaping
 * stack slot whose bytes are all overwritten (or the frame ends) before anything reads them is
 * removed; a `memset` only some of whose bytes are still read is shrunk to the live bytes when that
 * expands to fewer stores.
 *
 * Consumes a `Func`; produces one with those stores dropped or shrunk. The analysis is a backward
 * dataflow of "live bytes" per non-escaping slot (a bitmask per slot, at most 512 bits) over the CFG:
 * - a load, an atomic, a memcpy source, or any helper/local call the slot's address is passed to
 *   reads bytes (calls: conservatively the whole slot, since the size read is not in the IR);
 * - a store, memset or memcpy destination writes its bytes, and so does a helper in
 *   core/kernel `helperFullWrite` (helper-overrides.ts) for the constant size it is given: those helpers fill
 *   their whole output buffer even when they fail, because the kernel verifier treats it as
 *   initialised afterwards (ARG_PTR_TO_UNINIT_MEM, kernel Documentation/bpf/verifier.rst);
 * - nothing is live at `ret`: the frame ends.
 * Escaping slots (memory-model.ts) are left alone: any pointer might read them.
 *
 * Worked example (profile): `memset key, 0, 28` then stores to bytes 0–12 and
 * `get_current_comm(key + 12, 16)` before the key is read: every byte the memset wrote is written
 * again first, so the memset (seven `st` instructions) disappears.
 */
import { successorsOf } from "../ir/builder.ts";
import type { BlockId, Func, Inst, InstData, InstId, Value, ValueId } from "../ir/types.ts";
import { helperFullWrite } from "../../core/kernel/index.ts";
import { buildMemoryModel, type MemoryModel } from "./memory-model.ts";
import { constValue, rewriteFunc, type PassResult } from "./rewrite.ts";

/** Live bytes per slot index (bit k = byte k of the slot). */
type Live = Map<number, bigint>;

const rangeMask = (from: number, to: number): bigint =>
  to <= from ? 0n : ((1n << BigInt(to - from)) - 1n) << BigInt(from);

/** Number of stores the back end expands a fill of `size` bytes at alignment `align` into. */
export function fillCost(size: number, align: number): number {
  let n = 0;
  for (let done = 0; done < size; n++) {
    let chunk = 8;
    while (chunk > align || chunk > size - done || done % chunk !== 0) chunk /= 2;
    done += chunk;
  }
  return n;
}

/** Removes or shrinks stores to stack bytes nobody reads afterwards. */
export function eliminateDeadStores(f: Func): PassResult {
  const mm = buildMemoryModel(f);
  const tracked = (slot: number | undefined): slot is number =>
    slot !== undefined && !mm.escaped.has(slot);
  const slotSize = (s: number) => f.stackSlots[s]!.size;
  // Each instruction's effect, computed once: the fixed point below visits blocks many times.
  const effects: Effect[] = [];
  const effect = (id: InstId): Effect =>
    (effects[id] ??= accessEffect(f, mm, f.insts[id]!.data, tracked, slotSize));

  // Backward dataflow to a fixed point: live-in of each block from its successors' live-in.
  const succ = new Map<BlockId, BlockId[]>();
  for (const { block, insts } of f.layout)
    succ.set(
      block,
      successorsOf(f.insts[insts[insts.length - 1]!]!.data).map((c) => c.block),
    );
  const liveIn = new Map<BlockId, Live>();
  const transfer = (insts: readonly InstId[], out: Live): Live => {
    const live = new Map(out);
    for (let k = insts.length - 1; k >= 0; k--) step(live, effect(insts[k]!));
    return live;
  };
  const outOf = (block: BlockId): Live => {
    const out: Live = new Map();
    for (const s of succ.get(block) ?? [])
      for (const [slot, m] of liveIn.get(s) ?? []) out.set(slot, (out.get(slot) ?? 0n) | m);
    return out;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = f.layout.length - 1; k >= 0; k--) {
      const { block, insts } = f.layout[k]!;
      const next = transfer(insts, outOf(block));
      if (!sameLive(next, liveIn.get(block))) {
        liveIn.set(block, next);
        changed = true;
      }
    }
  }

  // Rewrite: walk each block backwards with the live bytes after every instruction.
  const drop = new Set<InstId>();
  const values: Value[] = [...f.values];
  const newInsts: Inst[] = [];
  const change = new Map<InstId, InstData>();
  const blockInsts = new Map<BlockId, InstId[]>();
  for (const { block, insts } of f.layout) {
    const live = outOf(block);
    const before = new Map<InstId, InstId[]>();
    for (let k = insts.length - 1; k >= 0; k--) {
      const id = insts[k]!;
      const d = f.insts[id]!.data;
      const e = effect(id);
      if ((d.op === "store" || d.op === "memset") && e.writes.length === 1) {
        const w = e.writes[0]!;
        const liveBytes = (live.get(w.slot) ?? 0n) & rangeMask(w.from, w.to);
        if (liveBytes === 0n) {
          drop.add(id);
          continue; // a dropped store changes nothing
        }
        if (d.op === "memset") {
          const shrunk = shrinkMemset(d, w.from, liveBytes);
          if (shrunk) {
            const at = f.insts[id]!.span;
            const c = values.length as ValueId;
            const p = (values.length + 1) as ValueId;
            const cInst = (f.insts.length + newInsts.length) as InstId;
            values.push({ type: "i64", def: { kind: "inst", inst: cInst } });
            values.push({ type: "ptr", def: { kind: "inst", inst: (cInst + 1) as InstId } });
            newInsts.push({
              data: { op: "const", type: "i64", value: BigInt(shrunk.skip) },
              result: c,
              span: at,
            });
            newInsts.push({
              data: { op: "ptradd", base: d.dst, offset: c },
              result: p,
              span: at,
            });
            change.set(id, { ...d, dst: p, size: shrunk.size, align: shrunk.align });
            before.set(id, [cInst, (cInst + 1) as InstId]);
          }
        }
      }
      step(live, e);
    }
    if (before.size > 0)
      blockInsts.set(
        block,
        insts.flatMap((id) => [...(before.get(id) ?? []), id]),
      );
  }
  if (drop.size === 0 && change.size === 0) return { func: f, changed: false };
  return {
    func: rewriteFunc(
      { ...f, values },
      { dropInsts: drop, changeInsts: change, newInsts, blockInsts },
    ),
    changed: true,
  };
}

/** What one instruction does to tracked slot bytes. */
interface Effect {
  readonly reads: readonly { slot: number; from: number; to: number }[];
  readonly writes: readonly { slot: number; from: number; to: number }[];
}

function accessEffect(
  f: Func,
  mm: MemoryModel,
  d: InstData,
  tracked: (s: number | undefined) => s is number,
  slotSize: (s: number) => number,
): Effect {
  const reads: { slot: number; from: number; to: number }[] = [];
  const writes: { slot: number; from: number; to: number }[] = [];
  const at = (base: ValueId, off: number, size: number, into: typeof reads) => {
    const s = mm.slotOf(base);
    if (s && tracked(s.slot)) {
      const from = Math.max(0, s.off + off);
      const to = Math.min(slotSize(s.slot), s.off + off + size);
      if (from < to) into.push({ slot: s.slot, from, to });
    }
  };
  switch (d.op) {
    case "load":
      at(d.base, d.offset, d.size, reads);
      break;
    case "store":
      at(d.base, d.offset, d.size, writes);
      break;
    case "atomic":
    case "cmpxchg":
      at(d.base, d.offset, d.size, reads);
      break;
    case "memset":
      at(d.dst, 0, d.size, writes);
      break;
    case "memcpy":
      at(d.dst, 0, d.size, writes);
      at(d.src, 0, d.size, reads);
      break;
    case "callhelper":
    case "call": {
      const full = d.op === "callhelper" ? helperFullWrite(d.helper) : undefined;
      d.args.forEach((a, k) => {
        const s = mm.slotOf(a);
        if (!s || !tracked(s.slot)) return;
        const size = full && full.buffer === k ? constValue(f, d.args[full.size]!) : undefined;
        if (size !== undefined && size > 0n && size <= 512n) at(a, 0, Number(size), writes);
        else reads.push({ slot: s.slot, from: 0, to: slotSize(s.slot) });
      });
      break;
    }
    default:
      break;
  }
  return { reads, writes };
}

/** live := reads ∪ (live − writes), i.e. the live bytes before the instruction. */
function step(live: Live, e: Effect): void {
  for (const w of e.writes) live.set(w.slot, (live.get(w.slot) ?? 0n) & ~rangeMask(w.from, w.to));
  for (const r of e.reads) live.set(r.slot, (live.get(r.slot) ?? 0n) | rangeMask(r.from, r.to));
}

function sameLive(a: Live, b: Live | undefined): boolean {
  if (!b) return false;
  const keys = new Set([...a.keys(), ...b.keys()]);
  for (const k of keys) if ((a.get(k) ?? 0n) !== (b.get(k) ?? 0n)) return false;
  return true;
}

/**
 * The smallest fill covering the live bytes of a memset (bytes `from`.. of its slot), when it
 * expands to fewer stores than the original: `skip` bytes from its start, `size` bytes long.
 */
function shrinkMemset(
  d: InstData & { op: "memset" },
  from: number,
  liveBytes: bigint,
): { skip: number; size: number; align: number } | undefined {
  let lo = -1;
  let hi = -1;
  for (let k = 0; k < d.size; k++) {
    if ((liveBytes >> BigInt(from + k)) & 1n) {
      if (lo < 0) lo = k;
      hi = k + 1;
    }
  }
  if (lo < 0) return undefined;
  // Keep whole aligned chunks: start at the largest alignment boundary at or below `lo`.
  let align = d.align;
  let skip = lo;
  while (align > 1 && skip % align !== 0) align /= 2;
  const size = hi - skip;
  if (size >= d.size) return undefined;
  const widest = fillCost(size, align);
  // Rounding the start down to the memset's alignment can only help the expansion.
  const down = lo - (lo % d.align);
  const alt = fillCost(hi - down, d.align);
  const best =
    alt <= widest
      ? { skip: down, size: hi - down, align: d.align }
      : { skip, size, align: Math.max(1, align) };
  return fillCost(best.size, best.align) < fillCost(d.size, d.align) ? best : undefined;
}
