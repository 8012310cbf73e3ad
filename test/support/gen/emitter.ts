/**
 * Instruction emission with forward labels, for generated programs.
 *
 * Consumes instructions (core/isa `Insn`) and jumps that name a label instead of an offset; produces
 * the final instruction list with every jump offset resolved. Offsets count 8-byte slots (RFC 9669
 * §4.3: "PC += offset", and lddw occupies two slots), so they are computed from `slotOffsets` after
 * the whole program is known, never from list indices.
 *
 * Invariant checked by `finish`: every label is placed, before some instruction (a label at the very
 * end would make its jumps leave the program).
 */
import { makeInsn, slotOffsets, type Insn, type InsnSpec } from "../../../core/isa/index.ts";

/** A jump target; create with `Emitter.label`, place with `Emitter.place`. */
export type Label = number & { readonly __label: unique symbol };

interface Item {
  readonly insn: Insn;
  readonly target?: Label;
}

/** Collects instructions and label-targeted jumps; `finish` resolves the offsets. */
export class Emitter {
  private readonly items: Item[] = [];
  private readonly positions: (number | undefined)[] = [];

  /** Number of instructions emitted so far. */
  get length(): number {
    return this.items.length;
  }

  /** A fresh, not yet placed label. */
  label(): Label {
    this.positions.push(undefined);
    return (this.positions.length - 1) as Label;
  }

  /** Places `label` before the next emitted instruction. */
  place(label: Label): void {
    if (this.positions[label] !== undefined) throw new Error(`label ${label} placed twice`);
    this.positions[label] = this.items.length;
  }

  /** Appends an instruction. */
  emit(insn: Insn): void {
    this.items.push({ insn });
  }

  /** Appends a jump (`jcond` or `ja` row) to `target`; its offset is filled in by `finish`. */
  jump(spec: InsnSpec, fields: Parameters<typeof makeInsn>[1], target: Label): void {
    if (spec.kind !== "jcond" && spec.kind !== "ja") {
      throw new Error(`${spec.name} is not a jump`);
    }
    this.items.push({ insn: makeInsn(spec, fields), target });
  }

  /** The program with every jump offset resolved. */
  finish(): Insn[] {
    const insns = this.items.map((i) => i.insn);
    const slots = slotOffsets(insns);
    return this.items.map((item, index) => {
      if (item.target === undefined) return item.insn;
      const at = this.positions[item.target];
      if (at === undefined || at >= insns.length) {
        throw new Error(`jump at ${index} targets label ${item.target}, which is not placed`);
      }
      const distance = slots[at]! - slots[index]! - 1;
      // ja32 (gotol) carries its offset in imm; every other jump in off.
      return item.insn.spec.fields.includes("off")
        ? { ...item.insn, off: distance }
        : { ...item.insn, imm: distance };
    });
  }
}
