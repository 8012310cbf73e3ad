/**
 * The BPF back end for one function, as a short sequence of stages with plain data between them:
 * instruction selection → register allocation → peepholes → constant moves hoisted out of branch
 * arms → jumps threaded through empty blocks (thread-empty-blocks.ts) → loop rotation (rotate-loops.ts) → frame layout → block order and branch layout → checkpoint nops for the kernel verifier
 * (checkpoints.ts) → encoding.
 *
 * Consumes a verified, optimised IR `Func` (and its `Module`, for maps and callees); produces the
 * encoded function plus the intermediate forms a debug dump may want (`--emit asm`), and diagnostics.
 * Register allocation is validated by the independent checker when `check` is set (tests, debug).
 */
import type { Func, Module } from "../../ir/types.ts";
import type { BackendDiagnostic } from "./frame.ts";
import { layoutFrame } from "./frame.ts";
import { encodeFunc, type EncodedFunc } from "./encode.ts";
import { selectFunction } from "./isel.ts";
import { layoutBranches, type Mcpu } from "./layout.ts";
import type { MFunc } from "./mir.ts";
import { orderBlocks } from "./order-blocks.ts";
import { insertCheckpointNops } from "./checkpoints.ts";
import { rotateLoops } from "./rotate-loops.ts";
import { threadEmptyBlocks } from "./thread-empty-blocks.ts";
import { hoistEdgeMoves } from "./hoist-edge-moves.ts";
import { runPeepholes } from "./peephole.ts";
import { allocateRegisters } from "./regalloc.ts";
import { checkAllocation } from "./regalloc-check.ts";

/** Options of the back end. */
export interface BackendOptions {
  readonly mcpu: Mcpu;
  /** Run the register allocation checker and throw an internal error when it objects. */
  readonly check?: boolean;
}

/** Everything the back end produced for one function. */
export interface BackendResult {
  readonly encoded?: EncodedFunc;
  /** Machine IR after selection (virtual registers) and after allocation. */
  readonly selected?: MFunc;
  readonly allocated?: MFunc;
  readonly diagnostics: readonly BackendDiagnostic[];
  readonly stats: { readonly spilled: number; readonly coalesced: number };
}

/**
 * Compiles one IR function to BPF instructions. A function with stack slot addresses passed to
 * several calls is compiled a second time with them held in registers (isel-deferral.ts
 * `HELD_SLOT_CALLS`), and the shorter code is kept: holding pays only when registers are free
 * across the calls, which only allocation knows.
 */
export function compileFunction(f: Func, m: Module, opts: BackendOptions): BackendResult {
  const first = compileWith(f, m, opts, false);
  if (first.slotsToHold === 0 || !first.result.encoded) return first.result;
  const held = compileWith(f, m, opts, true).result;
  const size = (r: BackendResult) => r.encoded!.insns.length;
  return held.encoded && size(held) < size(first.result) ? held : first.result;
}

function compileWith(
  f: Func,
  m: Module,
  opts: BackendOptions,
  holdSlots: boolean,
): { result: BackendResult; slotsToHold: number } {
  const sel = selectFunction(f, m, { mcpu: opts.mcpu, holdSlots });
  return {
    result: finishFunction(f, sel.func, sel.diagnostics, opts),
    slotsToHold: sel.slotsToHold,
  };
}

/** Allocation, peepholes, frame and branch layout, encoding: the stages after selection. */
function finishFunction(
  f: Func,
  selected: MFunc,
  diagnostics: readonly BackendDiagnostic[],
  opts: BackendOptions,
): BackendResult {
  const sel = { func: selected, diagnostics };
  const none = { spilled: 0, coalesced: 0 };
  if (sel.diagnostics.length > 0)
    return { selected: sel.func, diagnostics: sel.diagnostics, stats: none };
  const alloc = allocateRegisters(sel.func);
  if (opts.check) {
    const errors = checkAllocation(alloc);
    if (errors.length > 0) {
      throw new Error(
        `internal: register allocation of ${f.name} is invalid:\n${errors.join("\n")}`,
      );
    }
  }
  const stats = { spilled: alloc.spilled, coalesced: alloc.coalesced };
  const code = rotateLoops(threadEmptyBlocks(hoistEdgeMoves(runPeepholes(alloc.func).func).func));
  const frame = layoutFrame(code);

  if (frame.diagnostics.length > 0) {
    return { selected: sel.func, allocated: alloc.func, diagnostics: frame.diagnostics, stats };
  }
  // Two candidate block orders; keep the one that encodes shorter, the reordered one on a tie (its
  // layout is also the verifier-friendlier one: see order-blocks.ts).
  const original = layoutBranches(code, opts.mcpu);
  const reordered = layoutBranches(orderBlocks(code), opts.mcpu);
  const laid =
    reordered.diagnostics.length === 0 &&
    (original.diagnostics.length > 0 || reordered.insts.length <= original.insts.length)
      ? reordered
      : original;
  if (laid.diagnostics.length > 0) {
    return { selected: sel.func, allocated: alloc.func, diagnostics: laid.diagnostics, stats };
  }
  const encoded = encodeFunc(code, insertCheckpointNops(laid.insts), frame.layout);
  return { encoded, selected: sel.func, allocated: alloc.func, diagnostics: [], stats };
}
