/**
 * Comparing what two sides did with one frame, and printing a disagreement.
 *
 * Consumes two `FrameOutcome`s and the `MapSnapshot`s taken right after the frame; produces the
 * differences as readable lines (empty when the sides agree): r0, the output packet (length, then
 * each differing byte), and every map entry that is missing on one side or holds another value.
 * A report names the example, the frame's index and label, the input in hex, and both outcomes.
 */
import type { Frame } from "./frames.ts";
import type { FrameOutcome, MapSnapshot } from "./sides.ts";

/** One side's complete result for a frame. */
export interface SideResult {
  readonly side: string;
  readonly outcome: FrameOutcome;
  readonly maps: MapSnapshot;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** At most this many differing packet bytes are listed. */
const MAX_BYTE_DIFFS = 8;

function packetDifferences(a: SideResult, b: SideResult): string[] {
  const [pa, pb] = [a.outcome.packet, b.outcome.packet];
  if (pa.length !== pb.length) {
    return [`packet length: ${a.side} ${pa.length} / ${b.side} ${pb.length}`];
  }
  const out: string[] = [];
  for (let i = 0; i < pa.length; i++) {
    if (pa[i] === pb[i]) continue;
    if (out.length === MAX_BYTE_DIFFS) {
      out.push("packet: more bytes differ");
      break;
    }
    out.push(
      `packet[${i}]: ${a.side} 0x${pa[i]!.toString(16)} / ${b.side} 0x${pb[i]!.toString(16)}`,
    );
  }
  return out;
}

/** Differences between the maps of two sides (every map, every key). */
export function mapDifferences(a: SideResult, b: SideResult): string[] {
  const out: string[] = [];
  const names = new Set([...a.maps.keys(), ...b.maps.keys()]);
  for (const name of names) {
    const [ma, mb] = [a.maps.get(name), b.maps.get(name)];
    if (!ma || !mb) {
      out.push(`map ${name}: only on ${ma ? a.side : b.side}`);
      continue;
    }
    for (const key of new Set([...ma.keys(), ...mb.keys()])) {
      const [va, vb] = [ma.get(key), mb.get(key)];
      if (va !== vb) {
        out.push(`map ${name}[${key}]: ${a.side} ${va ?? "absent"} / ${b.side} ${vb ?? "absent"}`);
      }
    }
  }
  return out;
}

/** Everything that differs between two sides' results for one frame (empty: they agree). */
export function compareResults(a: SideResult, b: SideResult): string[] {
  const [ea, eb] = [a.outcome.error ?? a.outcome.refused, b.outcome.error ?? b.outcome.refused];
  if (ea !== undefined || eb !== undefined) {
    return ea === eb ? [] : [`error: ${a.side} ${ea ?? "none"} / ${b.side} ${eb ?? "none"}`];
  }
  const out: string[] = [];
  if (a.outcome.r0 !== b.outcome.r0) {
    out.push(`r0 (low 32 bits): ${a.side} ${a.outcome.r0} / ${b.side} ${b.outcome.r0}`);
  }
  return [...out, ...packetDifferences(a, b), ...mapDifferences(a, b)];
}

function describe(r: SideResult): string {
  const o = r.outcome;
  if (o.error !== undefined) return `  ${r.side}: error ${o.error}`;
  return `  ${r.side}: r0 ${o.r0}, packet out ${hex(o.packet) || "(empty)"}`;
}

/** A full report of one disagreement. */
export function formatDisagreement(
  example: string,
  index: number,
  frame: Frame,
  a: SideResult,
  b: SideResult,
  differences: readonly string[],
): string {
  return [
    `${example}: frame #${index} (${frame.label}): ${a.side} and ${b.side} disagree`,
    `  input (${frame.bytes.length} bytes): ${hex(frame.bytes) || "(empty)"}`,
    describe(a),
    describe(b),
    ...differences.slice(0, 20).map((d) => `  - ${d}`),
    ...(differences.length > 20 ? [`  - ... ${differences.length - 20} more`] : []),
  ].join("\n");
}
