/**
 * Drives several sides of one example through the same frames in the same order, comparing each
 * side with the first (the reference: the kernel when it takes part) after every frame.
 *
 * Consumes frames and `ExampleSide`s (already loaded with the same initial map entries); produces a
 * `LockstepReport`: how many frames ran (and the r0 values the reference returned), which the reference refused (the kernel's input checks:
 * such a frame is not run on the other sides either, so map state stays comparable), the reports of
 * the disagreements, and the time each side spent. Maps are compared in full after every frame,
 * so a wrong counter is caught at the frame that made it wrong.
 */
import { compareResults, formatDisagreement, type SideResult } from "./compare.ts";
import type { Frame } from "./frames.ts";
import type { ExampleSide } from "./sides.ts";

/** What a lockstep run found. */
export interface LockstepReport {
  readonly ran: number;
  /** Frames the reference refused, with its reason. */
  readonly refused: readonly { readonly frame: Frame; readonly reason: string }[];
  /** One formatted report per (frame, side) disagreement. */
  readonly disagreements: readonly string[];
  /** How often the reference returned each r0 (to check the frames reached every verdict). */
  readonly r0Seen: ReadonlyMap<bigint, number>;
  /** Milliseconds each side spent running and snapshotting. */
  readonly millis: ReadonlyMap<string, number>;
}

/** Runs `frames` through every side; `sides[0]` is the reference. */
export function runLockstep(
  example: string,
  frames: readonly Frame[],
  sides: readonly ExampleSide[],
): LockstepReport {
  if (sides.length < 2) throw new Error("lockstep needs at least two sides");
  const millis = new Map(sides.map((s) => [s.name, 0]));
  const refused: { frame: Frame; reason: string }[] = [];
  const disagreements: string[] = [];
  const r0Seen = new Map<bigint, number>();
  let ran = 0;
  frames.forEach((frame, index) => {
    const run = (s: ExampleSide): SideResult => {
      const start = performance.now();
      const outcome = s.run(frame.bytes);
      const maps = outcome.refused === undefined ? s.snapshot() : new Map();
      millis.set(s.name, millis.get(s.name)! + performance.now() - start);
      return { side: s.name, outcome, maps };
    };
    const ref = run(sides[0]!);
    if (ref.outcome.refused !== undefined) {
      refused.push({ frame, reason: ref.outcome.refused });
      return;
    }
    ran++;
    r0Seen.set(ref.outcome.r0, (r0Seen.get(ref.outcome.r0) ?? 0) + 1);
    for (const other of sides.slice(1).map(run)) {
      const diff = compareResults(ref, other);
      if (diff.length > 0) {
        disagreements.push(formatDisagreement(example, index, frame, ref, other, diff));
      }
    }
  });
  return { ran, refused, disagreements, r0Seen, millis };
}
