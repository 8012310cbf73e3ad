/**
 * Kernel struct types for CO-RE field access, read from the compile-time kernel BTF (the running
 * kernel's /sys/kernel/btf/vmlinux or `--btf FILE`), and the *local* copies of them that go into the
 * object's BTF, which CO-RE relocation records refer to (as clang copies the vmlinux.h types a
 * program uses into its `.BTF`).
 *
 * Consumes a `LazyBtf`; produces BTF ids of the compile-time BTF, member lookups (through anonymous
 * structs/unions, the way C finds `sk->skc_daddr`), access paths, and a plain `BtfType[]` table of
 * local types (index = BTF id in the object, since the module's BTF builder starts from it).
 * Copies are deterministic for given BTF bytes: a struct reached by value is copied whole; one
 * reached only through a pointer becomes a forward declaration (libbpf only needs the pointee when
 * a later relocation is rooted at it, and then it is copied whole); function pointers become
 * `void *` (with their prototypes for a struct_ops type, `localOps`); type tags are dropped.
 */
import {
  BtfIntEncoding,
  BtfKindNumber,
  essentialName,
  type BtfMember,
  type BtfType,
  type LazyBtf,
} from "../../core/btf/index.ts";

/** A member found by name: the raw member indexes from the struct to it, its type and position. */
export interface KernelMember {
  /** Member indexes, through anonymous members, ending at the named one. */
  readonly path: readonly number[];
  readonly type: number;
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

const COMPOSITE = new Set<number>([BtfKindNumber.struct, BtfKindNumber.union]);

/** Edit distance for "did you mean" lists. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

/** Kernel types of one compilation and their local copies. */
export class KernelTypes {
  /** Local types: index = object BTF id; [0] is void. */
  readonly table: BtfType[] = [{ kind: "void" }];
  private readonly full = new Map<string, number>();
  private readonly fwd = new Map<number, number>();

  constructor(
    readonly btf: LazyBtf,
    /** Where the BTF came from, for messages. */
    readonly source: string,
  ) {}

  /**
   * The struct or union (or, with `kinds`, other named type) called `name`: the exact name first,
   * then, for a `___flavor` name, the type of its essential name. Undefined when there is none.
   */
  find(
    name: string,
    kinds: readonly number[] = [BtfKindNumber.struct, BtfKindNumber.union],
  ): number | undefined {
    for (const k of kinds) {
      const id = this.btf.find(k, name);
      if (id !== undefined) return id;
    }
    const ess = essentialName(name);
    if (ess !== name) return this.find(ess, kinds);
    return undefined;
  }

  /** Member `name` of composite `id`, searching anonymous members as C does; null when absent. */
  member(id: number, name: string, depth = 0): KernelMember | null {
    if (depth > 32) return null;
    const fields = this.btf.fields(id);
    for (let i = 0; i < fields.length; i++) {
      const m = fields[i]!;
      if (m.name === name)
        return { path: [i], type: m.type, bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize };
      if (m.name === "") {
        const inner = this.btf.resolve(m.type);
        if (!COMPOSITE.has(this.btf.kindOf(inner))) continue;
        const hit = this.member(inner, name, depth + 1);
        if (hit) return { ...hit, path: [i, ...hit.path], bitOffset: hit.bitOffset + m.bitOffset };
      }
    }
    return null;
  }

  /** Every field name reachable from `id` as C sees them (anonymous members flattened). */
  fieldNames(id: number, depth = 0): string[] {
    if (depth > 32) return [];
    return this.btf.fields(id).flatMap((m) => {
      if (m.name !== "") return [m.name];
      const inner = this.btf.resolve(m.type);
      return COMPOSITE.has(this.btf.kindOf(inner)) ? this.fieldNames(inner, depth + 1) : [];
    });
  }

  /** Up to `n` field names of `id` nearest to `name` (for "no such field" messages). */
  nearest(id: number, name: string, n = 4): string[] {
    return this.fieldNames(id)
      .map((f) => ({ f, d: distance(f.toLowerCase(), name.toLowerCase()) }))
      .sort((a, b) => a.d - b.d || a.f.localeCompare(b.f))
      .slice(0, n)
      .map((x) => x.f);
  }

  /** `struct task_struct`, `union (anon)`, `pid_t`. */
  label(id: number): string {
    const k = this.btf.kindOf(id);
    const n = this.btf.name(id) || "(anon)";
    if (k === BtfKindNumber.struct) return `struct ${n}`;
    if (k === BtfKindNumber.union) return `union ${n}`;
    if (k === BtfKindNumber.enum || k === BtfKindNumber.enum64) return `enum ${n}`;
    return n;
  }

  /**
   * The local (object BTF) id of compile-time type `id`, copied whole; `asName` renames a root
   * struct (a `___flavor` name the program used).
   */
  local(id: number, asName?: string): number {
    return this.copy(id, false, asName);
  }

  /** Copies keep function pointers' prototypes (`localOps`), not `void *`. */
  private protos = false;

  /**
   * The local id of struct_ops type `id` (`tcp_congestion_ops`), copied whole with its function
   * pointers' prototypes: libbpf relocates a member to a program only when the object's BTF says
   * it points at a FUNC_PROTO (bpf_object__collect_st_ops_relos).
   */
  localOps(id: number): number {
    this.protos = true;
    try {
      return this.copy(id, false);
    } finally {
      this.protos = false;
    }
  }

  private copy(id: number, viaPointer: boolean, asName?: string): number {
    if (id === 0) return 0;
    const btf = this.btf;
    const t = btf.type(id);
    const name = btf.name(id);
    // Modifiers, typedefs and arrays pass the pointer mode on to what they name (a typedef met
    // through a pointer ends at a forward declaration; met by value, at the full struct).
    const passesMode =
      t.kind === BtfKindNumber.typedef ||
      t.kind === BtfKindNumber.const ||
      t.kind === BtfKindNumber.volatile ||
      t.kind === BtfKindNumber.restrict ||
      t.kind === BtfKindNumber.array;
    const key = `${id}:${asName ?? ""}${passesMode && viaPointer ? ":p" : ""}${this.protos ? ":f" : ""}`;
    const hit = this.full.get(key);
    if (hit !== undefined) return hit;
    if (COMPOSITE.has(t.kind) && viaPointer && name !== "" && asName === undefined) {
      const f = this.fwd.get(id);
      if (f !== undefined) return f;
      const fid = this.push({ kind: "fwd", name, isUnion: t.kind === BtfKindNumber.union });
      this.fwd.set(id, fid);
      return fid;
    }
    switch (t.kind) {
      case BtfKindNumber.int: {
        const w = btf.word(id);
        return this.memo(key, {
          kind: "int",
          name,
          size: t.type,
          encoding: (w >>> 24) & 0xf,
          bitOffset: (w >>> 16) & 0xff,
          bits: w & 0xff,
        });
      }
      case BtfKindNumber.ptr: {
        const target = btf.resolve(t.type);
        // Function pointers keep no prototype: libbpf compares pointers as pointers.
        if (btf.kindOf(target) === BtfKindNumber.func_proto) {
          if (!this.protos) return this.memo(key, { kind: "ptr", name: "", type: 0 });
          const at = this.reserve(key);
          const params = btf.members(target).map((p) => ({
            name: btf.string(p.nameOff),
            type: this.copy(p.type, false),
          }));
          const proto = this.push({
            kind: "func_proto",
            returnType: this.copy(btf.type(target).type, false),
            params,
          });
          return this.define(at, { kind: "ptr", name: "", type: proto });
        }
        return this.memo(key, { kind: "ptr", name: "", type: this.copy(t.type, true) });
      }
      case BtfKindNumber.type_tag:
        return this.copy(t.type, viaPointer);
      case BtfKindNumber.typedef:
      case BtfKindNumber.const:
      case BtfKindNumber.volatile:
      case BtfKindNumber.restrict: {
        const kind = (
          {
            [BtfKindNumber.typedef]: "typedef",
            [BtfKindNumber.const]: "const",
            [BtfKindNumber.volatile]: "volatile",
            [BtfKindNumber.restrict]: "restrict",
          } as const
        )[t.kind];
        const at = this.reserve(key);
        return this.define(at, {
          kind,
          name: kind === "typedef" ? name : "",
          type: this.copy(t.type, viaPointer),
        });
      }
      case BtfKindNumber.array: {
        const a = btf.array(id);
        const at = this.reserve(key);
        return this.define(at, {
          kind: "array",
          type: this.copy(a.type, viaPointer),
          indexType: this.copy(a.indexType, false),
          nelems: a.nelems,
        });
      }
      case BtfKindNumber.struct:
      case BtfKindNumber.union: {
        const at = this.reserve(key);
        const members: BtfMember[] = btf.fields(id).map((m) => ({
          name: m.name,
          type: this.copy(m.type, false),
          bitOffset: m.bitOffset,
          bitfieldSize: m.bitfieldSize,
        }));
        return this.define(at, {
          kind: t.kind === BtfKindNumber.struct ? "struct" : "union",
          name: asName ?? name,
          size: t.type,
          members,
          kindFlag: members.some((m) => m.bitfieldSize > 0),
        });
      }
      case BtfKindNumber.enum:
        return this.memo(key, {
          kind: "enum",
          name,
          size: t.type,
          signed: t.kindFlag,
          values: btf.enumValues(id).map((v) => ({ name: v.name, value: Number(v.value) })),
        });
      case BtfKindNumber.enum64:
        return this.memo(key, {
          kind: "enum64",
          name,
          size: t.type,
          signed: t.kindFlag,
          values: btf.enumValues(id),
        });
      case BtfKindNumber.fwd:
        return this.memo(key, { kind: "fwd", name, isUnion: t.kindFlag });
      case BtfKindNumber.float:
        return this.memo(key, { kind: "float", name, size: t.type });
      default:
        // FUNC_PROTO reached other than through a pointer, VAR, DATASEC, ...: nothing a field has.
        return 0;
    }
  }

  private push(t: BtfType): number {
    this.table.push(t);
    return this.table.length - 1;
  }
  private memo(key: string, t: BtfType): number {
    const id = this.push(t);
    this.full.set(key, id);
    return id;
  }
  private reserve(key: string): number {
    const id = this.push({ kind: "void" });
    this.full.set(key, id);
    return id;
  }
  private define(id: number, t: BtfType): number {
    this.table[id] = t;
    return id;
  }
}

/** True when compile-time type `id` (typedefs skipped) is a signed integer or signed enum. */
export function isSignedKernelInt(btf: LazyBtf, id: number): boolean {
  const r = btf.resolve(id);
  const t = btf.type(r);
  if (t.kind === BtfKindNumber.int) return ((btf.word(r) >>> 24) & BtfIntEncoding.SIGNED) !== 0;
  if (t.kind === BtfKindNumber.enum || t.kind === BtfKindNumber.enum64) return t.kindFlag;
  return false;
}
