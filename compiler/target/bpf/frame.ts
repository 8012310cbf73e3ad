/**
 * Frame layout: gives every IR stack slot and every spill slot a negative offset from r10.
 *
 * Consumes the slot list of an `MFunc` (sizes, alignments) and its spill-slot count; produces the
 * offset of each and the frame size. A BPF frame holds at most 512 bytes (kernel
 * Documentation/bpf/verifier.rst, "MAX_BPF_STACK"); a larger frame is a diagnostic, not a crash.
 *
 * Layout: slots are placed downward from r10 in decreasing alignment (then index) order so padding is
 * minimal; spill slots (8 bytes, 8-aligned, so the verifier tracks spilled pointers precisely) follow.
 * Slots no instruction refers to (merged away by compiler/passes/merge-stack-slots.ts, or left by
 * dead code) take no space.
 */
import type { DiagnosticCode } from "../../diag/catalogue.ts";
import type { Span } from "../../ir/types.ts";
import type { FrameRef, MFunc } from "./mir.ts";
import { STACK_SIZE } from "../../../core/isa/index.ts";

/** A problem found by the back end that the user can act on. */
export interface BackendDiagnostic {
  /** Catalogue code (compiler/diag/catalogue.ts). */
  readonly code: DiagnosticCode;
  /** Template arguments. */
  readonly args: Readonly<Record<string, string | number>>;
  readonly span: Span | null;
}

/** Offsets of every frame object. */
export interface FrameLayout {
  /** Offset (negative) of IR stack slot i. */
  readonly slotOffsets: readonly number[];
  /** Offset (negative) of spill slot i. */
  readonly spillOffsets: readonly number[];
  /** Bytes used below r10. */
  readonly size: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Lays out the frame of `f`; returns a diagnostic when it exceeds 512 bytes. */
export function layoutFrame(f: MFunc): { layout: FrameLayout; diagnostics: BackendDiagnostic[] } {
  const used = new Set<number>();
  for (const b of f.blocks)
    for (const i of b.insts) if (i.frame?.kind === "slot") used.add(i.frame.index);
  const order = f.slots
    .map((s, index) => ({ ...s, index }))
    .filter((s) => used.has(s.index))
    .sort((a, b) => b.align - a.align || a.index - b.index);
  const slotOffsets = new Array<number>(f.slots.length).fill(0);
  let cursor = 0;
  for (const s of order) {
    cursor = alignUp(cursor + s.size, s.align);
    slotOffsets[s.index] = -cursor;
  }
  const spillOffsets: number[] = [];
  for (let k = 0; k < f.spillSlots; k++) {
    cursor = alignUp(cursor + 8, 8);
    spillOffsets.push(-cursor);
  }
  const diagnostics: BackendDiagnostic[] = [];
  if (cursor > STACK_SIZE) {
    diagnostics.push({
      code: "TSB3004",
      args: { name: f.name, bytes: cursor },
      span: f.span,
    });
  }
  return { layout: { slotOffsets, spillOffsets, size: cursor }, diagnostics };
}

/** The offset a frame reference resolves to. */
export function frameOffset(layout: FrameLayout, ref: FrameRef): number {
  const arr = ref.kind === "slot" ? layout.slotOffsets : layout.spillOffsets;
  const v = arr[ref.index];
  if (v === undefined) throw new Error(`internal: unknown ${ref.kind} slot ${ref.index}`);
  return v;
}
