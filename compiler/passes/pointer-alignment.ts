/**
 * Pointer alignment analysis: for each pointer value of a function, the largest power of two (1..8)
 * its address is known to be a multiple of, so aggregate copies and fills can use the widest
 * accesses the memory allows (two 8-byte moves for a 16-byte address, not sixteen byte moves).
 *
 * Consumes an IR `Func` (its stack slots' alignments, its section); produces a lookup function.
 * Sources of knowledge, each a guarantee rather than a guess:
 * - `stackslot`: the slot's alignment (the frame layout places slots on multiples of it, and r10 is
 *   8-aligned);
 * - the context argument of a program whose context is a plain buffer (core/kernel's
 *   BUFFER_CONTEXT_PROG_TYPES: the kernel hands it 8-aligned and accepts any naturally aligned
 *   access); other contexts stay unknown, their fields have fixed access widths;
 * - results of helpers returning a map value or a ring-buffer record (8-aligned in the kernel);
 * - the packet's start (`data`, loaded from the context of a packet program): the verifier checks
 *   an access at `data + off` as if the address were `2 + off` past an 8-byte boundary (NET_IP_ALIGN,
 *   kernel/bpf/verifier.c check_pkt_ptr_alignment, enforced under strict alignment), so an IP header
 *   after the 14-byte Ethernet header is 8-aligned in its model; where alignment is not strict (x86)
 *   any access loads, so copies sized by this model are accepted everywhere, as clang's are;
 * - `ptradd` of a known base and a constant: the residue of the sum.
 * Each pointer is tracked as `rem` modulo a power of two (8 at most): `data` is 2 mod 8, a slot of
 * alignment 4 is 0 mod 4. Anything else (block parameters, other loaded pointers) is 0 mod 1:
 * unknown.
 */
import { contextOffset, programType, resolveSection } from "../../core/kernel/index.ts";
import { CONTEXT_LAYOUTS } from "../../core/kernel/context-layouts.ts";
import type { Func, ValueId } from "../ir/types.ts";

/** Helpers whose non-null result points at a map value or ring-buffer record (8-aligned). */
const ALIGNED_RESULT_HELPERS: ReadonlySet<string> = new Set([
  "map_lookup_elem",
  "map_lookup_percpu_elem",
  "ringbuf_reserve",
]);

/** A pointer known to be `rem` modulo `mod` (a power of two, 1..8). */
interface Residue {
  readonly mod: number;
  readonly rem: number;
}

const UNKNOWN: Residue = { mod: 1, rem: 0 };
/** The verifier's assumed packet start: NET_IP_ALIGN (2) past an 8-byte boundary. */
const PACKET_DATA: Residue = { mod: 8, rem: 2 };

/** Largest power of two (at most `r.mod`) that the pointer is a multiple of. */
function alignOfResidue(r: Residue): number {
  let a = 1;
  while (a < r.mod && r.rem % (a * 2) === 0) a *= 2;
  return a;
}

/** Where the packet start pointer is in the context of the program in `section`, if it has one. */
function packetDataField(section: string | null): { offset: number; size: number } | undefined {
  const sec = section === null ? undefined : resolveSection(section);
  const uapi = sec === undefined ? null : (programType(sec.def.progType)?.uapi ?? null);
  const fields = uapi === null ? undefined : CONTEXT_LAYOUTS[uapi]?.fields;
  const data = fields?.find((x) => x.name === "data");
  if (!data || !fields!.some((x) => x.name === "data_end")) return undefined;
  return { offset: contextOffset(uapi!, "data"), size: data.size };
}

/** Whether `v` is the context argument of the program `f` (its entry block's first parameter). */
function isContext(f: Func, v: ValueId): boolean {
  const def = f.values[v]!.def;
  return (
    f.section !== null &&
    def.kind === "param" &&
    def.block === f.layout[0]?.block &&
    def.index === 0
  );
}

/**
 * The context argument of `f` when it is a plain buffer (BUFFER_CONTEXT_PROG_TYPES: tracepoint,
 * kprobe, perf-event and raw-tracepoint contexts, which the verifier lets a program read at any
 * naturally aligned offset and never write), else null.
 */
export function bufferContextArg(f: Func): ValueId | null {
  const section = f.section === null ? undefined : resolveSection(f.section);
  if (section === undefined || !(programType(section.def.progType)?.bufferContext ?? false))
    return null;
  const ctx = f.blocks[f.layout[0]!.block]!.params[0];
  return ctx !== undefined && isContext(f, ctx) ? ctx : null;
}

/** Known alignment (1, 2, 4 or 8) of every pointer value of `f`. */
export function pointerAlignment(f: Func): (v: ValueId) => number {
  const memo = new Map<ValueId, Residue>();
  const bufferCtx = bufferContextArg(f);
  const data = packetDataField(f.section);
  const isCtx = (v: ValueId): boolean => isContext(f, v);
  const constOf = (v: ValueId): bigint | undefined => {
    const def = f.values[v]!.def;
    if (def.kind !== "inst") return undefined;
    const d = f.insts[def.inst]!.data;
    return d.op === "const" ? BigInt(d.value) : undefined;
  };
  const of = (v: ValueId, depth: number): Residue => {
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    let a = UNKNOWN;
    const def = f.values[v]!.def;
    if (def.kind === "param") {
      if (v === bufferCtx) a = { mod: 8, rem: 0 };
    } else {
      const d = f.insts[def.inst]!.data;
      if (d.op === "stackslot") a = { mod: Math.min(8, f.stackSlots[d.slot]!.align), rem: 0 };
      else if (d.op === "callhelper" && ALIGNED_RESULT_HELPERS.has(d.name)) a = { mod: 8, rem: 0 };
      else if (
        d.op === "load" &&
        data !== undefined &&
        d.type === "ptr" &&
        d.offset === data.offset &&
        d.size === data.size &&
        isCtx(d.base)
      )
        a = PACKET_DATA;
      else if (d.op === "ptradd" && depth < 64) {
        const c = constOf(d.offset);
        if (c !== undefined) {
          const b = of(d.base, depth + 1);
          a = { mod: b.mod, rem: Number(BigInt.asUintN(3, BigInt(b.rem) + c)) % b.mod };
        }
      }
    }
    memo.set(v, a);
    return a;
  };
  return (v) => alignOfResidue(of(v, 0));
}
