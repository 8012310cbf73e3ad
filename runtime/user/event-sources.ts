/**
 * The event streams of a loaded object: one source per ring buffer and perf event array, with the
 * decoder of its records, its loss counters (the probe's own `<name>Lost` counter for a ring
 * buffer: probe-lost.ts) and what the drain worker reads (sys/drain-worker.ts).
 */
import type { BpfObject } from "../../core/object/index.ts";
import { LoaderError, MapType, type LoadedObject } from "../loader/index.ts";
import type { UserValue } from "./map-codec.ts";
import { isEventMap, recordDecoder } from "./object-codecs.ts";
import { PerfBufferReader } from "./perf-buffer.ts";
import { probeLostCounter, type ProbeLostCounter } from "./probe-lost.ts";
import type { DrainSource } from "./sys/drain-worker.ts";

/** One event map of a live session and its counts. */
export interface EventSource {
  readonly map: string;
  readonly decode: (bytes: Uint8Array) => UserValue;
  /** Perf buffers: their events (the drain worker reads their rings). */
  readonly perf?: PerfBufferReader;
  /** Records read and queued (taken or still queued). */
  records: bigint;
  kernelLost: bigint;
  userLost: bigint;
  /** The probe's counter of failed reserves (probe-lost.ts), and what it said last. */
  readonly probeCounter?: ProbeLostCounter;
  probeLost: bigint;
  /** Lost since the last `lost` event was queued. */
  newKernelLost: bigint;
  newUserLost: bigint;
  newProbeLost: bigint;
}

/**
 * Appends a source and a drain entry for each event map of `obj` to `sources` and `drained` (the
 * caller's arrays, so what was opened before a failure is still there for it to close).
 */
export function openEventSources(
  obj: BpfObject,
  loaded: LoadedObject,
  perfPages: number | undefined,
  status: (line: string) => void,
  sources: EventSource[],
  drained: DrainSource[],
): void {
  for (const def of obj.maps) {
    if (!isEventMap(def)) continue;
    const map = loaded.map(def.name);
    const decode = recordDecoder(obj, def);
    if (map.type === MapType.RINGBUF) {
      if (map.maxEntries <= 0 || (map.maxEntries & (map.maxEntries - 1)) !== 0)
        throw new LoaderError(
          `ring buffer "${def.name}": size ${map.maxEntries} is not a power of two`,
        );
      const counter = probeLostCounter(loaded, def.name);
      if (counter && "problem" in counter) status(`warning: ${counter.problem}`);
      const probeCounter = counter && "read" in counter ? counter : undefined;
      sources.push({
        map: def.name,
        decode,
        ...zeroCounts(),
        ...(probeCounter ? { probeCounter } : {}),
      });
      drained.push({ kind: "ring", fd: map.fd, size: map.maxEntries });
    } else {
      const perf = new PerfBufferReader(map, perfPages);
      sources.push({ map: def.name, decode, perf, ...zeroCounts() });
      drained.push({ kind: "perf", rings: perf.rings });
    }
  }
}

/** The counts of a source that has read nothing yet. */
function zeroCounts() {
  return {
    records: 0n,
    kernelLost: 0n,
    userLost: 0n,
    probeLost: 0n,
    newKernelLost: 0n,
    newUserLost: 0n,
    newProbeLost: 0n,
  };
}
