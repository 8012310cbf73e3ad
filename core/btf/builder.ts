/**
 * An incremental BTF builder for the compiler: add types, get ids back, `build()` a plain `Btf`.
 *
 * Consumes calls in any order; produces a `Btf` whose ids are assigned in call order starting at 1.
 * Structurally identical ints, pointers, arrays, modifiers, typedefs, func protos and floats are stored
 * once (same call → same id), which keeps compiler output small and deterministic. Recursive types are
 * built with `reserve()` then `define()`. Strings are interned at encode time (`encodeBtf`).
 */
import {
  BtfError,
  BtfIntEncoding,
  BtfLinkage,
  type Btf,
  type BtfMember,
  type BtfParam,
  type BtfType,
  type BtfVarSecinfo,
} from "./model.ts";

/** A struct/union member as given to the builder (`bitfieldSize` defaults to 0). */
export interface BtfMemberSpec {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitfieldSize?: number;
}

const DEDUP_KINDS = new Set([
  "int",
  "ptr",
  "array",
  "typedef",
  "const",
  "volatile",
  "restrict",
  "func_proto",
  "float",
]);

/** Builds BTF type by type. */
export class BtfBuilder {
  private readonly types: (BtfType | undefined)[] = [{ kind: "void" }];
  private readonly seen = new Map<string, number>();
  private arrayIndexType = 0;

  /** Starts empty, or from the types of `base` (their ids are kept; new types get the next ids). */
  constructor(base?: Btf) {
    if (base) {
      if (base.types[0]?.kind !== "void") throw new BtfError("base BTF must start with void");
      for (let id = 1; id < base.types.length; id++) {
        const t = base.types[id]!;
        this.types.push(t);
        if (DEDUP_KINDS.has(t.kind)) {
          const key = JSON.stringify(t);
          if (!this.seen.has(key)) this.seen.set(key, id);
        }
        if (t.kind === "int" && t.name === "__ARRAY_SIZE_TYPE__" && this.arrayIndexType === 0)
          this.arrayIndexType = id;
      }
    }
  }

  /** Replaces the type with id `id` (e.g. to fix a DATASEC's sizes after layout). */
  replace(id: number, t: BtfType): void {
    if (id <= 0 || id >= this.types.length) throw new BtfError(`type id ${id} is out of range`);
    this.types[id] = t;
  }

  /** The type with id `id` (undefined while reserved). */
  get(id: number): BtfType | undefined {
    return this.types[id];
  }

  /** Adds any type record (deduplicated for the kinds listed above); returns its id. */
  add(t: BtfType): number {
    if (t.kind === "void") return 0;
    const key = DEDUP_KINDS.has(t.kind) ? JSON.stringify(t) : undefined;
    if (key !== undefined) {
      const hit = this.seen.get(key);
      if (hit !== undefined) return hit;
    }
    const id = this.types.length;
    this.types.push(t);
    if (key !== undefined) this.seen.set(key, id);
    return id;
  }

  /** Reserves an id for a type defined later with `define()` (for self-referencing structs). */
  reserve(): number {
    this.types.push(undefined);
    return this.types.length - 1;
  }

  /** Defines a reserved id. */
  define(id: number, t: BtfType): number {
    if (this.types[id] !== undefined || id >= this.types.length)
      throw new BtfError(`type id ${id} was not reserved`);
    this.types[id] = t;
    return id;
  }

  /** An integer type of `size` bytes. */
  int(
    name: string,
    size: number,
    opts: { signed?: boolean; char?: boolean; bool?: boolean } = {},
  ): number {
    const encoding =
      (opts.signed ? BtfIntEncoding.SIGNED : 0) |
      (opts.char ? BtfIntEncoding.CHAR : 0) |
      (opts.bool ? BtfIntEncoding.BOOL : 0);
    return this.add({ kind: "int", name, size, encoding, bitOffset: 0, bits: size * 8 });
  }

  /** A pointer to `type`. */
  ptr(type: number): number {
    return this.add({ kind: "ptr", name: "", type });
  }

  /** `type[nelems]`; the index type is clang's `__ARRAY_SIZE_TYPE__` (a 4-byte int), added on first use. */
  array(type: number, nelems: number): number {
    if (this.arrayIndexType === 0) this.arrayIndexType = this.int("__ARRAY_SIZE_TYPE__", 4);
    return this.add({ kind: "array", type, indexType: this.arrayIndexType, nelems });
  }

  /** A struct; members with a bitfield size switch on kind_flag. */
  struct(name: string, size: number, members: readonly BtfMemberSpec[]): number {
    return this.add(this.composite("struct", name, size, members));
  }

  /** A union. */
  union(name: string, size: number, members: readonly BtfMemberSpec[]): number {
    return this.add(this.composite("union", name, size, members));
  }

  /** The record of a struct/union, for `define()` after `reserve()`. */
  composite(
    kind: "struct" | "union",
    name: string,
    size: number,
    members: readonly BtfMemberSpec[],
  ): BtfType {
    const ms: BtfMember[] = members.map((m) => ({
      name: m.name,
      type: m.type,
      bitOffset: m.bitOffset,
      bitfieldSize: m.bitfieldSize ?? 0,
    }));
    return { kind, name, size, members: ms, kindFlag: ms.some((m) => m.bitfieldSize !== 0) };
  }

  /** A 4-byte enum. */
  enum(name: string, values: readonly { name: string; value: number }[], signed = false): number {
    return this.add({ kind: "enum", name, size: 4, signed, values });
  }

  /** `typedef type name`. */
  typedef(name: string, type: number): number {
    return this.add({ kind: "typedef", name, type });
  }

  /** `const type`. */
  const(type: number): number {
    return this.add({ kind: "const", name: "", type });
  }

  /** `volatile type`. */
  volatile(type: number): number {
    return this.add({ kind: "volatile", name: "", type });
  }

  /** A function signature; params named (names may be ""). */
  funcProto(returnType: number, params: readonly BtfParam[]): number {
    return this.add({
      kind: "func_proto",
      returnType,
      params: params.map((p) => ({ name: p.name, type: p.type })),
    });
  }

  /** A function of prototype `proto` (global linkage by default, as for programs). */
  func(name: string, proto: number, linkage: number = BtfLinkage.GLOBAL): number {
    return this.add({ kind: "func", name, type: proto, linkage });
  }

  /** A variable (global linkage by default). */
  var(name: string, type: number, linkage: number = BtfLinkage.GLOBAL): number {
    return this.add({ kind: "var", name, type, linkage });
  }

  /** A data section holding `vars`. */
  datasec(name: string, size: number, vars: readonly BtfVarSecinfo[]): number {
    return this.add({ kind: "datasec", name, size, vars: vars.map((x) => ({ ...x })) });
  }

  /** A forward declaration. */
  fwd(name: string, isUnion = false): number {
    return this.add({ kind: "fwd", name, isUnion });
  }

  /** A float type. */
  float(name: string, size: number): number {
    return this.add({ kind: "float", name, size });
  }

  /** Number of ids assigned so far (including void). */
  get count(): number {
    return this.types.length;
  }

  /** The plain model. Throws if a reserved id was never defined. */
  build(): Btf {
    const types = this.types.map((t, id) => {
      if (t === undefined) throw new BtfError(`type id ${id} was reserved but never defined`);
      return t;
    });
    return { types };
  }
}
