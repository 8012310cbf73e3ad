/**
 * A lazy reader of large BTF blobs (the kernel's /sys/kernel/btf/vmlinux, ~126k types in 5.5 MB):
 * one pass over the type section records each type's byte offset, kind and name offset in typed
 * arrays; names, members and parameters are decoded only when a lookup asks for them.
 *
 * Why not `decodeBtf` (unmarshal.ts): it materialises every type and string (several hundred
 * milliseconds on vmlinux), while a build needs one FUNC and its FUNC_PROTO and an attach one type
 * id. Consumers: the compiler's kernel prototypes (compiler/frontend/kernel-btf.ts) and the kernel
 * loader's attach targets (runtime/loader/kernel-btf.ts).
 *
 * Consumes BTF bytes (Documentation/bpf/btf.rst: header, type section, string section; either byte
 * order); produces type ids and small raw records. Malformed input raises `BtfError` naming the blob
 * (`source`) and what is wrong. No file access here (the front end also runs in a browser): Node
 * callers open files with `openBtfFile` (file.ts).
 */
import { BTF_HEADER_SIZE, BTF_MAGIC } from "./header.ts";
import { BtfError, BtfKindNumber, type BtfKind } from "./model.ts";

/** The fixed part of one type (`struct btf_type`), undecoded. */
export interface BtfRawType {
  readonly kind: number;
  readonly vlen: number;
  readonly kindFlag: boolean;
  /** `size` or `type`, by kind. */
  readonly type: number;
  /** Offset of the name in the string section. */
  readonly nameOff: number;
}

/** A member of a STRUCT/UNION or a parameter of a FUNC_PROTO, undecoded. */
export interface BtfRawMember {
  readonly nameOff: number;
  readonly type: number;
}

/** A STRUCT/UNION member with its position (`bitfieldSize` 0 for ordinary members). */
export interface BtfRawField {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

/** Longest typedef / qualifier chain `resolve` follows before reporting a loop. */
const MAX_CHAIN = 64;

const QUALIFIERS: ReadonlySet<number> = new Set([
  BtfKindNumber.typedef,
  BtfKindNumber.volatile,
  BtfKindNumber.const,
  BtfKindNumber.restrict,
  BtfKindNumber.type_tag,
]);

/** Bytes after the 12-byte `struct btf_type` of each kind (Documentation/bpf/btf.rst §2.2). */
function trailerBytes(kind: number, vlen: number): number | undefined {
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
      return undefined;
  }
}

/**
 * A type or field name without its `___flavor` suffix, as libbpf compares CO-RE candidates: cut at
 * the last `X___Y` where X and Y are not underscores (`task_struct___old` → `task_struct`).
 */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== "_" && name.startsWith("___", i + 1) && name[i + 4] !== "_")
      return name.slice(0, i + 1);
  }
  return name;
}

/** An indexed BTF blob; see the file comment. */
export class LazyBtf {
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly typeStart: number;
  private readonly strStart: number;
  private readonly strLen: number;
  /** Byte offset (from `typeStart`) of each type id; index 0 (void) unused. */
  private readonly offsets: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly nameOffs: Uint32Array;
  private readonly decoder = new TextDecoder();

  /** Indexes `bytes`; `source` names the blob in errors. Throws BtfError when malformed. */
  constructor(
    readonly bytes: Uint8Array,
    readonly source = "BTF",
  ) {
    if (bytes.length < BTF_HEADER_SIZE) throw new BtfError(`${source}: too short for a BTF header`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magicLe = this.view.getUint16(0, true);
    if (magicLe === BTF_MAGIC) this.le = true;
    else if (this.view.getUint16(0, false) === BTF_MAGIC) this.le = false;
    else throw new BtfError(`${source}: not BTF (magic 0x${magicLe.toString(16)}, want 0xeb9f)`);
    const hdrLen = this.u32(4);
    const typeLen = this.u32(12);
    this.strLen = this.u32(20);
    this.typeStart = hdrLen + this.u32(8);
    this.strStart = hdrLen + this.u32(16);
    if (
      hdrLen < BTF_HEADER_SIZE ||
      this.typeStart + typeLen > bytes.length ||
      this.strStart + this.strLen > bytes.length
    )
      throw new BtfError(`${source}: the header's sections extend past the end of the data`);
    const { offsets, kinds, nameOffs } = this.index(typeLen);
    this.offsets = offsets;
    this.kinds = kinds;
    this.nameOffs = nameOffs;
  }

  private u32(at: number): number {
    return this.view.getUint32(at, this.le);
  }

  /** The one pass over the type section. */
  private index(typeLen: number): {
    offsets: Int32Array;
    kinds: Uint8Array;
    nameOffs: Uint32Array;
  } {
    let cap = 1 << 16;
    let offsets = new Int32Array(cap);
    let kinds = new Uint8Array(cap);
    let nameOffs = new Uint32Array(cap);
    let id = 1;
    for (let off = 0; off < typeLen; id++) {
      if (off + 12 > typeLen) throw new BtfError(`${this.source}: truncated type ${id}`);
      if (id >= cap) {
        cap *= 2;
        const o = new Int32Array(cap);
        o.set(offsets);
        offsets = o;
        const k = new Uint8Array(cap);
        k.set(kinds);
        kinds = k;
        const n = new Uint32Array(cap);
        n.set(nameOffs);
        nameOffs = n;
      }
      const at = this.typeStart + off;
      const info = this.u32(at + 4);
      const kind = (info >>> 24) & 0x1f;
      const extra = trailerBytes(kind, info & 0xffff);
      if (kind === 0 || extra === undefined)
        throw new BtfError(`${this.source}: type ${id} has unknown kind ${kind}`);
      offsets[id] = off;
      kinds[id] = kind;
      nameOffs[id] = this.u32(at);
      off += 12 + extra;
    }
    return {
      offsets: offsets.subarray(0, id),
      kinds: kinds.subarray(0, id),
      nameOffs: nameOffs.subarray(0, id),
    };
  }

  /** Number of types, void included. */
  get typeCount(): number {
    return this.offsets.length;
  }

  /**
   * The first type of `kind` named `name`, or undefined. Finds the name's occurrences in the string
   * section (a byte search, no decoding), then the types whose name is at one of them.
   */
  find(kind: BtfKind | number, name: string): number | undefined {
    const k = typeof kind === "number" ? kind : BtfKindNumber[kind];
    const strs = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.strStart, this.strLen);
    const needle = Buffer.from(`${name}\0`);
    // Every place the string ends a NUL-terminated run is a candidate: a name offset may point into
    // the middle of a longer string that ends the same way.
    const candidates = new Set<number>();
    for (let at = strs.indexOf(needle); at >= 0; at = strs.indexOf(needle, at + 1))
      candidates.add(at);
    if (candidates.size === 0) return undefined;
    const { kinds, nameOffs } = this;
    for (let id = 1; id < kinds.length; id++) {
      if (kinds[id] === k && candidates.has(nameOffs[id]!)) return id;
    }
    return undefined;
  }

  /** The fixed part of type `id` (void for 0). */
  type(id: number): BtfRawType {
    if (id === 0) return { kind: 0, vlen: 0, kindFlag: false, type: 0, nameOff: 0 };
    const off = this.offsets[id];
    if (off === undefined) throw new BtfError(`${this.source}: reference to missing type ${id}`);
    const at = this.typeStart + off;
    const info = this.u32(at + 4);
    return {
      nameOff: this.u32(at),
      kind: (info >>> 24) & 0x1f,
      vlen: info & 0xffff,
      kindFlag: info >>> 31 === 1,
      type: this.u32(at + 8),
    };
  }

  /** The 4-byte word after the fixed part (INT encoding, VAR linkage, DECL_TAG component index). */
  word(id: number): number {
    return this.u32(this.typeStart + this.offsets[id]! + 12);
  }

  /** Members of a STRUCT/UNION or parameters of a FUNC_PROTO (names and types). */
  members(id: number): BtfRawMember[] {
    const t = this.type(id);
    const stride = t.kind === BtfKindNumber.func_proto ? 8 : 12;
    if (
      t.kind !== BtfKindNumber.func_proto &&
      t.kind !== BtfKindNumber.struct &&
      t.kind !== BtfKindNumber.union
    )
      throw new BtfError(`${this.source}: type ${id} has no members`);
    const base = this.typeStart + this.offsets[id]! + 12;
    const out: BtfRawMember[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const at = base + i * stride;
      out.push({ nameOff: this.u32(at), type: this.u32(at + 4) });
    }
    return out;
  }

  /** Members of a STRUCT/UNION with names, bit offsets and bitfield sizes (kind_flag encoding). */
  fields(id: number): BtfRawField[] {
    const t = this.type(id);
    if (t.kind !== BtfKindNumber.struct && t.kind !== BtfKindNumber.union)
      throw new BtfError(`${this.source}: type ${id} is not a struct or union`);
    const base = this.typeStart + this.offsets[id]! + 12;
    const out: BtfRawField[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const at = base + i * 12;
      const off = this.u32(at + 8);
      out.push({
        name: this.string(this.u32(at)),
        type: this.u32(at + 4),
        bitOffset: t.kindFlag ? off & 0xffffff : off,
        bitfieldSize: t.kindFlag ? off >>> 24 : 0,
      });
    }
    return out;
  }

  /** An ARRAY's element type, index type and element count. */
  array(id: number): { type: number; indexType: number; nelems: number } {
    if (this.type(id).kind !== BtfKindNumber.array)
      throw new BtfError(`${this.source}: type ${id} is not an array`);
    const at = this.typeStart + this.offsets[id]! + 12;
    return { type: this.u32(at), indexType: this.u32(at + 4), nelems: this.u32(at + 8) };
  }

  /** The enumerators of an ENUM or ENUM64 (values as bigints, signed per kind_flag). */
  enumValues(id: number): { name: string; value: bigint }[] {
    const t = this.type(id);
    const base = this.typeStart + this.offsets[id]! + 12;
    const out: { name: string; value: bigint }[] = [];
    if (t.kind === BtfKindNumber.enum) {
      for (let i = 0; i < t.vlen; i++) {
        const raw = this.u32(base + i * 8 + 4);
        out.push({
          name: this.string(this.u32(base + i * 8)),
          value: t.kindFlag ? BigInt(raw | 0) : BigInt(raw),
        });
      }
    } else if (t.kind === BtfKindNumber.enum64) {
      for (let i = 0; i < t.vlen; i++) {
        const at = base + i * 12;
        const v = (BigInt(this.u32(at + 8)) << 32n) | BigInt(this.u32(at + 4));
        out.push({ name: this.string(this.u32(at)), value: t.kindFlag ? BigInt.asIntN(64, v) : v });
      }
    } else throw new BtfError(`${this.source}: type ${id} is not an enum`);
    return out;
  }

  /** Byte size of a type (typedefs and qualifiers skipped; arrays multiply; pointers 8). */
  sizeOf(id: number): number {
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const r = this.resolve(id);
      const t = this.type(r);
      switch (t.kind) {
        case BtfKindNumber.int:
        case BtfKindNumber.struct:
        case BtfKindNumber.union:
        case BtfKindNumber.enum:
        case BtfKindNumber.enum64:
        case BtfKindNumber.float:
        case BtfKindNumber.datasec:
          return t.type;
        case BtfKindNumber.ptr:
          return 8;
        case BtfKindNumber.array: {
          const a = this.array(r);
          return a.nelems * this.sizeOf(a.type);
        }
        default:
          return 0;
      }
    }
    throw new BtfError(`${this.source}: type ${id} nests too deeply`);
  }

  /** Kind number of type `id` (0 for void). */
  kindOf(id: number): number {
    return id === 0 ? 0 : this.kinds[id]!;
  }

  /**
   * Ids of the named types whose essential name (the name without a `___flavor` suffix, as libbpf
   * compares CO-RE candidates) is `essential`, in id order. Indexed on first use.
   */
  byEssentialName(essential: string): readonly number[] {
    if (this.essential === undefined) {
      const m = new Map<string, number[]>();
      for (let id = 1; id < this.kinds.length; id++) {
        if (this.nameOffs[id] === 0) continue;
        const k = this.kinds[id]!;
        if (k === BtfKindNumber.func || k === BtfKindNumber.var || k === BtfKindNumber.decl_tag)
          continue;
        const n = essentialName(this.string(this.nameOffs[id]!));
        const list = m.get(n);
        if (list) list.push(id);
        else m.set(n, [id]);
      }
      this.essential = m;
    }
    return this.essential.get(essential) ?? [];
  }
  private essential: Map<string, number[]> | undefined;

  /** The name of type `id` ("" for anonymous types and void). */
  name(id: number): string {
    return id === 0 ? "" : this.string(this.type(id).nameOff);
  }

  /** Skips typedefs and qualifiers (const, volatile, restrict, type tags). */
  resolve(id: number): number {
    for (let hops = 0; hops < MAX_CHAIN; hops++) {
      const t = this.type(id);
      if (!QUALIFIERS.has(t.kind)) return id;
      id = t.type;
    }
    throw new BtfError(`${this.source}: a typedef/qualifier chain loops at type ${id}`);
  }

  /** The NUL-terminated string at `off` of the string section. */
  string(off: number): string {
    if (off >= this.strLen) throw new BtfError(`${this.source}: string offset ${off} out of range`);
    const start = this.strStart + off;
    const end = this.bytes.indexOf(0, start);
    const stop = end < 0 || end > this.strStart + this.strLen ? this.strStart + this.strLen : end;
    return this.decoder.decode(this.bytes.subarray(start, stop));
  }
}
