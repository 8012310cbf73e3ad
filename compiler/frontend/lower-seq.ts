/**
 * An iterator's output: `seqPrintf(ctx, format, ...args)` (bpf_seq_printf) and `seqWrite(ctx,
 * data)` (bpf_seq_write), where `ctx` is the iterator's context (its `meta.seq` is the output
 * file) or that `seq_file` pointer itself.
 *
 * The format is checked here as the kernel's bpf_bprintf_prepare (kernel/bpf/helpers.c) checks it
 * at run time, so a mistake is a TSB3050 at the call rather than -EINVAL from the helper: the
 * conversions it knows (`%d %i %u %x %X` with `l`/`ll`, `%c`, `%s`, `%p`), flags and width, at most
 * 12 arguments, one per conversion. Each argument becomes one u64 of the data array, as
 * BPF_SEQ_PRINTF in libbpf's bpf_tracing.h packs them: integers by value (signed ones sign-extended),
 * `%s` by address (a `char[]` kernel field such as `task.comm`, a CharArray place, or an address).
 *
 * Consumes the call's argument nodes; produces a `callhelper` and the stack array it reads.
 */
import { Node } from "ts-morph";
import type { CallExpression } from "ts-morph";
import type { ValueId } from "../ir/index.ts";
import { arity, callHelper } from "./call-support.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState, describe } from "./func-state.ts";
import { lowerExpr } from "./lower-expr.ts";
import { btfContextField } from "./lower-btf-context.ts";
import { kernelFieldAddress, kernelProperty, readKernelField } from "./lower-kernel.ts";
import { I64, U64, sizeOf } from "./types.ts";
import { resolveSection } from "../../core/kernel/index.ts";

/** The kernel's limit on bpf_seq_printf arguments (MAX_BPRINTF_VARARGS). */
const MAX_ARGS = 12;

/** What one conversion takes: an integer, or the address of a string. */
type Conversion = { readonly spec: string; readonly takes: "int" | "string" | "pointer" };

/**
 * The conversions of a bpf_seq_printf format, or the first problem with it. Mirrors
 * bpf_bprintf_prepare: `%%`; flags `-+ 0#`; a width and precision in digits; `l` or `ll`; then
 * one of `d i u x X c s p`; `%p` may carry one of the suffixes the kernel accepts (`K`, `x`, `S`,
 * `B`, `s`, `i4`, `I4`, `i6`, `I6`).
 */
export function parseSeqFormat(format: string): Conversion[] | string {
  const out: Conversion[] = [];
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== "%") continue;
    const start = i;
    i++;
    if (format[i] === "%") continue;
    while (i < format.length && "-+ 0#".includes(format[i]!)) i++;
    while (i < format.length && /[0-9]/.test(format[i]!)) i++;
    if (format[i] === ".") {
      i++;
      while (i < format.length && /[0-9]/.test(format[i]!)) i++;
    }
    let length = "";
    if (format[i] === "l") {
      length = format[i + 1] === "l" ? "ll" : "l";
      i += length.length;
    }
    const c = format[i];
    if (c === undefined) return `'${format.slice(start)}' at the end of the format is incomplete`;
    if ("diuxX".includes(c)) out.push({ spec: format.slice(start, i + 1), takes: "int" });
    else if (length !== "") {
      return `'${format.slice(start, i + 1)}': 'l' and 'll' go only with d, i, u, x and X`;
    } else if (c === "c") out.push({ spec: format.slice(start, i + 1), takes: "int" });
    else if (c === "s") out.push({ spec: format.slice(start, i + 1), takes: "string" });
    else if (c === "p") {
      const suffix = /^(i4|I4|i6|I6|K|x|S|B|s)/.exec(format.slice(i + 1))?.[1] ?? "";
      i += suffix.length;
      out.push({
        spec: format.slice(start, i + 1),
        takes: suffix === "" || "KxSBs".includes(suffix) ? "pointer" : "string",
      });
    } else {
      return `'${format.slice(start, i + 1)}' is not a conversion the kernel's bpf_seq_printf knows (d, i, u, x, X with l/ll; c, s, p)`;
    }
  }
  return out;
}

/** The `struct seq_file *` an iterator's output goes to, from `ctx` or a seq_file pointer. */
function seqFileOf(fs: FuncState, arg: Node, what: string): ValueId | null {
  const op = lowerExpr(fs, arg);
  if (op.k === "error") return null;
  if (op.k === "ctx") {
    const shape = op.prog.ctx;
    // Iterators, sleepable or not (`iter/<target>`, `iter.s/<target>`: attach type TRACE_ITER).
    if (shape.kind !== "btf" || resolveSection(op.section)?.def.attachType !== "TRACE_ITER") {
      fs.m.report("TSB3051", arg, {
        what,
        hint: `this is a ${op.prog.fn} program; use printk or a ring buffer here`,
      });
      return null;
    }
    const target = resolveSection(op.section)?.target ?? "";
    const meta = btfContextField(fs, op.ptr, shape.struct(target), "meta", arg);
    if (meta.k !== "kptr") return null;
    const seq = kernelProperty(fs, meta, "seq", arg);
    if (seq.k !== "kfield") return null;
    const p = readKernelField(fs, seq, arg);
    return p.k === "kptr" ? p.v : null;
  }
  const r = fs.rvalue(op, arg);
  if (r.k === "kptr" && r.name === "seq_file") return r.v;
  fs.m.report("TSB3051", arg, {
    what,
    hint: `pass the iterator's ctx (or ctx.meta.seq), not ${describe(r)}`,
  });
  return null;
}

/** One argument as its u64 word: an integer value, or the address of a string. */
function argWord(fs: FuncState, node: Node, conv: Conversion): ValueId | null {
  const op = lowerExpr(fs, node);
  if (op.k === "error") return null;
  if (conv.takes === "string") {
    if (op.k === "kfield") return kernelFieldAddress(fs, op, node);
    if (op.k === "place" && op.type.kind === "array" && sizeOf(op.type.element) === 1)
      return fs.val({ op: "ptrtoint", arg: fs.addr(op.base, op.offset, node) }, "i64", node);
  }
  const r = fs.toReg(fs.rvalue(op, node), node);
  if (!r) {
    const want = conv.takes === "string" ? "a char array or an address" : "an integer";
    fs.m.report("TSB3050", node, {
      problem: `'${conv.spec}' needs ${want}, got ${describe(op)}`,
    });
    return null;
  }
  const signed = r.type.kind === "int" && r.type.signed;
  return fs.convert(r.v, r.type, signed ? I64 : U64, node);
}

/** `seqPrintf(seq, format, ...args)`: bpf_seq_printf with a .rodata format and a u64 array. */
export function lowerSeqPrintf(fs: FuncState, node: CallExpression, args: Node[]): Operand {
  if (args.length < 2) return arity(fs, node, "seqPrintf", 2);
  const fmt = args[1]!;
  if (!(Node.isStringLiteral(fmt) || Node.isNoSubstitutionTemplateLiteral(fmt))) {
    fs.m.report("TSB3050", fmt, { problem: "the format must be a string literal" });
    return ERROR;
  }
  const convs = parseSeqFormat(fmt.getLiteralValue());
  if (typeof convs === "string") {
    fs.m.report("TSB3050", fmt, { problem: convs });
    return ERROR;
  }
  const rest = args.slice(2);
  if (convs.length > MAX_ARGS) {
    fs.m.report("TSB3050", fmt, {
      problem: `${convs.length} conversions; the kernel formats at most ${MAX_ARGS} arguments`,
    });
    return ERROR;
  }
  if (rest.length !== convs.length) {
    fs.m.report("TSB3050", rest[convs.length] ?? node, {
      problem: `the format has ${convs.length} conversion${convs.length === 1 ? "" : "s"} (${convs.map((c) => c.spec).join(" ") || "none"}) but ${rest.length} argument${rest.length === 1 ? " follows" : "s follow"} it`,
    });
    return ERROR;
  }
  const seq = seqFileOf(fs, args[0]!, "seqPrintf");
  if (seq === null) return ERROR;
  const words: ValueId[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = argWord(fs, rest[i]!, convs[i]!);
    if (w === null) return ERROR;
    words.push(w);
  }
  const { name, size } = fs.m.addFormatString(fmt.getLiteralValue(), fmt);
  const fmtAddr = fs.val({ op: "globaladdr", global: name, offset: 0 }, "ptr", fmt);
  let data: ValueId;
  if (words.length === 0) data = fs.iconst("i64", 0n, node);
  else {
    const slot = fs.b.addStackSlot({ size: 8 * words.length, align: 8, name: "seq_printf args" });
    data = fs.val({ op: "stackslot", slot }, "ptr", node);
    words.forEach((w, i) =>
      fs.emit({ op: "store", size: 8, base: data, offset: 8 * i, value: w }, null, node),
    );
  }
  const vals = [
    seq,
    fmtAddr,
    fs.iconst("i32", BigInt(size), fmt),
    data,
    fs.iconst("i32", BigInt(8 * words.length), node),
  ];
  return { k: "val", type: I64, v: callHelper(fs, "seq_printf", vals, node) };
}

/** `seqWrite(seq, data)`: bpf_seq_write of a struct, array or scalar place's bytes. */
export function lowerSeqWrite(fs: FuncState, node: CallExpression, args: Node[]): Operand {
  if (args.length !== 2) return arity(fs, node, "seqWrite", 2);
  const seq = seqFileOf(fs, args[0]!, "seqWrite");
  if (seq === null) return ERROR;
  const p = lowerExpr(fs, args[1]!);
  if (p.k === "error") return p;
  if (p.k !== "place") {
    fs.m.report("TSB3006", args[1]!, { what: "seqWrite's data (a struct, array or variable)" });
    return ERROR;
  }
  const vals = [
    seq,
    fs.addr(p.base, p.offset, node),
    fs.iconst("i32", BigInt(sizeOf(p.type)), node),
  ];
  return { k: "val", type: I64, v: callHelper(fs, "seq_write", vals, node) };
}
