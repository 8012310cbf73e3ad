/**
 * Rewrites context field loads whose uapi width cannot hold a VM pointer, and stores to fields
 * the kernel keeps narrower than their uapi width, the way the kernel's verifier does (kernel/bpf/verifier.c `convert_ctx_accesses`, e.g. `xdp_md->data` becoming a load of
 * `xdp_buff->data`).
 *
 * Why: `struct xdp_md` and `struct __sk_buff` expose packet pointers as `__u32` fields, and programs
 * read them with 32-bit loads (`w2 = *(u32 *)(r1 + 0)`). A VM address is 64 bits (region id in the
 * upper half), so such a load would lose the region. The VM context therefore carries each pointer a
 * second time as a 64-bit slot past the end of the uapi struct, and this pass turns every 32-bit load
 * of the field *from the context pointer* into a 64-bit load of the slot:
 *
 * ```
 *   w2 = *(u32 *)(r1 + 4)     ; xdp_md->data_end
 *   ⇒ r2 = *(u64 *)(r1 + 32)  ; the VM's 64-bit data_end slot
 * ```
 *
 * Consumes linked instructions (calls already fixed) and the field map of the program's context;
 * produces new instructions of the same length (so no jump needs fixing) and the number rewritten.
 *
 * Which register holds the context is found by a forward data-flow analysis over the CFG: r1 at entry;
 * copies (`rX = rY`), 64-bit spills to and fills from `r10`-relative stack slots; a BPF-to-BPF call
 * passes r1–r5 to the callee (with an empty stack) and clobbers r0–r5 after it; helper calls clobber
 * r0–r5. States merge by intersection, so a load is rewritten only when its base is the context on
 * every path, the condition under which the verifier accepts it.
 */
import {
  FRAME_POINTER,
  insnSpec,
  jumpTarget,
  makeInsn,
  slotOffsets,
  type Insn,
} from "../../core/isa/index.ts";

/** One 32-bit pointer field of a context struct and the offset of its 64-bit VM slot. */
export interface CtxPointerField {
  readonly offset: number;
  readonly vmOffset: number;
}

/**
 * A u32 uapi field whose kernel storage is narrower (`__sk_buff.tc_index` is `sk_buff->tc_index`, a
 * u16): the verifier turns a 32-bit store into a store of the low `size` bytes, so the value read
 * back is truncated. The VM rewrites such stores the same way; the field's upper bytes stay zero.
 */
export interface CtxNarrowField {
  readonly offset: number;
  readonly size: 1 | 2;
}

interface State {
  /** Bit r set when register r holds the context pointer. */
  regs: number;
  /** r10-relative offsets of 8-byte stack slots holding the context pointer. */
  stack: Set<number>;
}

const CALLER_SAVED = 0b111111; // r0–r5

function merge(into: State | undefined, from: State): State | null {
  if (!into) return { regs: from.regs, stack: new Set(from.stack) };
  const regs = into.regs & from.regs;
  const stack = new Set([...into.stack].filter((o) => from.stack.has(o)));
  if (regs === into.regs && stack.size === into.stack.size) return null;
  return { regs, stack };
}

/** The instruction index control reaches after a jump or local call from instruction `i`. */
function targetIndex(
  insn: Insn,
  i: number,
  slotOf: readonly number[],
  indexAt: Map<number, number>,
) {
  const slot = jumpTarget(insn, slotOf[i]!);
  return slot === null ? undefined : indexAt.get(slot);
}

/** Applies one instruction to a state; returns the state after it (fall-through successor). */
function step(insn: Insn, s: State): State {
  const { kind } = insn.spec;
  let regs = s.regs;
  let stack = s.stack;
  const bit = (r: number) => 1 << r;
  switch (kind) {
    case "mov":
      regs &= ~bit(insn.dst);
      if (insn.spec.source === "reg" && insn.spec.width === 64 && s.regs & bit(insn.src)) {
        regs |= bit(insn.dst);
      }
      break;
    case "ldx":
      regs &= ~bit(insn.dst);
      if (insn.src === FRAME_POINTER && insn.spec.memSize === 8 && s.stack.has(insn.off)) {
        regs |= bit(insn.dst);
      }
      break;
    case "stx":
    case "st":
      if (insn.dst === FRAME_POINTER) {
        stack = new Set(
          [...s.stack].filter((o) => o + 8 <= insn.off || o >= insn.off + insn.spec.memSize),
        );
        if (kind === "stx" && insn.spec.memSize === 8 && s.regs & bit(insn.src))
          stack.add(insn.off);
      }
      break;
    case "atomic":
      regs &= ~(bit(insn.src) | 1);
      break;
    case "call":
    case "callx":
    case "ldabs":
    case "ldind":
      regs &= ~CALLER_SAVED;
      break;
    case "jcond":
    case "ja":
    case "exit":
      break;
    default:
      // alu, neg, end, movsx, lddw: dst gets a non-context value.
      regs &= ~bit(insn.dst);
  }
  return { regs, stack };
}

/**
 * Rewrites 32-bit context loads of the given fields into 64-bit loads of their VM slots. Returns the
 * new instruction list and how many loads were rewritten.
 */
export function rewriteContextLoads(
  insns: readonly Insn[],
  fields: readonly CtxPointerField[],
  narrow: readonly CtxNarrowField[] = [],
): { insns: Insn[]; rewritten: number } {
  const out = insns.slice();
  if ((fields.length === 0 && narrow.length === 0) || insns.length === 0)
    return { insns: out, rewritten: 0 };
  const slotOf = slotOffsets(insns);
  const indexAt = new Map<number, number>();
  insns.forEach((_, i) => indexAt.set(slotOf[i]!, i));
  const before: (State | undefined)[] = new Array(insns.length);
  before[0] = { regs: 1 << 1, stack: new Set() };
  const work = [0];
  const flow = (to: number | undefined, s: State) => {
    if (to === undefined || to < 0 || to >= insns.length) return;
    const m = merge(before[to], s);
    if (m) {
      before[to] = m;
      work.push(to);
    }
  };
  while (work.length > 0) {
    const i = work.pop()!;
    const insn = insns[i]!;
    const s = before[i]!;
    const after = step(insn, s);
    const { kind, op } = insn.spec;
    if (kind === "exit") continue;
    if (kind === "ja") {
      flow(targetIndex(insn, i, slotOf, indexAt), after);
      continue;
    }
    if (kind === "jcond") flow(targetIndex(insn, i, slotOf, indexAt), after);
    if (op === "call_local") {
      const callee = targetIndex(insn, i, slotOf, indexAt);
      flow(callee, { regs: s.regs & 0b111110, stack: new Set() });
    }
    flow(i + 1, after);
  }
  const ldxdw = insnSpec("ldxdw");
  let rewritten = 0;
  insns.forEach((insn, i) => {
    const s = before[i];
    if (s && insn.spec.kind === "stx" && insn.spec.memSize === 4 && s.regs & (1 << insn.dst)) {
      const n = narrow.find((x) => x.offset === insn.off);
      if (n) {
        out[i] = makeInsn(insnSpec(n.size === 1 ? "stxb" : "stxh"), {
          dst: insn.dst,
          src: insn.src,
          off: insn.off,
        });
        rewritten++;
      }
      return;
    }
    if (!s || insn.spec.kind !== "ldx" || insn.spec.memSize !== 4 || insn.spec.extBits !== 0)
      return;
    if (!(s.regs & (1 << insn.src))) return;
    const f = fields.find((x) => x.offset === insn.off);
    if (!f) return;
    out[i] = makeInsn(ldxdw, { dst: insn.dst, src: insn.src, off: f.vmOffset });
    rewritten++;
  });
  return { insns: out, rewritten };
}
