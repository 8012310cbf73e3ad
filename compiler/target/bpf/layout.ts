/**
 * Block layout and branch resolution: turns an allocated `MFunc` into one flat instruction list whose
 * jumps carry real slot offsets.
 *
 * Consumes blocks in order, each ending with `exit`, `ja L`, or `jcond L1; ja L2` (mir.ts); produces a
 * list of `MInst` without `target`s, with `off` (or `imm` for `gotol`) set. Steps:
 * 1. fall-through: a `ja` to the next block disappears, and so does an `exit` before a block that
 *    starts with `exit`; `jcond L1; ja L2` with L1 next becomes the inverted `jcond L2` (when the
 *    inverse exists for the selected -mcpu);
 * 2. offsets: `off = target_slot - (slot + 1)` (RFC 9669 §4.3, offsets count 8-byte slots, so lddw
 *    counts twice); offsets must fit 16 bits signed. With -mcpu v4 an out-of-range `ja` becomes
 *    `gotol` (JMP32|JA, 32-bit imm) and an out-of-range `jcond` becomes an inverted jcond over a
 *    `gotol`; before v4 it is a diagnostic. Expansion only grows code, so the loop terminates.
 */
import { INSN_BY_NAME, type InsnSpec } from "../../../core/isa/index.ts";
import type { BackendDiagnostic } from "./frame.ts";
import { minst, type MFunc, type MInst } from "./mir.ts";

/** -mcpu level: 1..4, like clang's `-mcpu=v1..v4`. */
export type Mcpu = 1 | 2 | 3 | 4;

const INVERSE: Readonly<Record<string, string>> = {
  jeq: "jne",
  jne: "jeq",
  jgt: "jle",
  jle: "jgt",
  jge: "jlt",
  jlt: "jge",
  jsgt: "jsle",
  jsle: "jsgt",
  jsge: "jslt",
  jslt: "jsge",
};

/** The row of the inverted condition, if the ISA level has one. */
export function invertedSpec(spec: InsnSpec, mcpu: Mcpu): InsnSpec | undefined {
  const inv = INVERSE[spec.op];
  if (!inv) return undefined;
  const row = INSN_BY_NAME.get(`${inv}${spec.width}_${spec.source}`);
  return row && row.isa <= mcpu ? row : undefined;
}

interface Pending {
  inst: MInst;
  /** Index into `order` of the target block, for jumps. */
  targetBlock?: number;
}

/** Lays out blocks and resolves jumps. */
export function layoutBranches(
  f: MFunc,
  mcpu: Mcpu,
): { insts: MInst[]; diagnostics: BackendDiagnostic[] } {
  const index = new Map(f.blocks.map((b, k) => [b.id, k]));
  const blockStart: number[] = [];
  let list: Pending[] = [];
  f.blocks.forEach((b, k) => {
    const insts = [...b.insts];
    const next = f.blocks[k + 1]?.id;
    const last = insts[insts.length - 1];
    const prev = insts[insts.length - 2];
    if (last?.spec.kind === "ja" && prev?.spec.kind === "jcond" && prev.target === next) {
      const inv = invertedSpec(prev.spec, mcpu);
      if (inv) {
        insts.splice(insts.length - 2, 2, { ...prev, spec: inv, target: last.target! });
      }
    }
    const tail = insts[insts.length - 1];
    if (tail?.spec.kind === "ja" && tail.target === next) insts.pop();
    // An `exit` before a block that starts with one falls into it instead (`return c ? 2 : x`
    // leaves `r0 = 2; exit` before the other arm's bare `exit`: one exit for both, as clang has).
    else if (tail?.spec.kind === "exit" && f.blocks[k + 1]?.insts[0]?.spec.kind === "exit")
      insts.pop();
    blockStart.push(list.length);
    for (const i of insts) {
      const p: Pending = { inst: i };
      if (i.target !== undefined) p.targetBlock = index.get(i.target)!;
      list.push(p);
    }
  });
  // Branch targets are instruction indices into `list` from here on.
  let targets: (number | undefined)[] = list.map((p) =>
    p.targetBlock === undefined ? undefined : blockStart[p.targetBlock]!,
  );
  const diagnostics: BackendDiagnostic[] = [];
  for (;;) {
    const slots: number[] = [];
    let s = 0;
    for (const p of list) {
      slots.push(s);
      s += p.inst.spec.kind === "lddw" ? 2 : 1;
    }
    slots.push(s);
    const grown: { at: number }[] = [];
    for (let k = 0; k < list.length; k++) {
      const t = targets[k];
      if (t === undefined) continue;
      const off = slots[t]! - (slots[k]! + 1);
      const p = list[k]!;
      if (p.inst.spec.kind === "ja" && p.inst.spec.width === 32) continue;
      if (off >= -32768 && off <= 32767) continue;
      if (mcpu < 4) {
        diagnostics.push({
          code: "TSB4001",
          args: { name: f.name, distance: Math.abs(off) },
          span: p.inst.span,
        });
        return { insts: [], diagnostics };
      }
      grown.push({ at: k });
    }
    if (grown.length === 0) {
      const insts = list.map((p, k) => {
        const t = targets[k];
        if (t === undefined) return p.inst;
        const off = slots[t]! - (slots[k]! + 1);
        const { target: _t, ...rest } = p.inst;
        return p.inst.spec.width === 32 && p.inst.spec.kind === "ja"
          ? { ...rest, off: 0, imm: off }
          : { ...rest, off };
      });
      return { insts, diagnostics };
    }
    // Expand far jumps: ja → gotol; jcond L → inverted jcond over a gotol L.
    const nextList: Pending[] = [];
    const nextTargets: (number | undefined)[] = [];
    const remap: number[] = [];
    const far = new Set(grown.map((g) => g.at));
    list.forEach((p, k) => {
      remap[k] = nextList.length;
      if (!far.has(k)) {
        nextList.push(p);
        nextTargets.push(targets[k]);
        return;
      }
      const gotol: MInst = minst("ja32", { span: p.inst.span });
      if (p.inst.spec.kind === "ja") {
        nextList.push({ inst: gotol });
        nextTargets.push(targets[k]);
        return;
      }
      const inv = invertedSpec(p.inst.spec, mcpu);
      if (!inv) throw new Error(`internal: cannot invert ${p.inst.spec.name} for a long jump`);
      nextList.push({ inst: { ...p.inst, spec: inv } });
      nextTargets.push(-1); // patched below: skip over the gotol
      nextList.push({ inst: gotol });
      nextTargets.push(targets[k]);
    });
    remap[list.length] = nextList.length;
    targets = nextTargets.map((t, k) =>
      t === -1 ? k + 2 : t === undefined ? undefined : remap[t],
    );
    list = nextList;
  }
}
