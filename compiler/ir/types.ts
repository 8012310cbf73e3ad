/**
 * The tsbpf SSA IR: plain data produced by the front end's lowering, transformed by the passes in
 * compiler/passes, consumed by instruction selection in compiler/target/bpf.
 *
 * Shape (Cranelift-style entity tables, QBE-style text): a `Func` holds arrays indexed by numeric ids —
 * `values` (every SSA value: an instruction result or a block parameter), `insts`, `blocks` — and a
 * separate `layout` (block order, and each block's instruction order), so passes can rewrite without
 * pointer surgery. SSA merges use **block parameters** rather than phi nodes: a branch passes arguments
 * to its target's parameters. Why: out-of-SSA becomes "parallel move at the branch", critical edges are
 * explicit, and passes never have to keep phi operand order in sync with predecessor order.
 *
 * Invariants (checked by compiler/ir/verify.ts after every pass in tests and debug builds):
 * - every value is defined exactly once (by one inst or as one block parameter) and every use is
 *   dominated by its definition;
 * - every block in `layout` ends with exactly one terminator, and only there;
 * - branch argument counts and types match the target's parameters;
 * - operand types match the opcode's signature (see compiler/ir/README.md for the table);
 * - the entry block is `layout[0]`; its parameters are the function's parameters.
 *
 * Types: integers are i1 (comparison results only), i8, i16, i32, i64 and `ptr` (a 64-bit address). The
 * IR is sign-agnostic like LLVM's: signedness lives in the operations (sdiv vs udiv, slt vs ult, sext vs
 * zext, signed loads). Arithmetic happens on i32 and i64 (the two widths eBPF computes in); i8/i16 appear
 * only as memory access sizes and as ext/trunc endpoints.
 */

/**
 * A CO-RE relocation of one constant: the root type (an id of `Module.kernelTypes`, the object's
 * local BTF), libbpf's access string (`0:12:3`) and the bpf_core_relo_kind number.
 */
export interface CoreReloRef {
  readonly typeId: number;
  readonly access: string;
  readonly kind: number;
}

/** Value types. */
export type IrType = "i1" | "i8" | "i16" | "i32" | "i64" | "ptr";

/** Numeric ids, distinct nominal types to avoid mixing them up. */
export type ValueId = number & { readonly __brand: "ValueId" };
export type InstId = number & { readonly __brand: "InstId" };
export type BlockId = number & { readonly __brand: "BlockId" };

/** A source position: every instruction carries one (diagnostics, BTF line_info). */
export interface Span {
  readonly file: string;
  /** 1-based line and column. */
  readonly line: number;
  readonly col: number;
}

/** Binary integer operations (both operands and the result share one type, i32 or i64). */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "udiv"
  | "sdiv"
  | "urem"
  | "srem"
  | "and"
  | "or"
  | "xor"
  | "shl"
  | "lshr"
  | "ashr";

/** Integer comparison conditions. */
export type Cond = "eq" | "ne" | "ult" | "ule" | "ugt" | "uge" | "slt" | "sle" | "sgt" | "sge";

/** Atomic read-modify-write operations on memory (map values, globals). */
export type AtomicOp = "add" | "or" | "and" | "xor" | "xchg";

/** A branch target with the arguments passed to its block parameters. */
export interface BlockCall {
  readonly block: BlockId;
  readonly args: readonly ValueId[];
}

/**
 * Instruction payloads, discriminated by `op`. Result-producing instructions have `result` set on the
 * `Inst` record; the types listed are the operand signatures the verifier enforces.
 */
export type InstData =
  /** Integer or pointer constant (ptr constants are only 0 = null). value is a two's-complement bigint. */
  | { readonly op: "const"; readonly type: IrType; readonly value: bigint }
  /**
   * A constant the loader rewrites for the target kernel (a CO-RE relocation, core/btf/core-relo.ts):
   * `value` is its value on the compile-time BTF; the backend materialises it with one `mov` that
   * carries the relocation. Never folded: its value is known only at load time.
   */
  | {
      readonly op: "coreconst";
      readonly type: IrType;
      readonly value: bigint;
      readonly relo: CoreReloRef;
    }
  | {
      readonly op: "binary";
      readonly binop: BinaryOp;
      readonly lhs: ValueId;
      readonly rhs: ValueId;
    }
  /** Result i1. Operands share a type (i32, i64 or ptr). */
  | { readonly op: "icmp"; readonly cond: Cond; readonly lhs: ValueId; readonly rhs: ValueId }
  /** cond is i1; result has the arms' type. */
  | {
      readonly op: "select";
      readonly cond: ValueId;
      readonly ifTrue: ValueId;
      readonly ifFalse: ValueId;
    }
  /** Width changes: zext/sext widen, trunc narrows (to any of i1..i64). */
  | { readonly op: "zext" | "sext" | "trunc"; readonly type: IrType; readonly arg: ValueId }
  /** Reinterpret between ptr and i64 (needed for printk %p, pointer differences). */
  | { readonly op: "ptrtoint" | "inttoptr"; readonly arg: ValueId }
  /** ptr + byte offset (i64, signed). Keeps pointer provenance for the verifier. */
  | { readonly op: "ptradd"; readonly base: ValueId; readonly offset: ValueId }
  /**
   * Load `size` bytes at base+offset (offset a constant, fits 16 bits signed); result type `type`
   * (i32 or i64, or ptr for size 8); `signed` sign-extends narrow loads.
   */
  | {
      readonly op: "load";
      readonly type: IrType;
      readonly size: 1 | 2 | 4 | 8;
      readonly signed: boolean;
      readonly base: ValueId;
      readonly offset: number;
    }
  | {
      readonly op: "store";
      readonly size: 1 | 2 | 4 | 8;
      readonly base: ValueId;
      readonly offset: number;
      readonly value: ValueId;
    }
  /** Atomic RMW of size 4 or 8; `fetch` returns the old value (result present only when fetch). */
  | {
      readonly op: "atomic";
      readonly atomic: AtomicOp;
      readonly size: 4 | 8;
      readonly base: ValueId;
      readonly offset: number;
      readonly value: ValueId;
      readonly fetch: boolean;
    }
  /** Compare-and-exchange of size 4 or 8: result = old value. */
  | {
      readonly op: "cmpxchg";
      readonly size: 4 | 8;
      readonly base: ValueId;
      readonly offset: number;
      readonly expected: ValueId;
      readonly value: ValueId;
    }
  /** Address of a fresh stack slot of `size` bytes (≤ 512 in total per frame), `align` ∈ 1,2,4,8. */
  | { readonly op: "stackslot"; readonly slot: number }
  /** Address of a map's handle (lddw BPF_PSEUDO_MAP_FD), for helper arguments. */
  | { readonly op: "mapref"; readonly map: string }
  /**
   * Address of a subprogram (lddw BPF_PSEUDO_FUNC), for helpers that take a callback (bpf_loop,
   * bpf_for_each_map_elem, ...); the callee is a function of the module without a section.
   */
  | { readonly op: "funcaddr"; readonly callee: string }
  /** Address of global data (lddw BPF_PSEUDO_MAP_VALUE): section's map plus the symbol's offset. */
  | { readonly op: "globaladdr"; readonly global: string; readonly offset: number }
  /** Helper call by kernel helper id; up to 5 args (i64/i32/ptr); result i64 (or ptr if declared so). */
  | {
      readonly op: "callhelper";
      readonly helper: number;
      readonly name: string;
      readonly args: readonly ValueId[];
    }
  /** BPF-to-BPF call to a function of this module. */
  | { readonly op: "call"; readonly callee: string; readonly args: readonly ValueId[] }
  /** Copy / fill `size` constant bytes (expanded by the backend into the widest aligned loads/stores). */
  | {
      readonly op: "memcpy";
      readonly dst: ValueId;
      readonly src: ValueId;
      readonly size: number;
      readonly align: number;
    }
  | {
      readonly op: "memset";
      readonly dst: ValueId;
      readonly byte: number;
      readonly size: number;
      readonly align: number;
    }
  // Terminators: the last instruction of every block, and only there.
  | { readonly op: "br"; readonly target: BlockCall }
  | {
      readonly op: "condbr";
      readonly cond: ValueId;
      readonly then: BlockCall;
      readonly else: BlockCall;
    }
  | { readonly op: "ret"; readonly value: ValueId | null }
  | { readonly op: "unreachable" };

/** Opcodes that end a block. */
export const TERMINATORS: ReadonlySet<InstData["op"]> = new Set([
  "br",
  "condbr",
  "ret",
  "unreachable",
]);

/** One instruction: its payload, its result value (if any) and where it came from. */
export interface Inst {
  readonly data: InstData;
  readonly result: ValueId | null;
  readonly span: Span;
}

/** Where a value comes from. */
export type ValueDef =
  | { readonly kind: "inst"; readonly inst: InstId }
  | { readonly kind: "param"; readonly block: BlockId; readonly index: number };

export interface Value {
  readonly type: IrType;
  readonly def: ValueDef;
  /** Optional source-level name (`pid`, `n`) for readable IR and debugging. */
  readonly name?: string;
}

export interface Block {
  readonly params: readonly ValueId[];
}

/** A stack slot of the frame. Offsets are assigned by the backend's frame layout, not here. */
export interface StackSlot {
  readonly size: number;
  readonly align: 1 | 2 | 4 | 8;
  /** Source-level name for messages (`key`, `event`). */
  readonly name?: string;
}

/** One function: a program (entry point) or a local subprogram. */
export interface Func {
  readonly name: string;
  /** Program section (`xdp`, `tracepoint/syscalls/sys_enter_openat`); null for subprograms. */
  readonly section: string | null;
  readonly params: readonly IrType[];
  /** Result type, or null for void (programs always return i64 or i32). */
  readonly returns: IrType | null;
  readonly values: readonly Value[];
  readonly insts: readonly Inst[];
  readonly blocks: readonly Block[];
  readonly stackSlots: readonly StackSlot[];
  /** Block order (entry first) and each block's instruction order. */
  readonly layout: readonly { readonly block: BlockId; readonly insts: readonly InstId[] }[];
  readonly span: Span;
  /** BTF type id of the function prototype, filled by the BTF builder (0 = none). */
  readonly btfProtoName?: string;
}

/** A map declared at top level. */
export interface MapDecl {
  readonly name: string;
  /** Kernel map type name: "hash", "array", "percpu_array", "ringbuf", ... */
  readonly kind: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Source types of key/value for BTF (references into `Module.types`), or null. */
  readonly keyType: TypeRef | null;
  readonly valueType: TypeRef | null;
  /** The histogram the map counts (stdlib `histogram` option), or null; travels as a BTF decl tag. */
  readonly histogram: MapHistogram | null;
  /**
   * Initial values (libbpf `.values`): per slot, the program (prog array) or map (map of maps) it
   * holds, or null; absent when the map starts empty.
   */
  readonly values?: readonly (string | null)[];
  /** libbpf's `pinning` (1 = LIBBPF_PIN_BY_NAME: pinned under the pin root by its name); absent = 0. */
  readonly pinning?: number;
  /** A map of maps' inner map template (libbpf `__array(values, struct inner)`); absent otherwise. */
  readonly inner?: MapTemplate;
  readonly span: Span;
}

/** The inner map template of a map of maps: what every map it holds has (names no map of its own). */
export type MapTemplate = Pick<
  MapDecl,
  "kind" | "keySize" | "valueSize" | "maxEntries" | "flags" | "keyType" | "valueType"
>;

/** A histogram shape: log2 slots, or linear buckets of `step` from `min`. */
export type MapHistogram =
  | { readonly kind: "log2" }
  | { readonly kind: "linear"; readonly min: bigint; readonly step: bigint };

/** A global variable (`let` → .bss/.data, `const` → .rodata), or a constant string (printk formats). */
export interface GlobalDecl {
  readonly name: string;
  readonly section: ".bss" | ".data" | ".rodata";
  readonly size: number;
  readonly align: number;
  /** Initial bytes (all zero for .bss). */
  readonly init: Uint8Array;
  readonly type: TypeRef | null;
  /**
   * File-local (STB_LOCAL symbol, static BTF VAR), as clang makes bpf_printk's `static const char
   * ____fmt[]`: compiler-made globals never clash when objects are linked together.
   */
  readonly isStatic?: boolean;
  readonly span: Span;
}

/**
 * Source-level types, kept for BTF emission (map key/value, struct layouts, function prototypes).
 * Layout follows C rules (natural alignment, padding), computed by the front end.
 */
export type SourceType =
  | {
      readonly kind: "int";
      readonly name: string;
      readonly bits: 8 | 16 | 32 | 64;
      readonly signed: boolean;
      /** Emitted as a BTF typedef of this name over the int (`ipv4_addr`, core/btf/address-types.ts). */
      readonly typedef?: string;
    }
  | { readonly kind: "bool" }
  | {
      readonly kind: "array";
      readonly element: TypeRef;
      readonly length: number;
      /** Emitted as a BTF typedef of this name over the array (`ipv6_addr`). */
      readonly typedef?: string;
    }
  | {
      readonly kind: "struct";
      readonly name: string;
      readonly size: number;
      readonly align: number;
      readonly fields: readonly {
        readonly name: string;
        readonly type: TypeRef;
        readonly offset: number;
      }[];
    }
  | { readonly kind: "ptr"; readonly target: TypeRef | null };

/** Index into `Module.types`. */
export type TypeRef = number;

/** A whole compilation unit. */
export interface Module {
  readonly source: string;
  readonly functions: readonly Func[];
  readonly maps: readonly MapDecl[];
  readonly globals: readonly GlobalDecl[];
  readonly types: readonly SourceType[];
  readonly license: string;
  /**
   * Kernel types copied from the compile-time BTF for CO-RE (compiler/frontend/kernel-types.ts):
   * index = BTF id in the object (the module's BTF starts from them); [0] is void. Absent when the
   * module reads no kernel struct.
   */
  readonly kernelTypes?: readonly import("../../core/btf/model.ts").BtfType[];
  /** struct_ops maps (`structOps(...)`, compiler/frontend/struct-ops.ts), in declaration order. */
  readonly structOps?: readonly StructOpsDecl[];
}

/**
 * A struct_ops map: one variable of kernel ops struct type in `.struct_ops` or `.struct_ops.link`,
 * as libbpf reads it (bpf_object__init_struct_ops): its bytes in the kernel's layout, and the
 * program each function-pointer member holds (an R_BPF_64_ABS64 relocation at the member).
 */
export interface StructOpsDecl {
  /** The variable, and so the map's name. */
  readonly name: string;
  /** The kernel struct (`tcp_congestion_ops`). */
  readonly struct: string;
  readonly section: ".struct_ops" | ".struct_ops.link";
  /** BTF id of the struct's copy in the object (an index of `Module.kernelTypes`). */
  readonly typeId: number;
  /** Initial bytes: data members filled, function pointers zero. */
  readonly data: Uint8Array;
  /** Function-pointer members: byte offset in `data` and the program's name. */
  readonly funcs: readonly { readonly offset: number; readonly program: string }[];
}
