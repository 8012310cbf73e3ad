/**
 * Register allocation by graph colouring (Chaitin–Briggs with optimistic colouring and biased
 * selection for copy coalescing), iterated with spill-everywhere rewriting. Two-address copies are
 * coalesced conservatively before colouring (coalesce.ts); their members take the representative's
 * colour.
 *
 * Consumes an `MFunc` over virtual registers (plus the physical registers isel pinned: r1–r5 for call
 * arguments, r0 for results and the return value, r1 for the context at entry); produces the same code
 * over r0–r9 only, with spill code (8-byte `stx`/`ldx` against r10 at spill slots laid out by
 * frame.ts) and with copies whose two sides got the same register deleted.
 *
 * Constraints come out of the interference graph (liveness.ts): a call clobbers r0–r5, so values live
 * across it can only take r6–r9 (callee-saved, RFC 9669 §4.3.1 / kernel docs "BPF calling
 * convention"); r10 is never allocated.
 *
 * Spilling: an uncolourable register v gets a spill slot; each use is preceded by a reload into a fresh
 * short-lived register and each def followed by a store from one. Short-lived registers are never
 * spilled again, so the loop terminates: each round either colours everything or strictly shrinks the
 * set of long ranges. The result also carries the virtual program after the last rewrite and the
 * assignment, so the independent checker (regalloc-check.ts) can validate it.
 */
import { buildInterference, computeLiveness } from "./liveness.ts";
import { coalesceCopies, copyPairs } from "./coalesce.ts";
import {
  ALLOCATABLE,
  FP,
  isCopy,
  isVirtual,
  mapRegs,
  minst,
  operandsOf,
  type MBlock,
  type MFunc,
  type MInst,
  type Reg,
} from "./mir.ts";

/** What register allocation produced. */
export interface Allocation {
  /** The function over physical registers, nop copies removed. */
  readonly func: MFunc;
  /** The virtual function after the final spill rewrite (input of the checker). */
  readonly virt: MFunc;
  /** Virtual register → physical register (0–9). */
  readonly assignment: ReadonlyMap<Reg, Reg>;
  /** Virtual register made by spill rewriting → the register it stands for. */
  readonly origin: ReadonlyMap<Reg, Reg>;
  /** Copies removed because both sides got one register. */
  readonly coalesced: number;
  /** Registers spilled. */
  readonly spilled: number;
}

/** Preferred colour order: argument registers first, then r0, then callee-saved. */
const COLOUR_ORDER: readonly Reg[] = [1, 2, 3, 4, 5, 0, 6, 7, 8, 9];
const MAX_ROUNDS = 40;

/** Allocates registers for one function. */
export function allocateRegisters(input: MFunc): Allocation {
  let f = input;
  const origin = new Map<Reg, Reg>();
  const spillSlotOf = new Map<Reg, number>();
  let spillSlots = input.spillSlots;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const live = computeLiveness(f);
    const graph = buildInterference(f, live);
    const merged = coalesceCopies(graph, copyPairs(f), origin);
    const { colours, spills: repSpills } = colour(merged.graph, origin);
    for (const [m, r] of merged.rep) if (colours.has(r)) colours.set(m, colours.get(r)!);
    const spills = [...merged.rep]
      .filter(([, r]) => repSpills.includes(r))
      .map(([m]) => m)
      .concat(repSpills);
    if (spills.length === 0) {
      const result = rewrite(f, colours);
      return {
        func: { ...result.func, spillSlots },
        virt: { ...f, spillSlots },
        assignment: colours,
        origin,
        coalesced: result.removed,
        spilled: spillSlotOf.size,
      };
    }
    for (const v of spills) spillSlotOf.set(v, spillSlots++);
    f = spillRewrite(f, new Set(spills), spillSlotOf, origin);
  }
  throw new Error(`internal: register allocation of ${input.name} did not converge`);
}

function colour(
  g: ReturnType<typeof buildInterference>,
  origin: ReadonlyMap<Reg, Reg>,
): { colours: Map<Reg, Reg>; spills: Reg[] } {
  const nodes = [...g.adj.keys()].filter(isVirtual).sort((a, b) => a - b);
  const remaining = new Set(nodes);
  const degree = (n: Reg) => {
    let d = 0;
    for (const m of g.adj.get(n)!) if (!isVirtual(m) || remaining.has(m)) d++;
    return d;
  };
  const stack: Reg[] = [];
  while (remaining.size > 0) {
    let pick: Reg | undefined;
    for (const n of remaining) {
      if (degree(n) < ALLOCATABLE) {
        pick = n;
        break;
      }
    }
    if (pick === undefined) {
      // Optimistic: push the cheapest candidate; it may still find a colour at select time.
      let best = Infinity;
      for (const n of remaining) {
        const cost = origin.has(n) ? Infinity : g.occurrences.get(n)! / degree(n);
        if (pick === undefined || cost < best) {
          best = cost;
          pick = n;
        }
      }
    }
    remaining.delete(pick!);
    stack.push(pick!);
  }
  const colours = new Map<Reg, Reg>();
  const spills: Reg[] = [];
  const colourOf = (r: Reg) => (isVirtual(r) ? colours.get(r) : r);
  while (stack.length > 0) {
    const n = stack.pop()!;
    const forbidden = new Set<Reg>();
    for (const m of g.adj.get(n)!) {
      const c = colourOf(m);
      if (c !== undefined) forbidden.add(c);
    }
    // Biased selection: the nearest copy-related register (breadth-first over the copy graph, up to
    // three copies away) whose colour is free here, so chains like `v1 = r0; v2 = v1; v2 >>= 32`
    // all land in r0 and every copy disappears.
    let chosen: Reg | undefined;
    const seen = new Set<Reg>([n]);
    let frontier: Reg[] = [n];
    for (let depth = 0; depth < 3 && chosen === undefined && frontier.length > 0; depth++) {
      const next: Reg[] = [];
      for (const x of frontier) {
        for (const m of g.moves.get(x) ?? []) {
          if (seen.has(m)) continue;
          seen.add(m);
          next.push(m);
          const c = colourOf(m);
          if (chosen === undefined && c !== undefined && c !== FP && !forbidden.has(c)) chosen = c;
        }
      }
      frontier = next;
    }
    // Otherwise leave free the colours uncoloured neighbours are copy-related to (their copies can
    // then still disappear), when another colour is available.
    if (chosen === undefined) {
      const wanted = new Set<Reg>();
      for (const m of g.adj.get(n)!) {
        if (!isVirtual(m) || colours.has(m)) continue;
        for (const p of g.moves.get(m) ?? []) {
          const c = colourOf(p);
          if (c !== undefined) wanted.add(c);
        }
      }
      chosen = COLOUR_ORDER.find((c) => !forbidden.has(c) && !wanted.has(c));
    }
    chosen ??= COLOUR_ORDER.find((c) => !forbidden.has(c));
    if (chosen === undefined) spills.push(n);
    else colours.set(n, chosen);
  }
  if (spills.some((s) => origin.has(s))) {
    throw new Error("internal: a spill temporary could not be coloured");
  }
  return { colours, spills };
}

function rewrite(f: MFunc, colours: ReadonlyMap<Reg, Reg>): { func: MFunc; removed: number } {
  let removed = 0;
  const blocks: MBlock[] = f.blocks.map((b) => ({
    id: b.id,
    insts: b.insts.flatMap((i) => {
      const p = mapRegs(i, (r) => (isVirtual(r) ? colours.get(r)! : r));
      if (isCopy(p) && p.dst === p.src) {
        removed++;
        return [];
      }
      return [p];
    }),
  }));
  return { func: { ...f, blocks }, removed };
}

function spillRewrite(
  f: MFunc,
  spilled: ReadonlySet<Reg>,
  slotOf: ReadonlyMap<Reg, number>,
  origin: Map<Reg, Reg>,
): MFunc {
  let next = f.nextVreg;
  const blocks: MBlock[] = f.blocks.map((b) => {
    const out: MInst[] = [];
    for (const i of b.insts) {
      const ops = operandsOf(i);
      const touched = [...new Set([...ops.uses, ...ops.defs])].filter((r) => spilled.has(r));
      if (touched.length === 0) {
        out.push(i);
        continue;
      }
      const temp = new Map<Reg, Reg>();
      for (const v of touched) {
        const t = next++;
        temp.set(v, t);
        origin.set(t, v);
      }
      for (const v of touched) {
        if (!ops.uses.includes(v)) continue;
        out.push(
          minst("ldxdw", {
            dst: temp.get(v)!,
            src: FP,
            frame: { kind: "spill", index: slotOf.get(v)!, field: "off" },
            edit: { kind: "reload", vreg: v },
            span: i.span,
          }),
        );
      }
      out.push(mapRegs(i, (r) => temp.get(r) ?? r));
      for (const v of touched) {
        if (!ops.defs.includes(v)) continue;
        out.push(
          minst("stxdw", {
            dst: FP,
            src: temp.get(v)!,
            frame: { kind: "spill", index: slotOf.get(v)!, field: "off" },
            edit: { kind: "spill", vreg: v },
            span: i.span,
          }),
        );
      }
    }
    return { id: b.id, insts: out };
  });
  return { ...f, blocks, nextVreg: next };
}
