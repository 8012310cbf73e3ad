/**
 * Peephole optimisation of allocated BPF code: a table of patterns over short windows of one block's
 * instructions, read by one matcher (Go's `.rules`, in plain TypeScript). Each pattern returns the
 * replacement for the window it matched; the matcher applies it only when it is shorter, or as long
 * with fewer memory loads, so it terminates and a rewrite never makes code worse.
 *
 * Consumes an `MFunc` over physical registers (after register allocation and its checker); produces
 * the same function with matched windows replaced. The matcher tracks which registers are known to be
 * zero-extended (their high 32 bits are 0) from the start of the block: ALU32 and `mov32` results,
 * narrow zero-extending `ldx` loads (not the sign-extending `ldxs*` of v4) and non-negative `mov64`
 * immediates are (RFC 9669 §4.1: 32-bit operations zero the upper half; §5: loads zero-extend); a
 * call forgets r0–r5.
 */
import { minst, operandsOf, type MFunc, type MInst, type Reg } from "./mir.ts";

/** What a pattern sees: the window start and the zero-extension facts before it. */
export interface PeepholeContext {
  readonly insts: readonly MInst[];
  readonly at: number;
  /** True when `r`'s upper 32 bits are known to be 0 before `insts[at]`. */
  isZeroExtended(r: Reg): boolean;
}

/** One pattern: how many instructions it consumes and their replacement, or undefined. */
export interface PeepholePattern {
  readonly name: string;
  readonly match: (cx: PeepholeContext) => { length: number; replace: MInst[] } | undefined;
}

const isRow = (i: MInst | undefined, name: string) => i?.spec.name === name;

/** The patterns, tried in order at each position. */
export const PEEPHOLES: readonly PeepholePattern[] = [
  {
    // rX = rX (64-bit) does nothing.
    name: "self-move",
    match: ({ insts, at }) => {
      const i = insts[at]!;
      return isRow(i, "mov64_reg") && i.dst === i.src ? { length: 1, replace: [] } : undefined;
    },
  },
  {
    // wX = wX only clears the upper half; nothing to do when it is already clear.
    name: "redundant-zero-extension",
    match: ({ insts, at, isZeroExtended }) => {
      const i = insts[at]!;
      return isRow(i, "mov32_reg") && i.dst === i.src && isZeroExtended(i.dst)
        ? { length: 1, replace: [] }
        : undefined;
    },
  },
  {
    // rX <<= 32; rX >>= 32 is a zero-extension too.
    name: "redundant-shift-pair",
    match: ({ insts, at, isZeroExtended }) => {
      const a = insts[at]!;
      const b = insts[at + 1];
      return isRow(a, "lsh64_imm") &&
        a.imm === 32 &&
        isRow(b, "rsh64_imm") &&
        b!.imm === 32 &&
        b!.dst === a.dst &&
        isZeroExtended(a.dst)
        ? { length: 2, replace: [] }
        : undefined;
    },
  },
  {
    // rX &= M; rX = be16 rX (or le/bswap, 16 or 32 bits): the swap reads only the low 16 (32) bits
    // and writes all 64 (RFC 9669 §4.2), so a mask keeping all of those bits changes nothing.
    name: "mask-before-byte-swap",
    match: ({ insts, at }) => {
      const a = insts[at]!;
      const b = insts[at + 1];
      const isMask = isRow(a, "and32_imm") || isRow(a, "and64_imm");
      return isMask &&
        b?.spec.kind === "end" &&
        b.dst === a.dst &&
        (b.spec.extBits === 16 || b.spec.extBits === 32) &&
        keepsLowBits(a.imm, b.spec.extBits)
        ? { length: 2, replace: [b] }
        : undefined;
    },
  },
  {
    // rX = rY; rY = rX: the second copy moves a value back where it already is.
    name: "copy-back",
    match: ({ insts, at }) => {
      const a = insts[at]!;
      const b = insts[at + 1];
      return isRow(a, "mov64_reg") && isRow(b, "mov64_reg") && b!.dst === a.src && b!.src === a.dst
        ? { length: 2, replace: [a] }
        : undefined;
    },
  },
  {
    // *(u64 *)(r10 + o) = rX; rY = *(u64 *)(r10 + o): reload of what was just spilled.
    name: "reload-after-spill",
    match: ({ insts, at }) => {
      const a = insts[at]!;
      const b = insts[at + 1];
      if (!isRow(a, "stxdw") || !isRow(b, "ldxdw") || a.dst !== 10 || b!.src !== 10)
        return undefined;
      const sameSlot =
        a.frame !== undefined &&
        b!.frame !== undefined &&
        a.frame.kind === b!.frame.kind &&
        a.frame.index === b!.frame.index &&
        a.off === b!.off;
      if (!sameSlot) return undefined;
      const copy =
        b!.dst === a.src ? [] : [minst("mov64_reg", { dst: b!.dst, src: a.src, span: b!.span })];
      return { length: 2, replace: [a, ...copy] };
    },
  },
  {
    // rA = r10; rA += K when rB already holds r10 + K (same frame object, rB unchanged since):
    // rA = rB. Call arguments that are the same stack address (a key that is the value's first
    // field) need it once.
    name: "reuse-stack-address",
    match: ({ insts, at }) => {
      const a = insts[at]!;
      const b = insts[at + 1];
      if (!isStackAddress(a, b)) return undefined;
      const written = new Set<Reg>();
      for (let k = at - 1; k >= 1; k--) {
        const i = insts[k]!;
        const prev = insts[k - 1]!;
        if (
          isStackAddress(prev, i) &&
          i.dst !== a.dst &&
          !written.has(i.dst) &&
          i.imm === b!.imm &&
          sameFrame(i, b!)
        )
          return {
            length: 2,
            replace: [minst("mov64_reg", { dst: a.dst, src: i.dst, span: b!.span })],
          };
        const ops = operandsOf(i);
        for (const r of [...ops.defs, ...ops.clobbers]) written.add(r);
      }
      return undefined;
    },
  },
];

/** True when the (sign-extended) immediate `imm` has all of the low `bits` bits (16 or 32) set. */
function keepsLowBits(imm: number, bits: 16 | 32): boolean {
  return bits === 32 ? (imm | 0) === -1 : (imm & 0xffff) === 0xffff;
}

/** `rX = r10` followed by `rX += imm`: a stack address. */
function isStackAddress(mov: MInst | undefined, add: MInst | undefined): boolean {
  return (
    isRow(mov, "mov64_reg") &&
    mov!.src === 10 &&
    isRow(add, "add64_imm") &&
    add!.dst === mov!.dst &&
    !add!.reloc
  );
}

function sameFrame(x: MInst, y: MInst): boolean {
  if (x.frame === undefined || y.frame === undefined) return x.frame === y.frame;
  return x.frame.kind === y.frame.kind && x.frame.index === y.frame.index;
}

/** Applies `PEEPHOLES` to every block until none matches; returns the function and the count. */
export function runPeepholes(
  f: MFunc,
  patterns: readonly PeepholePattern[] = PEEPHOLES,
): { func: MFunc; rewrites: number } {
  let rewrites = 0;
  const blocks = f.blocks.map((b) => {
    let insts = b.insts;
    for (let changed = true; changed;) {
      changed = false;
      const zext = new Set<Reg>();
      for (let at = 0; at < insts.length && !changed; at++) {
        const cx: PeepholeContext = { insts, at, isZeroExtended: (r) => zext.has(r) };
        for (const p of patterns) {
          const m = p.match(cx);
          if (!m || !isImprovement(insts.slice(at, at + m.length), m.replace)) continue;
          // A CO-RE-relocated instruction stays as it is: the loader patches exactly that one.
          if (insts.slice(at, at + m.length).some((i) => i.reloc?.kind === "core")) continue;
          insts = [...insts.slice(0, at), ...m.replace, ...insts.slice(at + m.length)];
          rewrites++;
          changed = true;
          break;
        }
        if (!changed) trackZeroExtension(insts[at]!, zext);
      }
    }
    return { id: b.id, insts };
  });
  return { func: { ...f, blocks }, rewrites };
}

/** Fewer instructions, or as many with fewer memory loads: the measure every rewrite decreases. */
function isImprovement(before: readonly MInst[], after: readonly MInst[]): boolean {
  const loads = (xs: readonly MInst[]) => xs.filter((i) => i.spec.kind === "ldx").length;
  return (
    after.length < before.length || (after.length === before.length && loads(after) < loads(before))
  );
}

function trackZeroExtension(i: MInst, zext: Set<Reg>): void {
  const ops = operandsOf(i);
  for (const r of [...ops.defs, ...ops.clobbers]) zext.delete(r);
  const s = i.spec;
  const zeroes =
    ((s.kind === "alu" || s.kind === "mov") && s.width === 32) ||
    (s.kind === "ldx" && s.memSize < 8 && s.extBits === 0) ||
    (s.kind === "mov" && s.source === "imm" && i.imm >= 0) ||
    (s.kind === "alu" && s.op === "rsh" && s.source === "imm" && i.imm >= 32);
  if (zeroes) for (const r of ops.defs) zext.add(r);
}
