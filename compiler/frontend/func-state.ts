/**
 * Per-function lowering state and the scalar building blocks every expression uses: operands,
 * lexical scopes, branch emission (keeping the SSA builder's CFG in sync), constants, implicit and
 * explicit integer conversions, and loads/stores of memory places.
 *
 * Conventions: integers narrower than 64 bits live in IR `i32` registers kept canonical (zero- or
 * sign-extended from their width), 64-bit ones in `i64`; `bool` is an `i32` holding 0 or 1.
 * Integer literals are untyped constants (a bigint) until context gives them a type; with no
 * context they become `i64` (or `u64` above `i64`'s range).
 */
import type { Node } from "ts-morph";
import { FuncBuilder } from "../ir/builder.ts";
import type { BlockId, InstData, IrType, Span, ValueId } from "../ir/index.ts";
import type { ProgramKind } from "./builtins.ts";
import type { MapInfo, ModuleState, ScalarType } from "./module-state.ts";
import { SsaBuilder } from "./ssa.ts";
import { readKernelField } from "./lower-kernel.ts";
import type { VarId } from "./ssa.ts";
import type { IntType, TsbType } from "./types.ts";
import {
  BOOL,
  I64,
  U32,
  U64,
  alignOf,
  intOf,
  irTypeOf,
  isScalar,
  sizeOf,
  typeName,
} from "./types.ts";

/** The result of lowering an expression. */
export type Operand =
  | { readonly k: "val"; readonly type: ScalarType; readonly v: ValueId }
  /** A compile-time integer; `type` null for an untyped literal. */
  | { readonly k: "const"; readonly type: ScalarType | null; readonly value: bigint }
  /** Memory holding a value of `type` at base+offset. */
  | {
      readonly k: "place";
      readonly type: TsbType;
      readonly base: ValueId;
      readonly offset: number;
      readonly writable: boolean;
      readonly what: string;
      /** Why a read-only place cannot be written, when the generic reason would mislead. */
      readonly readOnly?: string;
    }
  /** A `Ref<T>` (pointer); `packet` when it is a packet view whose null test is a bounds check. */
  | {
      readonly k: "ref";
      readonly target: TsbType;
      readonly ptr: ValueId;
      readonly packet?: { readonly end: ValueId; readonly dataEnd: ValueId };
    }
  | { readonly k: "null" }
  /**
   * A map: a declared one (its `mapref`), or, with `ptr`, the inner map a map of maps' lookup
   * returned, a pointer that must be null-tested before use like a Ref.
   */
  | { readonly k: "map"; readonly map: MapInfo; readonly ptr?: ValueId }
  | {
      readonly k: "ctx";
      readonly ptr: ValueId;
      readonly prog: ProgramKind;
      /** The program's ELF section (its program and attach type). */
      readonly section: string;
      readonly struct: TsbType | null;
    }
  /**
   * A typed pointer to a kernel struct/union (`btfId` in the compile-time kernel BTF, `name` as the
   * program spelled it, perhaps with a `___flavor`); `v` is its address (i64). `direct`: a BTF
   * pointer the verifier lets the program load through; otherwise fields are probe-read.
   */
  | {
      readonly k: "kptr";
      readonly btfId: number;
      readonly name: string;
      readonly v: ValueId;
      readonly direct: boolean;
    }
  /**
   * A field reached from a kernel pointer, not read yet (lower-kernel.ts): the root struct, the raw
   * CO-RE access path from it, the field's BTF type and bit offset from the root.
   */
  | {
      readonly k: "kfield";
      readonly root: number;
      readonly rootName: string;
      readonly access: readonly number[];
      readonly base: ValueId;
      readonly type: number;
      readonly bitOffset: number;
      readonly bitfieldSize: number;
      /** The access as written (`task_struct->real_parent.tgid`), for messages. */
      readonly chain: string;
      readonly direct: boolean;
    }
  | { readonly k: "void" }
  /** An expression that could not be lowered (a diagnostic was reported). */
  | { readonly k: "error" };

/** A name in a function's scope. */
export type Binding =
  | { readonly k: "var"; readonly id: VarId; readonly type: ScalarType; readonly mutable: boolean }
  | { readonly k: "operand"; readonly op: Operand; readonly mutable: false };

/** Loop targets for break/continue. */
export interface LoopTargets {
  readonly breakTo: BlockId;
  readonly continueTo: BlockId;
}

export const ERROR: Operand = { k: "error" };

/** A function body being inlined into this one (inline-call.ts): where its `return`s go. */
export interface InlineFrame {
  readonly name: string;
  readonly returns: ScalarType | { kind: "void" };
  /** The result variable (null for void functions). */
  readonly retVar: VarId | null;
  /** The block after the call. */
  readonly exit: BlockId;
  /** The enclosing inlined call, if any. */
  readonly parent: InlineFrame | null;
}

/** Lowering state of one function. */
export class FuncState {
  readonly b: FuncBuilder;
  readonly ssa: SsaBuilder;
  readonly scopes: Map<string, Binding>[] = [new Map()];
  readonly loops: LoopTargets[] = [];
  private nextVar = 0;
  /** The innermost inlined call being lowered, or null in the function's own body. */
  inline: InlineFrame | null = null;
  /** Current insertion block, or null after a terminator (following code is unreachable). */
  cur: BlockId | null;
  /** For programs whose kind `returnsInt` (builtins.ts `ProgramKind`): only r0's low half counts. */
  returnsInt = false;

  constructor(
    readonly m: ModuleState,
    readonly name: string,
    builder: FuncBuilder,
    readonly returns: ScalarType | { kind: "void" },
    /** For programs: the return value is widened to i64. */
    readonly isProgram: boolean,
  ) {
    this.b = builder;
    this.ssa = new SsaBuilder(builder);
    this.cur = builder.entry;
  }

  // ---- scopes -----------------------------------------------------------------------------------

  pushScope(): void {
    this.scopes.push(new Map());
  }
  popScope(): void {
    this.scopes.pop();
  }
  lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const hit = this.scopes[i]!.get(name);
      if (hit) return hit;
    }
    return undefined;
  }
  /** Declares an SSA variable holding a scalar. */
  declareVar(name: string, type: ScalarType, mutable: boolean): VarId {
    const id = this.nextVar++;
    this.ssa.declare(id, irTypeOf(type), name);
    this.scopes[this.scopes.length - 1]!.set(name, { k: "var", id, type, mutable });
    return id;
  }
  /** A fresh unnamed SSA temporary (for merges of ternaries and `&&`/`||` values). */
  tempVar(type: ScalarType, name = "t"): VarId {
    const id = this.nextVar++;
    this.ssa.declare(id, irTypeOf(type), name);
    return id;
  }
  bindOperand(name: string, op: Operand): void {
    this.scopes[this.scopes.length - 1]!.set(name, { k: "operand", op, mutable: false });
  }
  writeVar(id: VarId, v: ValueId): void {
    if (this.cur !== null) this.ssa.write(id, this.cur, v);
  }
  readVar(id: VarId): ValueId {
    return this.ssa.read(id, this.cur!);
  }

  // ---- blocks and branches ---------------------------------------------------------------------

  newBlock(): BlockId {
    return this.b.addBlock([]);
  }
  /** Makes `block` current; a non-entry block without predecessors is dead and dropped. */
  enter(block: BlockId): void {
    if (block !== this.b.entry && this.ssa.predsOf(block).length === 0) {
      this.b.removeBlock(block);
      this.cur = null;
      return;
    }
    this.cur = block;
    this.b.switchTo(block);
  }
  emit(data: InstData, type: IrType | null, at: Node, name?: string): ValueId | null {
    if (this.cur === null) return null;
    return this.b.append(data, type, this.m.span(at), name);
  }
  val(data: InstData, type: IrType, at: Node, name?: string): ValueId {
    if (this.cur === null) {
      // Unreachable code still needs values to keep lowering total; emit into a throwaway block.
      const dead = this.b.addBlock([]);
      this.b.removeBlock(dead);
      this.b.switchTo(dead);
      const v = this.b.value(data, type, this.m.span(at), name);
      return v;
    }
    return this.b.value(data, type, this.m.span(at), name);
  }
  br(target: BlockId, at: Node): void {
    if (this.cur === null) return;
    this.b.append({ op: "br", target: { block: target, args: [] } }, null, this.m.span(at));
    this.ssa.addEdge(this.cur, target);
    this.cur = null;
  }
  condbr(cond: ValueId, t: BlockId, f: BlockId, at: Node): void {
    if (this.cur === null) return;
    this.b.append(
      { op: "condbr", cond, then: { block: t, args: [] }, else: { block: f, args: [] } },
      null,
      this.m.span(at),
    );
    this.ssa.addEdge(this.cur, t);
    this.ssa.addEdge(this.cur, f);
    this.cur = null;
  }
  /**
   * Lowers `then()` in a block entered when `cond` is `taken` (default true), joining the other
   * edge in a fresh block that becomes current.
   */
  guard(cond: ValueId, at: Node, then: () => void, taken = true): void {
    const thenBlock = this.newBlock();
    const join = this.newBlock();
    if (taken) this.condbr(cond, thenBlock, join, at);
    else this.condbr(cond, join, thenBlock, at);
    this.ssa.seal(thenBlock);
    this.enter(thenBlock);
    then();
    this.br(join, at);
    this.ssa.seal(join);
    this.enter(join);
  }
  span(at: Node): Span {
    return this.m.span(at);
  }

  // ---- scalars ---------------------------------------------------------------------------------

  iconst(type: IrType, value: bigint, at: Node): ValueId {
    return this.val({ op: "const", type, value }, type, at);
  }
  /** The address base+offset as one pointer value. */
  addr(base: ValueId, offset: number, at: Node): ValueId {
    if (offset === 0) return base;
    return this.val(
      { op: "ptradd", base, offset: this.iconst("i64", BigInt(offset), at) },
      "ptr",
      at,
    );
  }

  /** Normalises a bigint to a type's range (wrapping), for constant folding. */
  wrap(value: bigint, t: ScalarType): bigint {
    if (t.kind === "bool") return value !== 0n ? 1n : 0n;
    return t.signed ? BigInt.asIntN(t.bits, value) : BigInt.asUintN(t.bits, value);
  }

  /** True if a constant is representable in `t`. */
  fits(value: bigint, t: ScalarType): boolean {
    if (t.kind === "bool") return value === 0n || value === 1n;
    return this.wrap(value, t) === value;
  }

  /** The type an untyped constant takes without context. */
  defaultType(value: bigint): IntType {
    return this.fits(value, I64) ? I64 : U64;
  }

  /** The scalar type of an operand (untyped constants: their default type), or null. */
  scalarType(op: Operand): ScalarType | null {
    if (op.k === "val") return op.type;
    if (op.k === "const") return op.type ?? this.defaultType(op.value);
    if (op.k === "place" && isScalar(op.type)) return op.type;
    return null;
  }

  /** Loads a scalar place; other operands pass through. */
  rvalue(op: Operand, at: Node): Operand {
    if (op.k === "kfield") return readKernelField(this, op, at);
    if (op.k !== "place" || !isScalar(op.type)) return op;
    const t = op.type;
    const size = sizeOf(t) as 1 | 2 | 4 | 8;
    const signed = t.kind === "int" && t.signed && size < 4;
    const ir = irTypeOf(t);
    const v = this.val(
      { op: "load", type: ir, size, signed, base: op.base, offset: op.offset },
      ir,
      at,
    );
    return { k: "val", type: t, v };
  }

  /** Materialises a scalar operand as a register of its own type. */
  toReg(op: Operand, at: Node): { type: ScalarType; v: ValueId } | null {
    const r = this.rvalue(op, at);
    if (r.k === "val") return { type: r.type, v: r.v };
    if (r.k === "kptr") return { type: U64, v: r.v };
    if (r.k === "const") {
      const type = r.type ?? this.defaultType(r.value);
      return { type, v: this.iconst(irTypeOf(type), this.toIrConst(r.value, type), at) };
    }
    return null;
  }

  /** A constant in the IR's accepted range for the type's register. */
  toIrConst(value: bigint, t: ScalarType): bigint {
    const bits = irTypeOf(t) === "i64" ? 64 : 32;
    return BigInt.asIntN(bits, value);
  }

  /**
   * Converts `op` to `to` implicitly: lossless widening only (same signedness to a wider type, or
   * unsigned to a wider signed type); constants must fit. Reports TSB2001/TSB2003 otherwise.
   */
  coerce(op: Operand, to: ScalarType, at: Node): ValueId | null {
    const r0 = this.rvalue(op, at);
    if (r0.k === "error") return null;
    // A kernel pointer is its address wherever a u64 is expected.
    const r: Operand = r0.k === "kptr" ? { k: "val", type: U64, v: r0.v } : r0;
    if (r.k === "const") {
      if (r.type !== null && r.type.kind !== to.kind) {
        this.m.report("TSB2004", at, {
          type: typeName(r.type),
          expected: `expected ${typeName(to)}`,
        });
        return null;
      }
      if (!this.fits(r.value, to)) {
        this.m.report(
          "TSB2003",
          at,
          { value: r.value.toString(), type: typeName(to) },
          `${typeName(to)}(${at.getText()})`,
        );
        return null;
      }
      return this.iconst(irTypeOf(to), this.toIrConst(r.value, to), at);
    }
    if (r.k !== "val") {
      this.m.report("TSB2004", at, { type: describe(r), expected: `expected ${typeName(to)}` });
      return null;
    }
    const from = r.type;
    if (from.kind === "bool" || to.kind === "bool") {
      if (from.kind === to.kind) return r.v;
      this.m.report("TSB2004", at, {
        type: typeName(from),
        expected: `expected ${typeName(to)}${to.kind === "bool" ? " (compare with 0 to get a bool)" : ` (write ${typeName(to)}(...) to convert)`}`,
      });
      return null;
    }
    if (to.kind !== "int") return null;
    const lossless =
      from.bits === to.bits
        ? from.signed === to.signed
        : from.bits < to.bits && (from.signed === to.signed || !from.signed);
    if (!lossless) {
      this.m.report(
        "TSB2001",
        at,
        { from: typeName(from), to: typeName(to) },
        `${typeName(to)}(${at.getText()})`,
      );
      return null;
    }
    return this.convert(r.v, from, to, at);
  }

  /** Explicit conversion (C cast semantics: truncate, or zero/sign-extend by the source's sign). */
  convert(v: ValueId, from: ScalarType, to: ScalarType, at: Node): ValueId {
    const fromInt = from.kind === "bool" ? intOf(32, false) : from;
    if (to.kind === "bool") {
      const zero = this.iconst(irTypeOf(fromInt), 0n, at);
      const ne = this.val({ op: "icmp", cond: "ne", lhs: v, rhs: zero }, "i1", at);
      return this.val({ op: "zext", type: "i32", arg: ne }, "i32", at);
    }
    const fromIr = irTypeOf(fromInt);
    const toIr = irTypeOf(to);
    let x = v;
    if (fromIr === "i32" && toIr === "i64")
      x = this.val({ op: fromInt.signed ? "sext" : "zext", type: "i64", arg: x }, "i64", at);
    else if (fromIr === "i64" && toIr === "i32")
      x = this.val({ op: "trunc", type: "i32", arg: x }, "i32", at);
    return this.canonical(x, fromInt, to, at);
  }

  /**
   * A program's return value in r0 (i64): integers are converted explicitly, except that a signed
   * one of 32 bits or fewer is zero-extended when the kernel reads only the low half (`returnsInt`).
   */
  programResult(v: ValueId, from: ScalarType, at: Node): ValueId {
    const narrowSigned = from.kind === "int" && from.signed && from.bits <= 32;
    return this.convert(v, this.returnsInt && narrowSigned ? U32 : from, I64, at);
  }

  /** Re-extends the low `to.bits` of a register when `to` is narrower than its register. */
  canonical(v: ValueId, from: IntType, to: IntType, at: Node): ValueId {
    if (to.bits >= 32 || (to.bits >= from.bits && to.signed === from.signed)) return v;
    if (!to.signed) {
      return this.val(
        {
          op: "binary",
          binop: "and",
          lhs: v,
          rhs: this.iconst("i32", (1n << BigInt(to.bits)) - 1n, at),
        },
        "i32",
        at,
      );
    }
    const sh = this.iconst("i32", BigInt(32 - to.bits), at);
    const up = this.val({ op: "binary", binop: "shl", lhs: v, rhs: sh }, "i32", at);
    return this.val({ op: "binary", binop: "ashr", lhs: up, rhs: sh }, "i32", at);
  }

  /** Stores a scalar register of type `t` to a place. */
  storeScalar(place: { base: ValueId; offset: number }, t: ScalarType, v: ValueId, at: Node): void {
    this.emit(
      {
        op: "store",
        size: sizeOf(t) as 1 | 2 | 4 | 8,
        base: place.base,
        offset: place.offset,
        value: v,
      },
      null,
      at,
    );
  }

  /** Allocates a stack slot for a value of type `t` and returns its address. */
  stackSlot(t: TsbType, name: string, at: Node): ValueId {
    // Aggregates get the widest alignment their size can use (8 from 8 bytes up), so copies and
    // zero fills of them move 8 bytes at a time, as clang's stack objects do.
    const natural = Math.max(1, alignOf(t));
    const wide = isScalar(t)
      ? natural
      : Math.max(natural, 1 << Math.min(3, Math.floor(Math.log2(Math.max(1, sizeOf(t))))));
    const align = Math.min(8, wide) as 1 | 2 | 4 | 8;
    const slot = this.b.addStackSlot({ size: Math.max(1, sizeOf(t)), align, name });
    return this.val({ op: "stackslot", slot }, "ptr", at, name);
  }
}

/** A short description of an operand's kind for messages. */
export function describe(op: Operand): string {
  switch (op.k) {
    case "val":
      return typeName(op.type);
    case "const":
      return op.type ? typeName(op.type) : "integer constant";
    case "place":
      return typeName(op.type);
    case "ref":
      return `Ref<${typeName(op.target)}>`;
    case "null":
      return "null";
    case "map":
      return `map '${op.map.name}'`;
    case "ctx":
      return "program context";
    case "kptr":
      return `kernel pointer to ${op.name}`;
    case "kfield":
      return `kernel field '${op.chain}'`;
    case "void":
      return "void";
    case "error":
      return "error";
  }
}

export { BOOL };
