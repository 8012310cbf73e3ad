/**
 * An independent checker for register allocation, after regalloc2's `checker.rs`: it does not trust
 * the allocator's liveness or interference, it simulates the allocated program symbolically.
 *
 * Consumes the virtual program after spill rewriting and the allocator's assignment (`Allocation`);
 * produces a list of errors (empty = valid). The abstract state maps each location (r0–r9, spill slot
 * sK) to the set of *names* it is known to hold, where a name is an original virtual register (spill
 * temporaries stand for their origin) or `pN`, the value a physical register was explicitly given
 * (call arguments, results). Rules:
 * - a use of v at location L requires `v ∈ state[L]`;
 * - a def of v at L removes v from every location, then `state[L] = {v}`;
 * - a copy `mov vD, vS` sets `state[L_D] = state[L_S] ∪ {vD}` (this is what makes coalescing sound);
 * - a call empties r0–r5 before giving r0 its result;
 * - a spill/reload copies the set between a register and its slot;
 * - at a join, states are intersected; iterate to a fixed point.
 */
import { writesField } from "../../../core/isa/index.ts";
import type { Allocation } from "./regalloc.ts";
import {
  ALLOCATABLE,
  ARG_REGS,
  FP,
  isCopy,
  isVirtual,
  operandsOf,
  successors,
  type MFunc,
  type Reg,
} from "./mir.ts";

type State = Map<string, Set<string>>;

/** Validates an allocation; returns human-readable errors (empty when correct). */
export function checkAllocation(a: Allocation): string[] {
  const f: MFunc = a.virt;
  const errors: string[] = [];
  const loc = (r: Reg): string => {
    if (!isVirtual(r)) return `r${r}`;
    const p = a.assignment.get(r);
    if (p === undefined) {
      errors.push(`virtual register %v${r} has no assignment`);
      return "?";
    }
    return `r${p}`;
  };
  const name = (r: Reg): string => (isVirtual(r) ? `v${a.origin.get(r) ?? r}` : `p${r}`);
  for (const [v, p] of a.assignment) {
    if (p < 0 || p >= ALLOCATABLE) errors.push(`%v${v} assigned to r${p}, not r0–r9`);
  }

  const entry: State = new Map();
  for (const r of ARG_REGS) entry.set(`r${r}`, new Set([`p${r}`]));
  const inState = new Map<number, State>([[f.blocks[0]!.id, entry]]);
  const work = [f.blocks[0]!.id];
  const byId = new Map(f.blocks.map((b) => [b.id, b]));
  const reported = new Set<string>();
  const report = (msg: string) => {
    if (!reported.has(msg)) {
      reported.add(msg);
      errors.push(msg);
    }
  };
  while (work.length > 0) {
    const id = work.shift()!;
    const b = byId.get(id);
    if (!b) {
      report(`branch to unknown block ${id}`);
      continue;
    }
    const st: State = clone(inState.get(id)!);
    b.insts.forEach((i, k) => {
      const where = `${f.name} block ${id} inst ${k}`;
      const ops = operandsOf(i);
      if (writesField(i.spec, "dst") && i.dst === FP)
        report(`${where}: writes the frame pointer r10`);
      for (const u of ops.uses) {
        const l = loc(u);
        if (!st.get(l)?.has(name(u))) {
          report(`${where}: uses ${name(u)} in ${l}, which does not hold it`);
        }
      }
      if (i.edit) {
        const slot = `s${i.frame?.index ?? -1}`;
        if (i.edit.kind === "spill") {
          st.set(slot, new Set(st.get(loc(i.src)) ?? []));
        } else {
          if (!st.get(slot)?.has(`v${i.edit.vreg}`)) {
            report(`${where}: reloads v${i.edit.vreg} from ${slot}, which does not hold it`);
          }
          const got = new Set(st.get(slot) ?? []);
          got.add(name(i.dst));
          st.set(loc(i.dst), got);
        }
        return;
      }
      if (isCopy(i)) {
        const got = new Set(st.get(loc(i.src)) ?? []);
        const n = name(i.dst);
        for (const s of st.values()) s.delete(n);
        got.add(n);
        st.set(loc(i.dst), got);
        return;
      }
      for (const c of ops.clobbers) st.set(`r${c}`, new Set());
      for (const d of ops.defs) {
        const n = name(d);
        for (const s of st.values()) s.delete(n);
        st.set(loc(d), new Set([n]));
      }
    });
    for (const s of successors(b)) {
      const prev = inState.get(s);
      if (!prev) {
        inState.set(s, clone(st));
        work.push(s);
        continue;
      }
      let changed = false;
      for (const [l, names] of prev) {
        const here = st.get(l);
        for (const n of [...names]) {
          if (!here?.has(n)) {
            names.delete(n);
            changed = true;
          }
        }
      }
      if (changed) work.push(s);
    }
  }
  return errors;
}

function clone(s: State): State {
  return new Map([...s].map(([k, v]) => [k, new Set(v)]));
}
