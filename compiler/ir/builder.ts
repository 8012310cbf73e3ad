/**
 * A small mutable builder that produces plain `Func` records (compiler/ir/types.ts).
 *
 * Consumes: calls from the front end's lowering, from the IR parser and from passes or tests that
 * build functions by hand. Produces: a frozen-by-convention `Func` from `finish()`.
 *
 * The builder keeps the entity tables (values, insts, blocks) as arrays indexed by id, exactly like
 * `Func`, plus mutable per-block instruction lists. It allows the two late edits SSA construction
 * needs (Braun et al. 2013, "Simple and Efficient Construction of SSA Form"): adding a parameter to a
 * block after branches to it exist (`addBlockParam` + `appendBranchArg`), and replacing a value by
 * another everywhere (`replaceValue`, resolved when `finish()` rewrites operands).
 *
 * Invariants established by `finish()`: every operand is resolved through the replacement map; the
 * layout holds exactly the blocks that were added with `addBlock` and not removed (entry first).
 * It does not verify the function: call `verifyFunc` (compiler/ir/verify.ts) for that.
 */
import type {
  Block,
  BlockCall,
  BlockId,
  Func,
  Inst,
  InstData,
  InstId,
  IrType,
  Span,
  StackSlot,
  Value,
  ValueId,
} from "./types.ts";
import { TERMINATORS } from "./types.ts";
import { mapOperands } from "./operands.ts";

export { mapOperands, operandsOf } from "./operands.ts";

/** What `newFunc` needs to start a function. */
export interface FuncHeader {
  readonly name: string;
  readonly section: string | null;
  readonly params: readonly IrType[];
  readonly returns: IrType | null;
  readonly span: Span;
  /** Optional source names for the entry block's parameters. */
  readonly paramNames?: readonly (string | undefined)[];
}

interface MutableInst {
  data: InstData;
  result: ValueId | null;
  span: Span;
}

interface MutableValue {
  type: IrType;
  def: Value["def"];
  name?: string;
}

/**
 * Builds one function. Create it with `newFunc`; the entry block (holding the function parameters)
 * exists from the start and is the current block.
 */
export class FuncBuilder {
  readonly header: FuncHeader;
  readonly entry: BlockId;
  private readonly values: MutableValue[] = [];
  private readonly insts: MutableInst[] = [];
  private readonly blockParams: ValueId[][] = [];
  private readonly blockInsts: InstId[][] = [];
  private readonly order: BlockId[] = [];
  private readonly slots: StackSlot[] = [];
  private readonly replacements = new Map<ValueId, ValueId>();
  private current: BlockId | null = null;

  constructor(header: FuncHeader) {
    this.header = header;
    this.entry = this.addBlock(header.params, header.paramNames);
    this.current = this.entry;
  }

  /** Adds a block with parameters of the given types; it is appended to the layout. */
  addBlock(paramTypes: readonly IrType[] = [], names?: readonly (string | undefined)[]): BlockId {
    const id = this.blockParams.length as BlockId;
    this.blockParams.push([]);
    this.blockInsts.push([]);
    this.order.push(id);
    paramTypes.forEach((t, i) => this.addBlockParam(id, t, names?.[i]));
    return id;
  }

  /** Adds one more parameter to `block` (callers must then pass an argument on every branch to it). */
  addBlockParam(block: BlockId, type: IrType, name?: string): ValueId {
    const params = this.blockParams[block]!;
    const id = this.values.length as ValueId;
    this.values.push({ type, def: { kind: "param", block, index: params.length }, name });
    params.push(id);
    return id;
  }

  /** The parameters of `block`. */
  paramsOf(block: BlockId): readonly ValueId[] {
    return this.blockParams[block]!;
  }

  /** Makes `block` the one `append` adds to. */
  switchTo(block: BlockId): void {
    this.current = block;
  }

  /** The current block, or null when none is selected. */
  get currentBlock(): BlockId | null {
    return this.current;
  }

  /** True when `block` already ends with a terminator. */
  isTerminated(block: BlockId): boolean {
    const list = this.blockInsts[block]!;
    const last = list[list.length - 1];
    return last !== undefined && TERMINATORS.has(this.insts[last]!.data.op);
  }

  /** The type of a value. */
  typeOf(value: ValueId): IrType {
    return this.values[this.resolve(value)]!.type;
  }

  /** Reserves a stack slot; use `inst({ op: "stackslot", slot })` to take its address. */
  addStackSlot(slot: StackSlot): number {
    this.slots.push(slot);
    return this.slots.length - 1;
  }

  /**
   * Appends an instruction to the current block. `resultType` is the type of the value it defines
   * (null for none). Returns the result value id, or null.
   */
  append(data: InstData, resultType: IrType | null, span: Span, name?: string): ValueId | null {
    if (this.current === null) throw new Error("FuncBuilder.append: no current block");
    if (this.isTerminated(this.current)) {
      throw new Error(`FuncBuilder.append: block b${this.current} is already terminated`);
    }
    const instId = this.insts.length as InstId;
    let result: ValueId | null = null;
    if (resultType !== null) {
      result = this.values.length as ValueId;
      this.values.push({ type: resultType, def: { kind: "inst", inst: instId }, name });
    }
    this.insts.push({ data, result, span });
    this.blockInsts[this.current]!.push(instId);
    return result;
  }

  /** Like `append` for instructions that always produce a value. */
  value(data: InstData, resultType: IrType, span: Span, name?: string): ValueId {
    return this.append(data, resultType, span, name)!;
  }

  /** Names a value after the fact (for readable IR). Keeps an existing name. */
  nameValue(value: ValueId, name: string): void {
    const v = this.values[value]!;
    if (v.name === undefined) v.name = name;
  }

  /** The terminator of `block` (undefined when the block is still open). */
  terminatorOf(block: BlockId): InstData | undefined {
    if (!this.isTerminated(block)) return undefined;
    const list = this.blockInsts[block]!;
    return this.insts[list[list.length - 1]!]!.data;
  }

  /**
   * Appends `arg` to the arguments that `pred`'s terminator passes to `target`: on every edge from
   * `pred` to `target` (a condbr with both arms to one block gets it on both).
   */
  appendBranchArg(pred: BlockId, target: BlockId, arg: ValueId): void {
    const list = this.blockInsts[pred]!;
    const inst = this.insts[list[list.length - 1]!]!;
    const add = (c: BlockCall): BlockCall =>
      c.block === target ? { block: c.block, args: [...c.args, arg] } : c;
    const d = inst.data;
    if (d.op === "br") inst.data = { op: "br", target: add(d.target) };
    else if (d.op === "condbr") {
      inst.data = { op: "condbr", cond: d.cond, then: add(d.then), else: add(d.else) };
    } else throw new Error(`FuncBuilder.appendBranchArg: b${pred} does not branch`);
  }

  /** Replaces the arguments `pred`'s terminator passes to `target` (on every edge to it). */
  setBranchArgs(pred: BlockId, target: BlockId, args: readonly ValueId[]): void {
    const list = this.blockInsts[pred]!;
    const inst = this.insts[list[list.length - 1]!]!;
    const set = (c: BlockCall): BlockCall =>
      c.block === target ? { block: c.block, args: [...args] } : c;
    const d = inst.data;
    if (d.op === "br") inst.data = { op: "br", target: set(d.target) };
    else if (d.op === "condbr") {
      inst.data = { op: "condbr", cond: d.cond, then: set(d.then), else: set(d.else) };
    } else throw new Error(`FuncBuilder.setBranchArgs: b${pred} does not branch`);
  }

  /** Removes parameter `index` of `block` and the matching argument on each branch from `preds`. */
  removeBlockParam(block: BlockId, index: number, preds: readonly BlockId[]): void {
    const params = this.blockParams[block]!;
    params.splice(index, 1);
    params.forEach((p, i) => {
      const v = this.values[p]!;
      v.def = { kind: "param", block, index: i };
    });
    const drop = (c: BlockCall): BlockCall =>
      c.block === block ? { block, args: c.args.filter((_, i) => i !== index) } : c;
    for (const pred of new Set(preds)) {
      const list = this.blockInsts[pred]!;
      const inst = this.insts[list[list.length - 1]!]!;
      const d = inst.data;
      if (d.op === "br") inst.data = { op: "br", target: drop(d.target) };
      else if (d.op === "condbr") {
        inst.data = { op: "condbr", cond: d.cond, then: drop(d.then), else: drop(d.else) };
      }
    }
  }

  /** Arguments passed to `target` by `pred`'s terminator (first matching edge). */
  branchArgs(pred: BlockId, target: BlockId): readonly ValueId[] {
    const d = this.terminatorOf(pred);
    if (d?.op === "br" && d.target.block === target) return d.target.args;
    if (d?.op === "condbr") {
      if (d.then.block === target) return d.then.args;
      if (d.else.block === target) return d.else.args;
    }
    return [];
  }

  /** Records that every use of `from` means `to` (applied by `resolve` and `finish`). */
  replaceValue(from: ValueId, to: ValueId): void {
    if (this.resolve(to) !== from) this.replacements.set(from, to);
  }

  /** Follows the replacement chain of a value. */
  resolve(value: ValueId): ValueId {
    let v = value;
    for (let next = this.replacements.get(v); next !== undefined; next = this.replacements.get(v)) {
      v = next;
    }
    return v;
  }

  /** Drops a block from the layout (its entity stays, unreachable). The entry cannot be removed. */
  removeBlock(block: BlockId): void {
    if (block === this.entry) throw new Error("FuncBuilder.removeBlock: cannot remove the entry");
    const i = this.order.indexOf(block);
    if (i >= 0) this.order.splice(i, 1);
    if (this.current === block) this.current = null;
  }

  /** The blocks currently in the layout. */
  get layoutBlocks(): readonly BlockId[] {
    return this.order;
  }

  /** Produces the plain `Func`, with every operand resolved through `replaceValue`. */
  finish(): Func {
    const r = (v: ValueId): ValueId => this.resolve(v);
    const insts: Inst[] = this.insts.map((inst) => ({
      data: mapOperands(inst.data, r),
      result: inst.result,
      span: inst.span,
    }));
    const values: Value[] = this.values.map((v) =>
      v.name === undefined
        ? { type: v.type, def: v.def }
        : { type: v.type, def: v.def, name: v.name },
    );
    const blocks: Block[] = this.blockParams.map((params) => ({ params: [...params] }));
    return {
      name: this.header.name,
      section: this.header.section,
      params: [...this.header.params],
      returns: this.header.returns,
      values,
      insts,
      blocks,
      stackSlots: [...this.slots],
      layout: this.order.map((block) => ({ block, insts: [...this.blockInsts[block]!] })),
      span: this.header.span,
    };
  }
}

/** Starts a function: see `FuncBuilder`. */
export function newFunc(header: FuncHeader): FuncBuilder {
  return new FuncBuilder(header);
}

/** The successor blocks of a terminator (empty for ret/unreachable and non-terminators). */
export function successorsOf(d: InstData): BlockCall[] {
  if (d.op === "br") return [d.target];
  if (d.op === "condbr") return [d.then, d.else];
  return [];
}
