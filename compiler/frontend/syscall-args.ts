/**
 * Typed system-call arguments of ksyscall / kretsyscall programs, as libbpf's BPF_KSYSCALL gives
 * them: `ksyscall("openat", (ctx, dfd: i32, filename, flags: i32) => ...)`.
 *
 * The kprobe sits on the syscall wrapper (core/kernel syscall-abi.ts), whose context is the
 * wrapper's registers; its first argument points at the user registers of the call. Each parameter
 * after `ctx` is one argument of the call, read from those registers with bpf_probe_read_kernel
 * (libbpf's PT_REGS_PARM*_CORE_SYSCALL does the same) and converted to the parameter's integer type
 * (u64 when unannotated: the kernel passes every argument as a register word). kretsyscall's one
 * parameter is the return value, from the wrapper's `ax` (i64 when unannotated).
 */
import { Node } from "ts-morph";
import type { ParameterDeclaration } from "ts-morph";
import {
  contextOffset,
  SYSCALL_ARG_REGS,
  SYSCALL_RETURN_REG,
  SYSCALL_WRAPPER_ARG_REG,
} from "../../core/kernel/index.ts";
import type { ValueId } from "../ir/index.ts";
import type { ProgramKind } from "./builtins.ts";
import { callHelper } from "./call-support.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { I64, U64, typeName } from "./types.ts";
import type { IntType } from "./types.ts";

/** Binds the parameters after `ctx` of a ksyscall (`returnValue` "none") or kretsyscall program. */
export function bindSyscallArgs(
  fs: FuncState,
  kind: ProgramKind,
  params: readonly ParameterDeclaration[],
  ctxPtr: ValueId,
): void {
  const m = fs.m;
  const ret = kind.kernelArgs!.returnValue === "only";
  const max = ret ? 1 : SYSCALL_ARG_REGS.length;
  let userRegs: ValueId | undefined;
  params.forEach((p, i) => {
    const fail = (problem: string): void => {
      m.report("TSB3082", p, { fn: kind.fn, param: p.getName(), problem });
      fs.bindOperand(p.getName(), ERROR);
    };
    if (!Node.isIdentifier(p.getNameNode()))
      return fail("name the parameter (destructuring is not supported)");
    if (i >= max)
      return fail(
        ret
          ? "a kretsyscall program's only parameter after ctx is the return value"
          : `a system call has at most ${max} arguments (registers ${SYSCALL_ARG_REGS.join(", ")})`,
      );
    let type: IntType = ret ? I64 : U64;
    const tn = p.getTypeNode();
    if (tn) {
      const declared = m.resolveType(tn);
      if (!declared) return fs.bindOperand(p.getName(), ERROR);
      if (declared.kind !== "int")
        return fail(
          `declared ${typeName(declared)}; system-call ${ret ? "return values" : "arguments"} are register words: declare an integer type (u64, i32, ...)`,
        );
      type = declared;
    }
    let word: ValueId;
    if (ret) {
      word = fs.val(
        {
          op: "load",
          type: "i64",
          size: 8,
          signed: false,
          base: ctxPtr,
          offset: contextOffset("pt_regs", SYSCALL_RETURN_REG),
        },
        "i64",
        p,
        p.getName(),
      );
    } else {
      userRegs ??= fs.val(
        {
          op: "load",
          type: "i64",
          size: 8,
          signed: false,
          base: ctxPtr,
          offset: contextOffset("pt_regs", SYSCALL_WRAPPER_ARG_REG),
        },
        "i64",
        p,
        "regs",
      );
      const addr = fs.val(
        {
          op: "binary",
          binop: "add",
          lhs: userRegs,
          rhs: fs.iconst("i64", BigInt(contextOffset("pt_regs", SYSCALL_ARG_REGS[i]!)), p),
        },
        "i64",
        p,
      );
      const dst = fs.stackSlot(U64, p.getName(), p);
      callHelper(fs, "bpf_probe_read_kernel", [dst, fs.iconst("i32", 8n, p), addr], p);
      word = fs.val(
        { op: "load", type: "i64", size: 8, signed: false, base: dst, offset: 0 },
        "i64",
        p,
        p.getName(),
      );
    }
    const v = type.bits === 64 ? word : fs.convert(word, U64, type, p);
    const id = fs.declareVar(p.getName(), type, true);
    fs.writeVar(id, v);
  });
}
