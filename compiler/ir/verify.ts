/**
 * The IR verifier: checks the invariants listed in compiler/ir/types.ts and the operand signatures of
 * compiler/ir/README.md. Run after lowering and after every pass in tests and debug builds.
 *
 * Consumes a `Func` (optionally with its `Module`, for call/map/global resolution) or a `Module`;
 * produces a list of problems (empty = valid). `assertValid` turns problems into an
 * `InternalCompilerError` carrying the printed IR, because invalid IR is always a compiler bug, never a
 * user error.
 *
 * Blocks that are in the layout but unreachable from the entry are checked for local well-formedness
 * (types, terminators) but not for dominance, which is undefined for them.
 */
import type { BlockId, Func, Inst, InstId, IrType, Module, ValueId } from "./types.ts";
import { TERMINATORS } from "./types.ts";
import { operandsOf, successorsOf } from "./builder.ts";
import { printFunc, printModule, printInstBody } from "./print.ts";

/** One broken invariant: where, and what. */
export interface VerifyProblem {
  readonly func: string;
  readonly block?: BlockId;
  readonly inst?: InstId;
  readonly message: string;
}

/** Formats a problem as `@func b3: message (inst text)`. */
export function formatProblem(p: VerifyProblem, f?: Func): string {
  const where = `@${p.func}${p.block !== undefined ? ` b${p.block}` : ""}`;
  const inst =
    p.inst !== undefined && f?.insts[p.inst] ? ` [${printInstBody(f.insts[p.inst]!.data)}]` : "";
  return `${where}: ${p.message}${inst}`;
}

/** An internal compiler error: broken IR invariants, with the IR dump for the bug report. */
export class InternalCompilerError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
    readonly irDump: string,
  ) {
    super(`${message}\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "InternalCompilerError";
  }
}

const INT_BITS: Record<IrType, number> = { i1: 1, i8: 8, i16: 16, i32: 32, i64: 64, ptr: 64 };
const isInt = (t: IrType): boolean => t !== "ptr";
/** Largest total of stack slot bytes a BPF frame may hold (kernel MAX_BPF_STACK). */
export const MAX_STACK_BYTES = 512;

/** Verifies a whole module: every function, plus name uniqueness and references between them. */
export function verifyModule(m: Module): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const seen = new Set<string>();
  for (const name of [
    ...m.functions.map((f) => f.name),
    ...m.maps.map((x) => x.name),
    ...m.globals.map((x) => x.name),
  ]) {
    if (seen.has(name)) problems.push({ func: "<module>", message: `duplicate symbol '${name}'` });
    seen.add(name);
  }
  for (const g of m.globals) {
    if (g.init.length !== g.size) {
      problems.push({
        func: "<module>",
        message: `global '${g.name}' init is not ${g.size} bytes`,
      });
    }
  }
  for (const f of m.functions) problems.push(...verifyFunc(f, m));
  return problems;
}

/** Verifies one function. With `m`, calls, maps and globals are resolved against it. */
export function verifyFunc(f: Func, m?: Module): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const report = (message: string, block?: BlockId, inst?: InstId): void => {
    problems.push({ func: f.name, block, inst, message });
  };
  if (f.layout.length === 0) {
    report("function has no blocks");
    return problems;
  }
  // Structure: which block holds each inst, each block once, terminators last.
  const blockOf = new Map<InstId, BlockId>();
  const posOf = new Map<InstId, number>();
  const inLayout = new Set<BlockId>();
  for (const { block, insts } of f.layout) {
    if (f.blocks[block] === undefined) report(`layout names unknown block b${block}`);
    if (inLayout.has(block)) report(`block b${block} appears twice in the layout`, block);
    inLayout.add(block);
    if (insts.length === 0) report("empty block (needs a terminator)", block);
    insts.forEach((id, i) => {
      const inst = f.insts[id];
      if (inst === undefined) return report(`unknown instruction #${id}`, block);
      if (blockOf.has(id)) report(`instruction #${id} is listed twice`, block, id);
      blockOf.set(id, block);
      posOf.set(id, i);
      const isLast = i === insts.length - 1;
      const term = TERMINATORS.has(inst.data.op);
      if (isLast && !term) report("block does not end with a terminator", block, id);
      if (!isLast && term) report("terminator in the middle of a block", block, id);
    });
  }
  const entry = f.layout[0]!.block;
  const entryParams = f.blocks[entry]?.params ?? [];
  const typeOf = (v: ValueId): IrType | undefined => f.values[v]?.type;
  if (
    entryParams.length !== f.params.length ||
    entryParams.some((p, i) => typeOf(p) !== f.params[i])
  ) {
    report(
      `entry block parameters (${entryParams.map(typeOf).join(", ")}) differ from the function's (${f.params.join(", ")})`,
      entry,
    );
  }
  // Definitions: value records agree with where they are defined (values defined nowhere are dead).
  for (const block of inLayout) {
    (f.blocks[block]?.params ?? []).forEach((p, index) => {
      const d = f.values[p]?.def;
      if (d?.kind !== "param" || d.block !== block || d.index !== index) {
        report(
          `parameter ${index} (v${p}) is not recorded as parameter ${index} of b${block}`,
          block,
        );
      }
    });
  }
  for (const [id] of blockOf) {
    const r = f.insts[id]!.result;
    if (r !== null) {
      const v = f.values[r];
      if (v === undefined || v.def.kind !== "inst" || v.def.inst !== id) {
        report(`result v${r} is not recorded as defined here`, blockOf.get(id), id);
      }
    }
  }
  // Per-instruction signatures and branch arity.
  for (const { block, insts } of f.layout) {
    for (const id of insts) {
      const inst = f.insts[id];
      if (inst === undefined) continue;
      for (const msg of checkInst(inst, f, m, inLayout)) report(msg, block, id);
    }
  }
  checkDominance(f, blockOf, posOf, inLayout, report);
  let stack = 0;
  for (const s of f.stackSlots) {
    stack = Math.ceil(stack / s.align) * s.align + s.size;
    if (s.size <= 0) report(`stack slot '${s.name ?? "?"}' has size ${s.size}`);
  }
  if (stack > MAX_STACK_BYTES)
    report(`stack slots need ${stack} bytes, over the ${MAX_STACK_BYTES}-byte limit`);
  return problems;
}

function checkInst(inst: Inst, f: Func, m: Module | undefined, inLayout: Set<BlockId>): string[] {
  const errs: string[] = [];
  const d = inst.data;
  const t = (v: ValueId): IrType | undefined => f.values[v]?.type;
  const res = inst.result === null ? null : t(inst.result);
  const need = (cond: boolean, msg: string): void => {
    if (!cond) errs.push(msg);
  };
  for (const v of operandsOf(d)) need(f.values[v] !== undefined, `operand v${v} does not exist`);
  if (errs.length > 0) return errs;
  const hasResult = (type: IrType | null | "any"): void => {
    if (type === null) need(inst.result === null, `${d.op} must not define a value`);
    else if (inst.result === null) errs.push(`${d.op} must define a value`);
    else if (type !== "any") need(res === type, `${d.op} result must be ${type}, not ${res}`);
  };
  const arith = (v: IrType | undefined): boolean => v === "i32" || v === "i64";
  switch (d.op) {
    case "coreconst":
      hasResult(d.type);
      need(d.type === "i64" || d.type === "i32", "coreconst must be i32 or i64");
      break;
    case "const": {
      hasResult(d.type);
      const bits = BigInt(INT_BITS[d.type]);
      if (d.type === "ptr") need(d.value === 0n, "ptr constants must be 0 (null)");
      else
        need(
          d.value >= -(1n << (bits - 1n)) && d.value < 1n << bits,
          `constant ${d.value} does not fit ${d.type}`,
        );
      break;
    }
    case "binary":
      need(
        arith(t(d.lhs)) && t(d.lhs) === t(d.rhs),
        `${d.binop} operands must both be i32 or both i64 (got ${t(d.lhs)}, ${t(d.rhs)})`,
      );
      hasResult(t(d.lhs)!);
      break;
    case "icmp": {
      const lt = t(d.lhs);
      need(
        (arith(lt) || lt === "ptr") && lt === t(d.rhs),
        `icmp operands must share a type i32/i64/ptr (got ${lt}, ${t(d.rhs)})`,
      );
      hasResult("i1");
      break;
    }
    case "select":
      need(t(d.cond) === "i1", "select condition must be i1");
      need(t(d.ifTrue) === t(d.ifFalse), "select arms must share a type");
      hasResult(t(d.ifTrue)!);
      break;
    case "zext":
    case "sext":
    case "trunc": {
      const a = t(d.arg)!;
      hasResult(d.type);
      need(isInt(a) && isInt(d.type), `${d.op} works on integers only`);
      const widen = INT_BITS[d.type] > INT_BITS[a];
      need(
        d.op === "trunc" ? INT_BITS[d.type] < INT_BITS[a] : widen,
        `${d.op} from ${a} to ${d.type} does not ${d.op === "trunc" ? "narrow" : "widen"}`,
      );
      break;
    }
    case "ptrtoint":
      need(t(d.arg) === "ptr", "ptrtoint operand must be ptr");
      hasResult("i64");
      break;
    case "inttoptr":
      need(t(d.arg) === "i64", "inttoptr operand must be i64");
      hasResult("ptr");
      break;
    case "ptradd":
      need(t(d.base) === "ptr", "ptradd base must be ptr");
      need(t(d.offset) === "i64", "ptradd offset must be i64");
      hasResult("ptr");
      break;
    case "load":
      need(t(d.base) === "ptr", "load base must be ptr");
      need(fitsOffset(d.offset), `load offset ${d.offset} does not fit 16 bits signed`);
      hasResult(d.type);
      if (d.type === "ptr")
        need(
          d.size === 8 || d.size === 4,
          "ptr loads are 8 bytes (4 for kernel-rewritten ctx fields)",
        );
      else
        need(
          d.type === "i64" || (d.type === "i32" && d.size <= 4),
          `load of ${d.size} bytes cannot produce ${d.type}`,
        );
      need(!(d.signed && d.type === "ptr"), "ptr loads cannot be signed");
      break;
    case "store": {
      need(t(d.base) === "ptr", "store base must be ptr");
      need(fitsOffset(d.offset), `store offset ${d.offset} does not fit 16 bits signed`);
      const vt = t(d.value)!;
      need(
        vt === "i64" || vt === "ptr" ? true : vt === "i32" && d.size <= 4,
        `cannot store ${vt} in ${d.size} bytes`,
      );
      hasResult(null);
      break;
    }
    case "atomic":
    case "cmpxchg": {
      const vt = d.size === 4 ? "i32" : "i64";
      need(t(d.base) === "ptr", `${d.op} base must be ptr`);
      need(fitsOffset(d.offset), `${d.op} offset ${d.offset} does not fit 16 bits signed`);
      need(t(d.value) === vt, `${d.op} of ${d.size} bytes needs an ${vt} value`);
      if (d.op === "cmpxchg") {
        need(t(d.expected) === vt, `cmpxchg expected value must be ${vt}`);
        hasResult(vt);
      } else hasResult(d.fetch ? vt : null);
      break;
    }
    case "stackslot":
      need(d.slot >= 0 && d.slot < f.stackSlots.length, `unknown stack slot s${d.slot}`);
      hasResult("ptr");
      break;
    case "mapref":
      if (m)
        need(
          m.maps.some((x) => x.name === d.map),
          `unknown map '${d.map}'`,
        );
      hasResult("ptr");
      break;
    case "funcaddr": {
      const callee = m?.functions.find((x) => x.name === d.callee);
      if (m) need(callee !== undefined, `unknown function '${d.callee}'`);
      if (callee) need(callee.section === null, `cannot take the address of program '${d.callee}'`);
      hasResult("ptr");
      break;
    }
    case "globaladdr":
      if (m) {
        const g = m.globals.find((x) => x.name === d.global);
        need(g !== undefined, `unknown global '${d.global}'`);
        if (g)
          need(
            d.offset >= 0 && d.offset < Math.max(1, g.size),
            `offset ${d.offset} outside global '${d.global}'`,
          );
      }
      hasResult("ptr");
      break;
    case "callhelper":
      need(d.args.length <= 5, "helpers take at most 5 arguments");
      for (const a of d.args)
        need(
          t(a) !== "i1" && t(a) !== "i8" && t(a) !== "i16",
          `helper argument v${a} must be i32, i64 or ptr`,
        );
      if (inst.result !== null)
        need(res === "i64" || res === "ptr", "helper results are i64 or ptr");
      break;
    case "call": {
      need(d.args.length <= 5, "calls take at most 5 arguments");
      const callee = m?.functions.find((x) => x.name === d.callee);
      if (m) need(callee !== undefined, `unknown function '${d.callee}'`);
      if (callee) {
        need(callee.section === null, `cannot call program '${d.callee}'`);
        need(
          callee.params.length === d.args.length &&
            callee.params.every((p, i) => p === t(d.args[i]!)),
          `arguments do not match @${d.callee}(${callee.params.join(", ")})`,
        );
        hasResult(callee.returns);
      }
      break;
    }
    case "memcpy":
    case "memset":
      need(
        t(d.dst) === "ptr" && (d.op === "memset" || t(d.src) === "ptr"),
        `${d.op} operands must be ptr`,
      );
      need(d.size > 0, `${d.op} size must be positive`);
      need([1, 2, 4, 8].includes(d.align), `${d.op} align must be 1, 2, 4 or 8`);
      if (d.op === "memset") need(d.byte >= 0 && d.byte <= 255, "memset byte must be 0..255");
      hasResult(null);
      break;
    case "condbr":
    case "br":
      if (d.op === "condbr") need(t(d.cond) === "i1", "condbr condition must be i1");
      for (const c of successorsOf(d)) {
        if (!inLayout.has(c.block)) {
          errs.push(`branch to b${c.block}, which is not in the layout`);
          continue;
        }
        const ps = f.blocks[c.block]!.params;
        if (ps.length !== c.args.length)
          errs.push(`b${c.block} takes ${ps.length} arguments, branch passes ${c.args.length}`);
        else
          c.args.forEach((a, i) =>
            need(
              t(a) === t(ps[i]!),
              `argument ${i} to b${c.block} is ${t(a)}, parameter is ${t(ps[i]!)}`,
            ),
          );
      }
      hasResult(null);
      break;
    case "ret":
      if (f.returns === null) need(d.value === null, "void function returns a value");
      else need(d.value !== null && t(d.value) === f.returns, `return value must be ${f.returns}`);
      hasResult(null);
      break;
    case "unreachable":
      hasResult(null);
      break;
  }
  return errs;
}

function fitsOffset(n: number): boolean {
  return Number.isInteger(n) && n >= -32768 && n <= 32767;
}

/** Computes immediate dominators (Cooper–Harvey–Kennedy) for blocks reachable from the entry. */
export function computeDominators(f: Func): Map<BlockId, BlockId> {
  const succ = new Map<BlockId, BlockId[]>();
  for (const { block, insts } of f.layout) {
    const last = f.insts[insts[insts.length - 1]!];
    succ.set(block, last ? successorsOf(last.data).map((c) => c.block) : []);
  }
  const entry = f.layout[0]!.block;
  const post: BlockId[] = [];
  const seen = new Set<BlockId>([entry]);
  const stack: { b: BlockId; i: number }[] = [{ b: entry, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const ss = succ.get(top.b) ?? [];
    if (top.i < ss.length) {
      const s = ss[top.i++]!;
      if (!seen.has(s) && succ.has(s)) {
        seen.add(s);
        stack.push({ b: s, i: 0 });
      }
    } else {
      post.push(top.b);
      stack.pop();
    }
  }
  const rpo = post.slice().reverse();
  const order = new Map(rpo.map((b, i) => [b, i]));
  const preds = new Map<BlockId, BlockId[]>();
  for (const b of rpo)
    for (const s of succ.get(b) ?? []) preds.set(s, [...(preds.get(s) ?? []), b]);
  const idom = new Map<BlockId, BlockId>([[entry, entry]]);
  const intersect = (a: BlockId, b: BlockId): BlockId => {
    while (a !== b) {
      while (order.get(a)! > order.get(b)!) a = idom.get(a)!;
      while (order.get(b)! > order.get(a)!) b = idom.get(b)!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of rpo.slice(1)) {
      let next: BlockId | undefined;
      for (const p of preds.get(b) ?? []) {
        if (idom.has(p)) next = next === undefined ? p : intersect(p, next);
      }
      if (next !== undefined && idom.get(b) !== next) {
        idom.set(b, next);
        changed = true;
      }
    }
  }
  return idom;
}

function checkDominance(
  f: Func,
  blockOf: Map<InstId, BlockId>,
  posOf: Map<InstId, number>,
  inLayout: Set<BlockId>,
  report: (message: string, block?: BlockId, inst?: InstId) => void,
): void {
  const idom = computeDominators(f);
  const dominates = (a: BlockId, b: BlockId): boolean => {
    for (let x = b; ;) {
      if (x === a) return true;
      const up = idom.get(x);
      if (up === undefined || up === x) return false;
      x = up;
    }
  };
  /** Where a value is defined: block and position (-1 for block parameters). */
  const defSite = (v: ValueId): { block: BlockId; pos: number } | null => {
    const val = f.values[v];
    if (val === undefined) return null;
    if (val.def.kind === "param")
      return inLayout.has(val.def.block) ? { block: val.def.block, pos: -1 } : null;
    const b = blockOf.get(val.def.inst);
    return b === undefined ? null : { block: b, pos: posOf.get(val.def.inst)! };
  };
  for (const { block, insts } of f.layout) {
    if (!idom.has(block)) continue; // unreachable: dominance is undefined
    insts.forEach((id, pos) => {
      const inst = f.insts[id];
      if (inst === undefined) return;
      for (const v of operandsOf(inst.data)) {
        const site = defSite(v);
        if (site === null) report(`v${v} is used but not defined in the layout`, block, id);
        else if (site.block === block ? site.pos >= pos : !dominates(site.block, block)) {
          report(`use of v${v} is not dominated by its definition`, block, id);
        }
      }
    });
  }
}

/** Throws an `InternalCompilerError` (with the IR dump) if the module or function is invalid. */
export function assertValid(ir: Module | Func, stage = "IR"): void {
  const isModule = "functions" in ir;
  const problems = isModule ? verifyModule(ir) : verifyFunc(ir);
  if (problems.length === 0) return;
  const lookup = (name: string): Func | undefined =>
    isModule ? ir.functions.find((f) => f.name === name) : ir;
  const lines = problems.map((p) => formatProblem(p, lookup(p.func)));
  const dump = isModule ? printModule(ir) : printFunc(ir);
  throw new InternalCompilerError(`invalid IR after ${stage}`, lines, dump);
}
