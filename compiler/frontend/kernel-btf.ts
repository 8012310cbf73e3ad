/**
 * Kernel function and tracepoint prototypes from kernel BTF (/sys/kernel/btf/vmlinux or a copy
 * given with `--btf`), for typing the arguments of fentry/fexit/kprobe/tp_btf programs the way
 * libbpf's BPF_PROG macro does with vmlinux.h.
 *
 * Reads through core/btf's lazy reader (`LazyBtf`: one indexing pass, then only the types a lookup
 * touches; a few milliseconds for vmlinux's ~126k types, `npm run bench:btf`); files are read through
 * the front end's host and cached per path (by the host's stamp) for the process.
 *
 * Produces `KernelPrototype` records: parameter names and `ArgType`s. Malformed input raises
 * `BtfError` with what is wrong; the caller turns it into a diagnostic. Output depends only on the
 * bytes, so compilation stays deterministic for a given BTF file.
 */
import { BtfError, BtfIntEncoding, BtfKindNumber, LazyBtf } from "../../core/btf/index.ts";
import type { FrontEndHost } from "./host.ts";

/** Where the running kernel publishes its BTF. */
export const DEFAULT_KERNEL_BTF = "/sys/kernel/btf/vmlinux";

/** The type of an argument or return value, as far as a u64 argument slot can carry it. */
export type ArgType =
  | { readonly kind: "int"; readonly bits: 8 | 16 | 32 | 64; readonly signed: boolean }
  | { readonly kind: "bool" }
  /** Any pointer: the program sees the address as a u64 (read through it with probeReadKernel). */
  | { readonly kind: "ptr" }
  /** A struct or union passed by value: `size` bytes over ceil(size / 8) slots. */
  | { readonly kind: "aggregate"; readonly size: number }
  | { readonly kind: "void" }
  /** Floats and anything else a BPF program cannot take as an integer. */
  | { readonly kind: "other" };

/** One parameter of a kernel prototype. */
export interface KernelParam {
  readonly name: string;
  readonly type: ArgType;
  /** The C spelling of its type, for messages (`struct file *`, `size_t`). */
  readonly cType: string;
}

/** A kernel function's or tracepoint's prototype. */
export interface KernelPrototype {
  readonly name: string;
  readonly params: readonly KernelParam[];
  readonly returns: ArgType;
  readonly returnCType: string;
}

/** Kernel prototypes over an indexed BTF blob. */
export class KernelBtf {
  constructor(readonly btf: LazyBtf) {}

  /** Number of types, void included. */
  get typeCount(): number {
    return this.btf.typeCount;
  }

  /** The prototype of kernel function `name` (a BTF FUNC), or null when there is none. */
  func(name: string): KernelPrototype | null {
    const id = this.btf.find("func", name);
    if (id === undefined) return null;
    const proto = this.btf.resolve(this.btf.type(id).type);
    if (this.btf.type(proto).kind !== BtfKindNumber.func_proto)
      throw new BtfError(`${this.btf.source}: FUNC '${name}' does not point at a FUNC_PROTO`);
    return this.prototype(name, proto, 0);
  }

  /**
   * The arguments of tracepoint `name` from `typedef void (*btf_trace_<name>)(void *__data, ...)`,
   * the declaration tp_btf and raw tracepoint programs are checked against; the leading `__data`
   * is dropped. Null when there is no such typedef.
   */
  tracepoint(name: string): KernelPrototype | null {
    const id = this.btf.find("typedef", `btf_trace_${name}`);
    if (id === undefined) return null;
    const ptr = this.btf.resolve(this.btf.type(id).type);
    const proto =
      this.btf.type(ptr).kind === BtfKindNumber.ptr ? this.btf.resolve(this.btf.type(ptr).type) : 0;
    if (this.btf.type(proto).kind !== BtfKindNumber.func_proto)
      throw new BtfError(`${this.btf.source}: btf_trace_${name} is not a pointer to a FUNC_PROTO`);
    return this.prototype(name, proto, 1);
  }

  /**
   * Member `member` of kernel struct `struct` (an ops struct such as `tcp_congestion_ops`), as
   * struct_ops sees it: a function pointer's prototype (the arguments of the program filling it),
   * or the member's byte offset and type id for data. Null when the struct or member is absent.
   */
  opsMember(
    struct: string,
    member: string,
  ):
    | {
        readonly kind: "func";
        readonly index: number;
        readonly offset: number;
        readonly proto: KernelPrototype;
      }
    | {
        readonly kind: "data";
        readonly index: number;
        readonly offset: number;
        readonly type: number;
      }
    | null {
    const id = this.btf.find("struct", struct);
    if (id === undefined) return null;
    const fields = this.btf.fields(id);
    const index = fields.findIndex((f) => f.name === member);
    if (index < 0) return null;
    const f = fields[index]!;
    const offset = f.bitOffset / 8;
    const t = this.btf.resolve(f.type);
    if (this.btf.type(t).kind === BtfKindNumber.ptr) {
      const to = this.btf.resolve(this.btf.type(t).type);
      if (this.btf.type(to).kind === BtfKindNumber.func_proto)
        return { kind: "func", index, offset, proto: this.prototype(`${struct}.${member}`, to, 0) };
    }
    return { kind: "data", index, offset, type: f.type };
  }

  private prototype(name: string, proto: number, skip: number): KernelPrototype {
    const params: KernelParam[] = [];
    const all = this.btf.members(proto);
    for (let i = skip; i < all.length; i++) {
      const { nameOff, type } = all[i]!;
      if (type === 0) break; // a trailing void parameter marks varargs
      params.push({
        name: this.btf.string(nameOff) || `arg${i - skip}`,
        type: this.argType(type),
        cType: this.cType(type),
      });
    }
    const ret = this.btf.type(proto).type;
    return { name, params, returns: this.argType(ret), returnCType: this.cType(ret) };
  }

  private argType(id: number): ArgType {
    const resolved = this.btf.resolve(id);
    const r = this.btf.type(resolved);
    switch (r.kind) {
      case BtfKindNumber.void:
        return { kind: "void" };
      case BtfKindNumber.ptr:
        return { kind: "ptr" };
      case BtfKindNumber.int: {
        const enc = (this.btf.word(resolved) >>> 24) & 0xf;
        if (enc & BtfIntEncoding.BOOL) return { kind: "bool" };
        return intType(r.type, (enc & BtfIntEncoding.SIGNED) !== 0);
      }
      case BtfKindNumber.enum:
      case BtfKindNumber.enum64:
        return intType(r.type, r.kindFlag);
      case BtfKindNumber.struct:
      case BtfKindNumber.union:
        return { kind: "aggregate", size: r.type };
      default:
        return { kind: "other" };
    }
  }

  /** A short C spelling of a type: `struct file *`, `size_t`, `const char *`. */
  private cType(id: number, depth = 0): string {
    const r = this.btf.type(id);
    const name = this.btf.name(id);
    if (depth > 8) return "...";
    switch (r.kind) {
      case BtfKindNumber.void:
        return "void";
      case BtfKindNumber.ptr:
        return `${this.cType(r.type, depth + 1)} *`;
      case BtfKindNumber.const:
        return `const ${this.cType(r.type, depth + 1)}`;
      case BtfKindNumber.volatile:
        return `volatile ${this.cType(r.type, depth + 1)}`;
      case BtfKindNumber.restrict:
      case BtfKindNumber.type_tag:
        return this.cType(r.type, depth + 1);
      case BtfKindNumber.struct:
        return `struct ${name || "(anon)"}`;
      case BtfKindNumber.union:
        return `union ${name || "(anon)"}`;
      case BtfKindNumber.enum:
      case BtfKindNumber.enum64:
        return `enum ${name || "(anon)"}`;
      case BtfKindNumber.func_proto:
        return "function";
      default:
        return name || "(anon)";
    }
  }
}

function intType(size: number, signed: boolean): ArgType {
  if (size === 1 || size === 2 || size === 4 || size === 8)
    return { kind: "int", bits: (size * 8) as 8 | 16 | 32 | 64, signed };
  return { kind: "other" };
}

const cache = new Map<string, { stamp: string; btf: KernelBtf }>();

/**
 * Loads and indexes the BTF at `source` (a path, read through `host`), reusing the index while the
 * host's stamp of the file is unchanged, or indexes the given bytes. Throws BtfError (malformed) or
 * the host's error (unreadable; `code: "ENOENT"` when absent).
 */
export function loadKernelBtf(source: string | Uint8Array, host: FrontEndHost): KernelBtf {
  if (typeof source !== "string") return new KernelBtf(new LazyBtf(source, "the given BTF"));
  const stamp = host.btfStamp(source);
  const hit = cache.get(source);
  if (hit && hit.stamp === stamp) return hit.btf;
  const btf = new KernelBtf(new LazyBtf(host.readBtf(source), source));
  cache.set(source, { stamp, btf });
  return btf;
}
