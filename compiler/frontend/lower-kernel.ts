/**
 * Kernel struct access (CO-RE): typed kernel pointers (`currentTask()`, `kernelPtr("sock", addr)`,
 * `currentTaskBtf()`), field chains through them (`task.real_parent.tgid`), and the `core*` queries
 * (`coreFieldExists(task.loginuid)`, `coreTypeSize("sock")`, `coreEnumValue("pid_type",
 * "PIDTYPE_TGID")`).
 *
 * Members are looked up in the compile-time kernel BTF (kernel-types.ts; C's rules: anonymous
 * structs/unions are searched). Every value the layout decides is an IR `coreconst` carrying a CO-RE
 * relocation against the local copy of the root type, as clang's `__builtin_preserve_access_index`
 * does, so the loader (ours or libbpf) rewrites it for the running kernel:
 * - a probed read (libbpf BPF_CORE_READ): the field's byte offset (relocated) added to the pointer,
 *   `bpf_probe_read_kernel` into a stack slot of the field's size, a load of the slot; each pointer
 *   hop is one such read, and the next field is relocated against the pointee's type;
 * - a direct read through a BTF pointer (tp_btf arguments, `currentTaskBtf()`): the same offset
 *   added to the pointer and one load (the verifier checks it against the kernel's BTF);
 * - a bitfield (BPF_CORE_READ_BITFIELD_PROBED): byte offset and size, then `<< lshift >> rshift`,
 *   all four relocated.
 *
 * Consumes member-access and call nodes; produces operands and IR. Errors: a missing field names
 * the struct, the BTF and its nearest fields (TSB3022); a missing type names the BTF (TSB3023).
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import {
  BtfIntEncoding,
  BtfKindNumber,
  CoreReloKind,
  coreFieldLayout,
} from "../../core/btf/index.ts";
import type { ValueId } from "../ir/index.ts";
import { arity, callHelper } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { isSignedKernelInt, type KernelTypes } from "./kernel-types.ts";
import { lowerExpr } from "./lower-expr.ts";
import type { ScalarType } from "./module-state.ts";
import { BOOL, U32, U64, intOf } from "./types.ts";

/** A typed pointer to a kernel struct/union: its compile-time BTF id and the name it was asked by. */
export type KernelPtrOperand = Operand & { k: "kptr" };
/** A field reached through a kernel pointer, not read yet. */
export type KernelFieldOperand = Operand & { k: "kfield" };

export const COMPOSITE = new Set<number>([BtfKindNumber.struct, BtfKindNumber.union]);

export function types(fs: FuncState, at: Node): KernelTypes | null {
  const kt = fs.m.kernelTypes();
  if ("error" in kt) {
    fs.m.report("TSB3024", at, { source: fs.m.btfName, reason: kt.error });
    return null;
  }
  return kt;
}

/** `a.b` on a kernel pointer or a kernel field. */
export function kernelProperty(
  fs: FuncState,
  obj: KernelPtrOperand | KernelFieldOperand,
  field: string,
  node: Node,
): Operand {
  const kt = types(fs, node);
  if (!kt) return ERROR;
  if (obj.k === "kfield") {
    const t = kt.btf.resolve(obj.type);
    const kind = kt.btf.kindOf(t);
    if (kind === BtfKindNumber.ptr) {
      const p = readKernelField(fs, obj, node);
      if (p.k !== "kptr") {
        fs.m.report("TSB3025", node, {
          what: `'${obj.chain}'`,
          problem: "it points to something other than a struct or union, which has no fields",
        });
        return ERROR;
      }
      return kernelProperty(fs, p, field, node);
    }
    if (!COMPOSITE.has(kind)) {
      fs.m.report("TSB3025", node, {
        what: `'${obj.chain}'`,
        problem: `it is ${kt.label(t)}, which has no fields`,
      });
      return ERROR;
    }
    const m = kt.member(t, field);
    if (!m) return missingField(fs, kt, t, field, node);
    return {
      ...obj,
      access: [...obj.access, ...m.path],
      type: m.type,
      bitOffset: obj.bitOffset + m.bitOffset,
      bitfieldSize: m.bitfieldSize,
      chain: `${obj.chain}.${field}`,
    };
  }
  const m = kt.member(obj.btfId, field);
  if (!m) return missingField(fs, kt, obj.btfId, field, node);
  return {
    k: "kfield",
    root: obj.btfId,
    rootName: obj.name,
    access: [0, ...m.path],
    base: obj.v,
    type: m.type,
    bitOffset: m.bitOffset,
    bitfieldSize: m.bitfieldSize,
    chain: `${obj.name}->${field}`,
    direct: obj.direct,
  };
}

export function missingField(
  fs: FuncState,
  kt: KernelTypes,
  id: number,
  field: string,
  node: Node,
): Operand {
  const at = Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  fs.m.report("TSB3022", at, {
    type: kt.label(id),
    field,
    source: kt.source,
    nearest: kt.nearest(id, field).join(", ") || "(none)",
  });
  return ERROR;
}

/** `a[i]` (constant i) on a kernel array field. */
export function kernelElement(
  fs: FuncState,
  obj: KernelFieldOperand,
  index: Node,
  node: Node,
): Operand {
  const kt = types(fs, node);
  if (!kt) return ERROR;
  const t = kt.btf.resolve(obj.type);
  if (kt.btf.kindOf(t) !== BtfKindNumber.array) {
    fs.m.report("TSB3025", node, {
      what: `'${obj.chain}'`,
      problem: `${kt.label(t)} is not an array`,
    });
    return ERROR;
  }
  const i = fs.rvalue(lowerExpr(fs, index, U32), index);
  if (i.k !== "const") {
    fs.m.report("TSB3010", index, { what: "an index into a kernel array" });
    return ERROR;
  }
  const a = kt.btf.array(t);
  if (i.value < 0n || (a.nelems > 0 && i.value >= BigInt(a.nelems))) {
    fs.m.report("TSB3005", index, {
      index: i.value.toString(),
      type: `${obj.chain} (${a.nelems} elements)`,
    });
    return ERROR;
  }
  const idx = Number(i.value);
  return {
    ...obj,
    access: [...obj.access, idx],
    type: a.type,
    bitOffset: obj.bitOffset + idx * kt.btf.sizeOf(a.type) * 8,
    bitfieldSize: 0,
    chain: `${obj.chain}[${idx}]`,
  };
}

/** A relocated constant. */
function relocated(
  fs: FuncState,
  kt: KernelTypes,
  f: { root: number; rootName: string },
  access: string,
  kind: number,
  value: bigint,
  type: "i32" | "i64",
  at: Node,
): ValueId {
  const typeId = kt.local(f.root, f.rootName !== kt.btf.name(f.root) ? f.rootName : undefined);
  return fs.val({ op: "coreconst", type, value, relo: { typeId, access, kind } }, type, at);
}

/** Reads a kernel field: a scalar, or a typed pointer when it points to a struct/union. */
export function readKernelField(fs: FuncState, f: KernelFieldOperand, at: Node): Operand {
  const kt = types(fs, at);
  if (!kt) return ERROR;
  const btf = kt.btf;
  const t = btf.resolve(f.type);
  const kind = btf.kindOf(t);
  const size = btf.sizeOf(t);
  const scalar =
    kind === BtfKindNumber.int ||
    kind === BtfKindNumber.enum ||
    kind === BtfKindNumber.enum64 ||
    kind === BtfKindNumber.ptr;
  if (!scalar || ![1, 2, 4, 8].includes(size)) {
    fs.m.report("TSB3025", at, {
      what: `'${f.chain}'`,
      problem: `it is ${kt.label(t)} (${size} bytes); read one of its integer or pointer fields`,
    });
    return ERROR;
  }
  const access = f.access.join(":");
  const signed = isSignedKernelInt(btf, t);
  const bool = kind === BtfKindNumber.int && (btf.word(t) >>> 24) & BtfIntEncoding.BOOL;
  if (f.bitfieldSize > 0) return readBitfield(fs, kt, f, access, size, signed, at);
  const off = relocated(
    fs,
    kt,
    f,
    access,
    CoreReloKind.FIELD_BYTE_OFFSET,
    BigInt(f.bitOffset / 8),
    "i64",
    at,
  );
  const ir = size === 8 ? "i64" : "i32";
  const sz = size as 1 | 2 | 4 | 8;
  let v: ValueId;
  if (f.direct) {
    const base = fs.val({ op: "inttoptr", arg: f.base }, "ptr", at);
    const addr = fs.val({ op: "ptradd", base, offset: off }, "ptr", at);
    v = fs.val(
      { op: "load", type: ir, size: sz, signed: signed && size < 4, base: addr, offset: 0 },
      ir,
      at,
    );
  } else {
    const addr = fs.val({ op: "binary", binop: "add", lhs: f.base, rhs: off }, "i64", at);
    const slot = fs.b.addStackSlot({ size, align: sz, name: f.chain });
    const dst = fs.val({ op: "stackslot", slot }, "ptr", at);
    callHelper(fs, "bpf_probe_read_kernel", [dst, fs.iconst("i32", BigInt(size), at), addr], at);
    v = fs.val(
      { op: "load", type: ir, size: sz, signed: signed && size < 4, base: dst, offset: 0 },
      ir,
      at,
    );
  }
  if (kind === BtfKindNumber.ptr) {
    const target = btf.resolve(btf.type(t).type);
    if (COMPOSITE.has(btf.kindOf(target)))
      return { k: "kptr", btfId: target, name: btf.name(target) || "(anon)", v, direct: f.direct };
    return { k: "val", type: U64, v };
  }
  if (bool && size === 1) return { k: "val", type: BOOL as ScalarType, v };
  return { k: "val", type: intOf(size * 8, signed), v };
}

function readBitfield(
  fs: FuncState,
  kt: KernelTypes,
  f: KernelFieldOperand,
  access: string,
  typeSize: number,
  signed: boolean,
  at: Node,
): Operand {
  const l = coreFieldLayout(f.bitOffset, typeSize, f.bitfieldSize);
  const c = (kind: number, value: number, type: "i32" | "i64") =>
    relocated(fs, kt, f, access, kind, BigInt(value), type, at);
  const off = c(CoreReloKind.FIELD_BYTE_OFFSET, l.byteOffset, "i64");
  let word: ValueId;
  if (f.direct) {
    const base = fs.val({ op: "inttoptr", arg: f.base }, "ptr", at);
    const addr = fs.val({ op: "ptradd", base, offset: off }, "ptr", at);
    const sz = l.byteSize as 1 | 2 | 4 | 8;
    word = fs.val(
      { op: "load", type: "i64", size: sz, signed: false, base: addr, offset: 0 },
      "i64",
      at,
    );
  } else {
    const size = c(CoreReloKind.FIELD_BYTE_SIZE, l.byteSize, "i32");
    const addr = fs.val({ op: "binary", binop: "add", lhs: f.base, rhs: off }, "i64", at);
    const slot = fs.b.addStackSlot({ size: 8, align: 8, name: f.chain });
    const dst = fs.val({ op: "stackslot", slot }, "ptr", at);
    fs.emit(
      { op: "store", size: 8, base: dst, offset: 0, value: fs.iconst("i64", 0n, at) },
      null,
      at,
    );
    callHelper(fs, "bpf_probe_read_kernel", [dst, size, addr], at);
    word = fs.val(
      { op: "load", type: "i64", size: 8, signed: false, base: dst, offset: 0 },
      "i64",
      at,
    );
  }
  const up = fs.val(
    {
      op: "binary",
      binop: "shl",
      lhs: word,
      rhs: c(CoreReloKind.FIELD_LSHIFT_U64, l.lshift, "i64"),
    },
    "i64",
    at,
  );
  const v = fs.val(
    {
      op: "binary",
      binop: signed ? "ashr" : "lshr",
      lhs: up,
      rhs: c(CoreReloKind.FIELD_RSHIFT_U64, l.rshift, "i64"),
    },
    "i64",
    at,
  );
  const bits = typeSize >= 8 ? 64 : 32;
  const t = intOf(bits, signed);
  return {
    k: "val",
    type: t,
    v: bits === 64 ? v : fs.val({ op: "trunc", type: "i32", arg: v }, "i32", at),
  };
}

/** A string-literal argument's text, or null (reported). */
function literal(fs: FuncState, arg: Node | undefined, node: Node, what: string): string | null {
  if (arg && (Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg)))
    return arg.getLiteralValue();
  fs.m.report("TSB3025", arg ?? node, {
    what,
    problem: "it must be a string literal (a kernel type name)",
  });
  return null;
}

/** The kernel type named by a literal, or null (reported, naming the BTF searched). */
export function namedType(
  fs: FuncState,
  kt: KernelTypes,
  name: string,
  at: Node,
  kinds?: readonly number[],
): number | null {
  const id = kt.find(name, kinds);
  if (id !== undefined) return id;
  fs.m.report("TSB3023", at, {
    name,
    source: kt.source,
    hint: kinds
      ? ""
      : "; name a struct or union as the kernel spells it (`task_struct`, `sock`), without `struct`",
  });
  return null;
}

const TYPE_KINDS = [
  BtfKindNumber.struct,
  BtfKindNumber.union,
  BtfKindNumber.enum,
  BtfKindNumber.enum64,
  BtfKindNumber.typedef,
  BtfKindNumber.int,
];

/** The kernel-struct builtins of the stdlib, by name; undefined for other names. */
export function lowerKernelBuiltin(
  fs: FuncState,
  node: CallExpression,
  name: string,
  args: Node[],
): Operand | undefined {
  switch (name) {
    case "currentTask":
    case "currentTaskBtf": {
      if (args.length !== 0) return arity(fs, node, name, 0);
      const kt = types(fs, node);
      if (!kt) return ERROR;
      const id = namedType(fs, kt, "task_struct", node);
      if (id === null) return ERROR;
      const helper = name === "currentTask" ? "bpf_get_current_task" : "bpf_get_current_task_btf";
      const v = callHelper(fs, helper, [], node);
      return { k: "kptr", btfId: id, name: "task_struct", v, direct: name === "currentTaskBtf" };
    }
    case "kernelPtr": {
      if (args.length !== 2) return arity(fs, node, name, 2);
      const type = literal(fs, args[0], node, "kernelPtr's struct name");
      if (type === null) return ERROR;
      const kt = types(fs, node);
      if (!kt) return ERROR;
      const id = namedType(fs, kt, type, args[0]!);
      if (id === null) return ERROR;
      const x = fs.rvalue(lowerExpr(fs, args[1]!, U64), args[1]!);
      if (x.k === "error") return x;
      if (x.k === "kptr") return { ...x, btfId: id, name: type };
      const v = fs.coerce(x, U64, args[1]!);
      if (v === null) return ERROR;
      return { k: "kptr", btfId: id, name: type, v, direct: false };
    }
    case "coreFieldExists":
    case "coreFieldSize": {
      if (args.length !== 1) return arity(fs, node, name, 1);
      const f = lowerExpr(fs, args[0]!);
      if (f.k === "error") return f;
      if (f.k !== "kfield") {
        fs.m.report("TSB3025", args[0]!, {
          what: name,
          problem:
            "its argument must be a kernel field (`task.real_parent`, `sk.__sk_common.skc_daddr`)",
        });
        return ERROR;
      }
      const kt = types(fs, node)!;
      const exists = name === "coreFieldExists";
      const kind = exists ? CoreReloKind.FIELD_EXISTS : CoreReloKind.FIELD_BYTE_SIZE;
      const local = exists
        ? 1
        : f.bitfieldSize > 0
          ? coreFieldLayout(f.bitOffset, kt.btf.sizeOf(f.type), f.bitfieldSize).byteSize
          : kt.btf.sizeOf(f.type);
      const v = relocated(fs, kt, f, f.access.join(":"), kind, BigInt(local), "i32", node);
      return { k: "val", type: exists ? (BOOL as ScalarType) : U32, v };
    }
    case "coreTypeExists":
    case "coreTypeSize":
    case "coreTypeMatches": {
      if (args.length !== 1) return arity(fs, node, name, 1);
      const type = literal(fs, args[0], node, `${name}'s type name`);
      if (type === null) return ERROR;
      const kt = types(fs, node);
      if (!kt) return ERROR;
      const id = namedType(fs, kt, type, args[0]!, TYPE_KINDS);
      if (id === null) return ERROR;
      const kind =
        name === "coreTypeExists"
          ? CoreReloKind.TYPE_EXISTS
          : name === "coreTypeSize"
            ? CoreReloKind.TYPE_SIZE
            : CoreReloKind.TYPE_MATCHES;
      const local = kind === CoreReloKind.TYPE_SIZE ? BigInt(kt.btf.sizeOf(id)) : 1n;
      const v = relocated(fs, kt, { root: id, rootName: type }, "0", kind, local, "i32", node);
      return { k: "val", type: kind === CoreReloKind.TYPE_SIZE ? U32 : (BOOL as ScalarType), v };
    }
    case "coreEnumValueExists":
    case "coreEnumValue": {
      if (args.length !== 2) return arity(fs, node, name, 2);
      const type = literal(fs, args[0], node, `${name}'s enum name`);
      const value = literal(fs, args[1], node, `${name}'s enumerator`);
      if (type === null || value === null) return ERROR;
      const kt = types(fs, node);
      if (!kt) return ERROR;
      const id = namedType(fs, kt, type, args[0]!, [BtfKindNumber.enum, BtfKindNumber.enum64]);
      if (id === null) return ERROR;
      const values = kt.btf.enumValues(id);
      const index = values.findIndex((v) => v.name === value);
      if (index < 0) {
        fs.m.report("TSB3022", args[1]!, {
          type: `enum ${type}`,
          field: value,
          source: kt.source,
          nearest: values
            .slice(0, 6)
            .map((v) => v.name)
            .join(", "),
        });
        return ERROR;
      }
      const exists = name === "coreEnumValueExists";
      const v = relocated(
        fs,
        kt,
        { root: id, rootName: type },
        String(index),
        exists ? CoreReloKind.ENUMVAL_EXISTS : CoreReloKind.ENUMVAL_VALUE,
        exists ? 1n : values[index]!.value,
        exists ? "i32" : "i64",
        node,
      );
      return { k: "val", type: exists ? (BOOL as ScalarType) : intOf(64, true), v };
    }
  }
  return undefined;
}

/**
 * The address of a kernel field (a `char comm[16]` to print with `%s`): the pointer plus the
 * field's relocated byte offset, without reading it.
 */
export function kernelFieldAddress(fs: FuncState, f: KernelFieldOperand, at: Node): ValueId | null {
  const kt = types(fs, at);
  if (!kt) return null;
  const off = relocated(
    fs,
    kt,
    f,
    f.access.join(":"),
    CoreReloKind.FIELD_BYTE_OFFSET,
    BigInt(f.bitOffset / 8),
    "i64",
    at,
  );
  return fs.val({ op: "binary", binop: "add", lhs: f.base, rhs: off }, "i64", at);
}
