/**
 * SSA construction for local variables, directly on block parameters (Braun, Buchwald, Hack,
 * Leißa, Mallon, Zwinkau: "Simple and Efficient Construction of Static Single Assignment Form",
 * CC 2013), over a `FuncBuilder`.
 *
 * Consumes: writes and reads of numbered variables per block, CFG edges as branches are emitted,
 * and "sealed" notices (all predecessors known). Produces: block parameters, and at `finish()` the
 * arguments of every branch, after removing trivial parameters (all incoming values equal) to a
 * fixpoint.
 *
 * Why branch arguments are kept here until the end: a parameter's operands may be added while
 * another parameter of the same block is being completed, so appending to branches eagerly could
 * interleave argument lists. Keeping `param → (predecessor → value)` and writing branches once keeps
 * the order equal to the parameter order by construction.
 */
import type { FuncBuilder } from "../ir/builder.ts";
import type { BlockId, IrType, ValueId } from "../ir/index.ts";

/** A local variable's identity (one per declaration). */
export type VarId = number;

/** Braun-style variable tracking for one function. */
export class SsaBuilder {
  private readonly defs = new Map<BlockId, Map<VarId, ValueId>>();
  private readonly preds = new Map<BlockId, BlockId[]>();
  private readonly sealed = new Set<BlockId>();
  private readonly incomplete = new Map<BlockId, Map<VarId, ValueId>>();
  /** For each parameter created here: its block and the value each predecessor passes. */
  private readonly phiArgs = new Map<ValueId, { block: BlockId; args: Map<BlockId, ValueId> }>();
  private readonly varTypes = new Map<VarId, { type: IrType; name: string }>();

  constructor(readonly b: FuncBuilder) {
    this.sealed.add(b.entry);
  }

  /** Declares a variable's IR type and name. */
  declare(v: VarId, type: IrType, name: string): void {
    this.varTypes.set(v, { type, name });
  }

  /** Records an edge `from → to` (call when emitting the branch). */
  addEdge(from: BlockId, to: BlockId): void {
    const list = this.preds.get(to) ?? [];
    if (!list.includes(from)) list.push(from);
    this.preds.set(to, list);
  }

  /** Predecessors of a block known so far. */
  predsOf(block: BlockId): readonly BlockId[] {
    return this.preds.get(block) ?? [];
  }

  /** Assigns `value` to `v` at the end of `block` so far. */
  write(v: VarId, block: BlockId, value: ValueId): void {
    let m = this.defs.get(block);
    if (!m) this.defs.set(block, (m = new Map()));
    m.set(v, value);
  }

  /** The value of `v` at the current end of `block`. */
  read(v: VarId, block: BlockId): ValueId {
    const local = this.defs.get(block)?.get(v);
    if (local !== undefined) return local;
    return this.readRecursive(v, block);
  }

  private readRecursive(v: VarId, block: BlockId): ValueId {
    const info = this.varTypes.get(v);
    if (!info) throw new Error(`SsaBuilder: variable ${v} was never declared`);
    let value: ValueId;
    const preds = this.predsOf(block);
    if (!this.sealed.has(block)) {
      value = this.newParam(block, info);
      let m = this.incomplete.get(block);
      if (!m) this.incomplete.set(block, (m = new Map()));
      m.set(v, value);
    } else if (preds.length === 1) {
      value = this.read(v, preds[0]!);
    } else if (preds.length === 0) {
      throw new Error(
        `SsaBuilder: variable '${info.name}' read in b${block}, which has no predecessors`,
      );
    } else {
      value = this.newParam(block, info);
      this.write(v, block, value);
      this.addOperands(v, value);
    }
    this.write(v, block, value);
    return value;
  }

  private newParam(block: BlockId, info: { type: IrType; name: string }): ValueId {
    const p = this.b.addBlockParam(block, info.type, info.name);
    this.phiArgs.set(p, { block, args: new Map() });
    return p;
  }

  private addOperands(v: VarId, param: ValueId): void {
    const entry = this.phiArgs.get(param)!;
    for (const pred of this.predsOf(entry.block)) entry.args.set(pred, this.read(v, pred));
  }

  /** Declares that every predecessor of `block` is known, completing its pending parameters. */
  seal(block: BlockId): void {
    if (this.sealed.has(block)) return;
    this.sealed.add(block);
    const pending = this.incomplete.get(block);
    if (pending) for (const [v, param] of pending) this.addOperands(v, param);
    this.incomplete.delete(block);
  }

  /**
   * Removes trivial parameters (every incoming value is the parameter itself or one other value)
   * until none is left, then writes every branch's argument list.
   */
  finish(): void {
    const b = this.b;
    for (let changed = true; changed;) {
      changed = false;
      for (const [param, entry] of this.phiArgs) {
        const incoming = new Set([...entry.args.values()].map((x) => b.resolve(x)));
        incoming.delete(param);
        if (incoming.size > 1) continue;
        const [same] = incoming;
        if (same === undefined) continue; // only self-references: an unreachable cycle, keep it
        const index = b.paramsOf(entry.block).indexOf(param);
        b.removeBlockParam(entry.block, index, []);
        b.replaceValue(param, same);
        this.phiArgs.delete(param);
        changed = true;
      }
    }
    for (const [block, preds] of this.preds) {
      const params = b.paramsOf(block);
      if (params.length === 0) continue;
      for (const pred of preds) {
        const args = params.map((p) => {
          const a = this.phiArgs.get(p)?.args.get(pred);
          if (a === undefined)
            throw new Error(`SsaBuilder: b${pred} passes no value for v${p} of b${block}`);
          return b.resolve(a);
        });
        b.setBranchArgs(pred, block, args);
      }
    }
  }
}
