/**
 * A fast, name-indexed reader of kernel BTF (/sys/kernel/btf/vmlinux or a copy given with `--btf`),
 * for typing the arguments of fentry/fexit/kprobe/tp_btf programs the way libbpf's BPF_PROG macro
 * does with vmlinux.h.
 *
 * Why not core/btf's `decodeBtf`: it materialises every one of vmlinux's ~150k types and strings
 * (about a second); a build needs one FUNC and its FUNC_PROTO. This file walks the type section once
 * to record each type's byte offset (an Int32Array) and the name offsets of FUNC and TYPEDEF types,
 * then decodes only the types a lookup touches. Loading the 5.5 MB vmlinux blob and indexing it takes
 * tens of milliseconds; loads are cached per path (by size and mtime) for the process.
 *
 * Consumes BTF bytes (Documentation/bpf/btf.rst: header, type section, string section, either byte
 * order); produces `KernelPrototype` records: parameter names and `ArgType`s. Malformed input raises
 * `BtfError` with what is wrong; the caller turns it into a diagnostic. Output depends only on the
 * bytes, so compilation stays deterministic for a given BTF file.
 */
import type { FrontEndHost } from "./host.ts";
import { BtfError, BtfIntEncoding, BtfKindNumber } from "../../core/btf/model.ts";

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

const HEADER_MIN = 24;
const MAX_CHAIN = 64;

/** An indexed BTF blob. */
export class KernelBtf {
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly typeStart: number;
  private readonly strStart: number;
  private readonly strLen: number;
  /** Byte offset (from `typeStart`) of each type id; index 0 unused (void). */
  private readonly offsets: Int32Array;
  private readonly funcs = new Map<number, number>();
  private readonly typedefs = new Map<number, number>();

  /** Indexes `bytes`; `source` names the blob in errors. Throws BtfError when malformed. */
  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    if (bytes.length < HEADER_MIN) throw new BtfError(`${source}: too short for a BTF header`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magicLe = this.view.getUint16(0, true);
    if (magicLe === 0xeb9f) this.le = true;
    else if (this.view.getUint16(0, false) === 0xeb9f) this.le = false;
    else throw new BtfError(`${source}: not BTF (magic 0x${magicLe.toString(16)}, want 0xeb9f)`);
    const hdrLen = this.u32(4);
    const typeOff = this.u32(8);
    const typeLen = this.u32(12);
    const strOff = this.u32(16);
    this.strLen = this.u32(20);
    this.typeStart = hdrLen + typeOff;
    this.strStart = hdrLen + strOff;
    if (
      hdrLen < HEADER_MIN ||
      this.typeStart + typeLen > bytes.length ||
      this.strStart + this.strLen > bytes.length
    )
      throw new BtfError(`${source}: the header's sections extend past the end of the file`);
    this.offsets = this.index(typeLen);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, this.le);
  }

  /** One pass over the type section: offsets of every type, name offsets of FUNCs and TYPEDEFs. */
  private index(typeLen: number): Int32Array {
    let offsets = new Int32Array(1 << 16);
    let id = 1;
    let off = 0;
    while (off < typeLen) {
      if (off + 12 > typeLen) throw new BtfError(`${this.source}: truncated type ${id}`);
      if (id >= offsets.length) {
        const grown = new Int32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[id] = off;
      const nameOff = this.u32(this.typeStart + off);
      const info = this.u32(this.typeStart + off + 4);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      if (kind === BtfKindNumber.func) this.funcs.set(nameOff, id);
      else if (kind === BtfKindNumber.typedef) this.typedefs.set(nameOff, id);
      off += 12 + extraBytes(kind, vlen, this.source, id);
      id++;
    }
    return offsets.subarray(0, id);
  }

  /** Number of types, void included. */
  get typeCount(): number {
    return this.offsets.length;
  }

  /** The prototype of kernel function `name` (a BTF FUNC), or null when there is none. */
  func(name: string): KernelPrototype | null {
    const id = this.byName(this.funcs, name);
    if (id === null) return null;
    const proto = this.resolve(this.record(id).type);
    if (this.record(proto).kind !== BtfKindNumber.func_proto)
      throw new BtfError(`${this.source}: FUNC '${name}' does not point at a FUNC_PROTO`);
    return this.prototype(name, proto, 0);
  }

  /**
   * The arguments of tracepoint `name` from `typedef void (*btf_trace_<name>)(void *__data, ...)`,
   * the declaration tp_btf and raw tracepoint programs are checked against; the leading `__data`
   * is dropped. Null when there is no such typedef.
   */
  tracepoint(name: string): KernelPrototype | null {
    const id = this.byName(this.typedefs, `btf_trace_${name}`);
    if (id === null) return null;
    const ptr = this.resolve(this.record(id).type);
    const proto =
      this.record(ptr).kind === BtfKindNumber.ptr ? this.resolve(this.record(ptr).type) : 0;
    if (this.record(proto).kind !== BtfKindNumber.func_proto)
      throw new BtfError(`${this.source}: btf_trace_${name} is not a pointer to a FUNC_PROTO`);
    return this.prototype(name, proto, 1);
  }

  private prototype(name: string, proto: number, skip: number): KernelPrototype {
    const r = this.record(proto);
    const params: KernelParam[] = [];
    for (let i = skip; i < r.vlen; i++) {
      const at = this.typeStart + this.offsets[proto]! + 12 + i * 8;
      const type = this.u32(at + 4);
      if (type === 0) break; // a trailing void parameter marks varargs
      params.push({
        name: this.string(this.u32(at)) || `arg${i - skip}`,
        type: this.argType(type),
        cType: this.cType(type),
      });
    }
    return { name, params, returns: this.argType(r.type), returnCType: this.cType(r.type) };
  }

  /** The id of the type named `name` in `table` (name offset → id), or null. */
  private byName(table: ReadonlyMap<number, number>, name: string): number | null {
    const needle = new TextEncoder().encode(`${name}\0`);
    const strs = this.bytes.subarray(this.strStart, this.strStart + this.strLen);
    // Every place the string ends a NUL-terminated run is a candidate name offset.
    for (let at = indexOf(strs, needle, 0); at >= 0; at = indexOf(strs, needle, at + 1)) {
      const id = table.get(at);
      if (id !== undefined) return id;
    }
    return null;
  }

  private record(id: number): {
    kind: number;
    vlen: number;
    kindFlag: boolean;
    type: number;
    name: number;
  } {
    if (id === 0) return { kind: 0, vlen: 0, kindFlag: false, type: 0, name: 0 };
    const off = this.offsets[id];
    if (off === undefined) throw new BtfError(`${this.source}: reference to missing type ${id}`);
    const at = this.typeStart + off;
    const info = this.u32(at + 4);
    return {
      name: this.u32(at),
      kind: (info >>> 24) & 0x1f,
      vlen: info & 0xffff,
      kindFlag: info >>> 31 === 1,
      type: this.u32(at + 8),
    };
  }

  /** Skips typedefs and qualifiers (const, volatile, restrict, type tags). */
  private resolve(id: number): number {
    for (let hops = 0; hops < MAX_CHAIN; hops++) {
      const r = this.record(id);
      if (!QUALIFIERS.has(r.kind)) return id;
      id = r.type;
    }
    throw new BtfError(`${this.source}: a typedef/qualifier chain loops at type ${id}`);
  }

  private argType(id: number): ArgType {
    const r = this.record(this.resolve(id));
    switch (r.kind) {
      case BtfKindNumber.void:
        return { kind: "void" };
      case BtfKindNumber.ptr:
        return { kind: "ptr" };
      case BtfKindNumber.int: {
        const enc = (this.u32(this.typeStart + this.offsets[this.resolve(id)]! + 12) >>> 24) & 0xf;
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
    const r = this.record(id);
    const name = this.string(r.name);
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

  private string(off: number): string {
    if (off >= this.strLen) throw new BtfError(`${this.source}: string offset ${off} out of range`);
    const start = this.strStart + off;
    let end = start;
    while (end < this.strStart + this.strLen && this.bytes[end] !== 0) end++;
    return new TextDecoder().decode(this.bytes.subarray(start, end));
  }
}

const QUALIFIERS: ReadonlySet<number> = new Set([
  BtfKindNumber.typedef,
  BtfKindNumber.volatile,
  BtfKindNumber.const,
  BtfKindNumber.restrict,
  BtfKindNumber.type_tag,
]);

function intType(size: number, signed: boolean): ArgType {
  if (size === 1 || size === 2 || size === 4 || size === 8)
    return { kind: "int", bits: (size * 8) as 8 | 16 | 32 | 64, signed };
  return { kind: "other" };
}

/** Bytes after the 12-byte `struct btf_type` for each kind (Documentation/bpf/btf.rst §2.2). */
function extraBytes(kind: number, vlen: number, source: string, id: number): number {
  switch (kind) {
    case BtfKindNumber.int:
    case BtfKindNumber.var:
    case BtfKindNumber.decl_tag:
      return 4;
    case BtfKindNumber.array:
      return 12;
    case BtfKindNumber.struct:
    case BtfKindNumber.union:
    case BtfKindNumber.datasec:
    case BtfKindNumber.enum64:
      return 12 * vlen;
    case BtfKindNumber.enum:
    case BtfKindNumber.func_proto:
      return 8 * vlen;
    case BtfKindNumber.ptr:
    case BtfKindNumber.fwd:
    case BtfKindNumber.typedef:
    case BtfKindNumber.volatile:
    case BtfKindNumber.const:
    case BtfKindNumber.restrict:
    case BtfKindNumber.func:
    case BtfKindNumber.float:
    case BtfKindNumber.type_tag:
      return 0;
    default:
      throw new BtfError(`${source}: type ${id} has unknown kind ${kind}`);
  }
}

/** `Buffer.indexOf` over a Uint8Array (no copy). */
function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}

const cache = new Map<string, { stamp: string; btf: KernelBtf }>();

/**
 * Loads and indexes the BTF at `source` (a path, read through `host`), reusing the index while the
 * host's stamp of the file is unchanged, or indexes the given bytes. Throws BtfError (malformed) or
 * the host's error (unreadable; `code: "ENOENT"` when absent).
 */
export function loadKernelBtf(source: string | Uint8Array, host: FrontEndHost): KernelBtf {
  if (typeof source !== "string") return new KernelBtf(source, "the given BTF");
  const stamp = host.btfStamp(source);
  const hit = cache.get(source);
  if (hit && hit.stamp === stamp) return hit.btf;
  const btf = new KernelBtf(host.readBtf(source), source);
  cache.set(source, { stamp, btf });
  return btf;
}
