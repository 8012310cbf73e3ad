/**
 * Typed program arguments from kernel BTF, as libbpf's BPF_PROG / BPF_KPROBE / BPF_KRETPROBE macros
 * give them: `fentry("vfs_read", (ctx, file, buf, count) => ...)`.
 *
 * Consumes the program's parameters after `ctx` (each optionally annotated, or typed by a tuple type
 * argument `fentry<[file: u64, ...]>`), the kind's `KernelArgs` and the target's prototype from
 * kernel-btf.ts. Produces, at the program's entry, one `load i64` per parameter from its context slot
 * (u64 argument words for fentry/fexit/tp_btf/raw tracepoints, x86-64 pt_regs registers for kprobes)
 * converted to the parameter's type, bound as an ordinary local variable.
 *
 * Types: integers keep the prototype's width and signedness (`int` → i32, `size_t` → u64), enums
 * their underlying integer, `bool` is u8, every pointer is a u64 address for probeReadKernel. A
 * declared type must equal that type (TSB3015), so the editor's view and the kernel agree. Structs
 * passed by value occupy ceil(size/8) slots (kernel `btf_distill_func_proto`); later parameters
 * are placed after them, but the struct itself cannot be bound. fexit's return value follows the
 * arguments, at slot index = argument slots (kernel `get_ctx_arg_idx`).
 */
import { Node } from "ts-morph";
import type { CallExpression, ParameterDeclaration } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import type { KernelArgs, ProgramKind } from "./builtins.ts";
import { ERROR, FuncState } from "./func-state.ts";
import type { ArgType, KernelPrototype } from "./kernel-btf.ts";
import type { IntType } from "./types.ts";
import { U8, U64, intOf, isScalar, typeName } from "./types.ts";
import { bindSyscallArgs } from "./syscall-args.ts";

/** One value a parameter can bind: an argument or the return value, with its context slot. */
interface Position {
  readonly name: string;
  readonly cType: string;
  readonly type: ArgType;
  /** Byte offset in the context, or a reason the value cannot be read. */
  readonly offset: number | string;
}

/**
 * Binds the parameters after `ctx` of program `kind` on `target`. Needs kernel BTF only when there
 * is at least one such parameter; every problem is reported and the parameter bound to ERROR, so
 * the body's uses of it stay quiet.
 */
export function bindKernelArgs(
  fs: FuncState,
  kind: ProgramKind,
  target: string,
  call: CallExpression,
  params: readonly ParameterDeclaration[],
  ctxPtr: ValueId,
  given?: KernelPrototype,
): void {
  if (params.length === 0) return;
  const m = fs.m;
  const fail = (): void => params.forEach((p) => fs.bindOperand(p.getName(), ERROR));
  if (given) return bindPrototype(fs, kind, call, params, ctxPtr, given);
  if (!kind.kernelArgs || kind.kernelArgs.from === "member") {
    m.report("TSB3003", params[0]!, {
      problem: `a ${kind.fn} program takes one parameter, its context`,
    });
    return fail();
  }
  if (kind.kernelArgs.from === "syscall") return bindSyscallArgs(fs, kind, params, ctxPtr);
  const what = kind.kernelArgs.from === "func" ? "kernel function" : "tracepoint";
  const fname = kind.kernelArgs.func?.(target) ?? target;
  const loaded = m.kernelBtf();
  if ("error" in loaded) {
    m.report("TSB3014", params[0]!, {
      what,
      name: fname,
      source: m.btfName,
      reason: loaded.error,
    });
    return fail();
  }
  let proto: KernelPrototype | null;
  try {
    proto =
      kind.kernelArgs.from === "func" ? loaded.btf.func(fname) : loaded.btf.tracepoint(target);
  } catch (err) {
    m.report("TSB3014", params[0]!, {
      what,
      name: fname,
      source: m.btfName,
      reason: err instanceof Error ? err.message : String(err),
    });
    return fail();
  }
  if (!proto) {
    const file = typeof fs.m.btfSource === "string" ? fs.m.btfSource : "<btf file>";
    const hint =
      kind.kernelArgs.from === "func"
        ? `list the functions it can attach to with \`bpftool btf dump file ${file} | grep "FUNC '"\` (\`grep "FUNC '${fname}'"\` checks one name)`
        : `list tracepoints with \`bpftool btf dump file ${file} | grep "btf_trace_"\` (the name is what follows btf_trace_)`;
    m.report("TSB3013", call.getArguments()[0] ?? call, {
      what,
      name: fname,
      source: m.btfName,
      hint,
    });
    return fail();
  }
  bindPrototype(fs, kind, call, params, ctxPtr, proto);
}

/** Binds the parameters after `ctx` to the arguments (and return value) of prototype `proto`. */
function bindPrototype(
  fs: FuncState,
  kind: ProgramKind,
  call: CallExpression,
  params: readonly ParameterDeclaration[],
  ctxPtr: ValueId,
  proto: KernelPrototype,
): void {
  const m = fs.m;
  const positions = positionsOf(proto, kind);
  const tuple = tupleElements(call);
  const decl = (cType: string, name: string): string =>
    cType.endsWith("*") ? `${cType}${name}` : `${cType} ${name}`;
  const signature = `${decl(proto.returnCType, proto.name)}(${proto.params.map((p) => decl(p.cType, p.name)).join(", ")})`;
  params.forEach((p, i) => {
    const mismatch = (problem: string): void => {
      m.report("TSB3015", p, { param: p.getName(), proto: signature, problem });
      fs.bindOperand(p.getName(), ERROR);
    };
    if (!Node.isIdentifier(p.getNameNode())) {
      m.report("TSB1001", p, {
        construct: "destructuring a kernel argument",
        instead: "name the parameter",
      });
      return fs.bindOperand(p.getName(), ERROR);
    }
    const pos = positions[i];
    if (!pos) return mismatch(tooMany(proto, kind.kernelArgs!, positions.length));
    // A struct passed by value cannot be bound; a `_`-named placeholder skips it (unbound, so a
    // use of it is TSB3011).
    if (pos.type.kind === "aggregate" && p.getName().startsWith("_") && !p.getTypeNode()) return;
    const type = tsbTypeOf(pos.type);
    if (typeof type === "string") return mismatch(`'${pos.name}' is ${pos.cType}: ${type}`);
    if (typeof pos.offset === "string") return mismatch(pos.offset);
    const tn = p.getTypeNode() ?? tuple[i];
    if (tn) {
      const declared = m.resolveType(tn);
      if (!declared) return fs.bindOperand(p.getName(), ERROR);
      if (!isScalar(declared) || typeName(declared) !== typeName(type))
        return mismatch(
          `declared ${typeName(declared)}, but the kernel passes '${pos.name}' as ${pos.cType} (${typeName(type)}); declare it as ${typeName(type)}`,
        );
    }
    const word = fs.val(
      { op: "load", type: "i64", size: 8, signed: false, base: ctxPtr, offset: pos.offset },
      "i64",
      p,
      p.getName(),
    );
    const v = type.bits === 64 ? word : fs.convert(word, U64, type, p);
    const id = fs.declareVar(p.getName(), type, true);
    fs.writeVar(id, v);
  });
}

/** The arguments and/or return value a program's parameters bind to, in order. */
function positionsOf(proto: KernelPrototype, kind: ProgramKind): Position[] {
  const shape = kind.ctx;
  const argOffsets = shape.kind === "args" ? shape.argOffsets : [];
  const ka = kind.kernelArgs!;
  const args: Position[] = [];
  let slot = 0;
  let lost: string | null = null;
  for (const p of proto.params) {
    const offset =
      lost ??
      argOffsets[slot] ??
      `it is argument slot ${slot}, beyond the ${argOffsets.length} a ${kind.fn} program can read${kind.fn.startsWith("k") ? " (the rest are on the stack, not in pt_regs)" : ""}`;
    args.push({ name: p.name, cType: p.cType, type: p.type, offset });
    if (p.type.kind === "aggregate") {
      if (p.type.size > 16)
        lost = `it follows '${p.name}', a ${p.type.size}-byte struct passed by value, whose placement tsbpf does not model`;
      slot += Math.ceil(p.type.size / 8);
    } else slot++;
  }
  if (ka.returnValue === "none" || proto.returns.kind === "void") {
    return ka.returnValue === "only" ? [] : args;
  }
  const ret: Position = {
    name: "the return value",
    cType: proto.returnCType,
    type: proto.returns,
    offset:
      ka.returnValue === "only" && shape.kind === "args" && shape.retOffset !== undefined
        ? shape.retOffset
        : (lost ?? slot * 8),
  };
  return ka.returnValue === "only" ? [ret] : [...args, ret];
}

function tooMany(proto: KernelPrototype, ka: KernelArgs, count: number): string {
  const n = proto.params.length;
  const argsText = `${n} argument${n === 1 ? "" : "s"}`;
  if (ka.returnValue === "only")
    return count === 0
      ? `${proto.name} returns void, so there is no return value to bind`
      : `a return probe's only parameter after ctx is the return value`;
  if (ka.returnValue === "last")
    return proto.returns.kind === "void"
      ? `${proto.name} takes ${argsText} and returns void, so there is no return value to bind`
      : `${proto.name} takes ${argsText}, then the return value; there is nothing after it`;
  return `${proto.name} takes ${argsText}`;
}

/** The tsbpf type of a kernel value, or why it has none. */
function tsbTypeOf(t: ArgType): IntType | string {
  switch (t.kind) {
    case "int":
      return intOf(t.bits, t.signed);
    case "bool":
      return U8;
    case "ptr":
      return U64;
    case "aggregate":
      return `a ${t.size}-byte struct or union passed by value, which tsbpf cannot bind; start the parameter's name with an underscore to skip it, or read its words with ctx.arg(i)`;
    case "void":
      return "void has no value";
    default:
      return "not an integer or pointer (eBPF has no floating point)";
  }
}

/** The element type nodes of a tuple type argument, `fentry<[file: u64, buf: u64]>(...)`. */
function tupleElements(call: CallExpression): (Node | undefined)[] {
  const targ = call.getTypeArguments()[0];
  if (!targ || !Node.isTupleTypeNode(targ)) return [];
  return targ
    .getElements()
    .map((e) => (Node.isNamedTupleMember(e) ? e.getTypeNode() : (e as Node)));
}
