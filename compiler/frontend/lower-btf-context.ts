/**
 * Fields of a context that is itself a kernel struct of the compile-time BTF (an iterator's
 * `struct bpf_iter__task`, an LSM hook's arguments): read at their BTF offsets with plain loads,
 * no CO-RE relocation, because the verifier types the context from the same BTF. The CO-RE reads
 * through kernel pointers are lower-kernel.ts's.
 */
import { Node } from "ts-morph";
import { BtfKindNumber } from "../../core/btf/index.ts";
import type { ValueId } from "../ir/index.ts";
import type { Operand } from "./func-state.ts";
import { ERROR, FuncState } from "./func-state.ts";
import { isSignedKernelInt } from "./kernel-types.ts";
import { COMPOSITE, missingField, namedType, types } from "./lower-kernel.ts";
import { U64, intOf } from "./types.ts";

/**
 * `ctx.field` of a context that is a kernel struct (an iterator's `struct bpf_iter__task`): one
 * load at the member's BTF offset from the context pointer. A pointer to a struct becomes a BTF
 * pointer the program loads through directly (the verifier types it from the same BTF, and makes
 * the program null-check it when the kernel registered it as `PTR_TO_BTF_ID_OR_NULL`); an integer
 * member is its value.
 */
export function btfContextField(
  fs: FuncState,
  ctx: ValueId,
  struct: string,
  field: string,
  node: Node,
): Operand {
  const kt = types(fs, node);
  if (!kt) return ERROR;
  const id = namedType(fs, kt, struct, node, [BtfKindNumber.struct]);
  if (id === null) return ERROR;
  const m = kt.member(id, field);
  if (!m) return missingField(fs, kt, id, field, node);
  const btf = kt.btf;
  const t = btf.resolve(m.type);
  const kind = btf.kindOf(t);
  const size = btf.sizeOf(t);
  const isInt = kind === BtfKindNumber.int || kind === BtfKindNumber.enum;
  if (
    m.bitfieldSize > 0 ||
    m.bitOffset % 8 !== 0 ||
    !(kind === BtfKindNumber.ptr || isInt) ||
    ![1, 2, 4, 8].includes(size)
  ) {
    fs.m.report("TSB3025", node, {
      what: `'${struct}.${field}'`,
      problem: `it is ${kt.label(t)}; a context field must be a pointer or an integer`,
    });
    return ERROR;
  }
  const ir = size === 8 ? "i64" : "i32";
  const signed = isSignedKernelInt(btf, t);
  const v = fs.val(
    {
      op: "load",
      type: ir,
      size: size as 1 | 2 | 4 | 8,
      signed: signed && size < 4,
      base: ctx,
      offset: m.bitOffset / 8,
    },
    ir,
    node,
  );
  if (kind === BtfKindNumber.ptr) {
    const target = btf.resolve(btf.type(t).type);
    if (COMPOSITE.has(btf.kindOf(target)))
      return { k: "kptr", btfId: target, name: btf.name(target) || "(anon)", v, direct: true };
    return { k: "val", type: U64, v };
  }
  return { k: "val", type: intOf(size * 8, signed), v };
}
