/**
 * CO-RE field accesses through a BTF pointer, selected as clang selects them: the relocation sits on
 * the load or store itself (`r3 = *(u32 *)(r2 + 0x4f4)` carrying a FIELD_BYTE_OFFSET core_relo)
 * instead of a relocated `mov` of the offset, a copy of the base and an add (libbpf's
 * bpf_core_patch_insn and core/object/core-apply.ts patch the `off` field of LDX/ST/STX alike).
 *
 * Consumes the IR function and the use lists isel-context.ts builds; produces, for every
 * `ptradd base, coreconst` that qualifies, the base and the offset to put in the access, plus the
 * `coreconst`s whose only uses are such accesses (they need no instruction of their own). A ptradd
 * qualifies when its offset is a FIELD_BYTE_OFFSET relocation whose compile-time value fits the
 * 16-bit signed `off` field, and every use is the base of a plain load or store at offset 0 (the
 * loader replaces `off` by the target kernel's offset, so nothing may be added to it).
 */
import type { CoreReloRef, Func, InstData, ValueId } from "../../ir/types.ts";
import { CoreReloKind } from "../../../core/btf/core-relo.ts";

/** One use of a value, as isel-context.ts records it. */
export interface UseNote {
  readonly op: string;
  readonly role: "base" | "other";
  readonly offset: number;
}

/** A folded CO-RE access: `*(root + off)` with the relocation on the access. */
export interface CoreAccess {
  readonly root: ValueId;
  readonly off: number;
  readonly relo: CoreReloRef;
}

/** The foldable CO-RE accesses of `f` and the relocated constants they make unneeded. */
export function analyseCoreAccesses(
  f: Func,
  uses: ReadonlyMap<ValueId, readonly UseNote[]>,
): { accesses: Map<ValueId, CoreAccess>; absorbed: Set<ValueId> } {
  const defOf = (v: ValueId): InstData | undefined => {
    const def = f.values[v]!.def;
    return def.kind === "inst" ? f.insts[def.inst]!.data : undefined;
  };
  const accesses = new Map<ValueId, CoreAccess>();
  for (const { insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id]!;
      const d = inst.data;
      if (d.op !== "ptradd" || inst.result === null) continue;
      const c = defOf(d.offset);
      if (c?.op !== "coreconst" || c.relo.kind !== CoreReloKind.FIELD_BYTE_OFFSET) continue;
      if (c.value < -32768n || c.value > 32767n) continue;
      const us = uses.get(inst.result) ?? [];
      const ok =
        us.length > 0 &&
        us.every(
          (u) => u.role === "base" && u.offset === 0 && (u.op === "load" || u.op === "store"),
        );
      if (ok) accesses.set(inst.result, { root: d.base, off: Number(c.value), relo: c.relo });
    }
  }
  // A relocated constant every use of which is a folded access is emitted by none of them.
  const absorbed = new Set<ValueId>();
  const offsetsOf = new Map<ValueId, ValueId[]>();
  for (const [p] of accesses) {
    const def = f.values[p]!.def;
    if (def.kind !== "inst") continue;
    const d = f.insts[def.inst]!.data;
    if (d.op !== "ptradd") continue;
    offsetsOf.set(d.offset, [...(offsetsOf.get(d.offset) ?? []), p]);
  }
  for (const [c, folded] of offsetsOf) {
    if ((uses.get(c) ?? []).length === folded.length) absorbed.add(c);
  }
  return { accesses, absorbed };
}
