/**
 * tsbpf/user's typed face: a live probe opened with the probe's own types, the pattern for a
 * user-space program next to its probe (as Aya's user-space crate or bpf2go's generated Go, but
 * with nothing generated: the types come from `typeof import("./probe.ts")`, probe-types.ts):
 *
 *   import { openProbe } from "tsbpf/user";
 *   import type * as probe from "./syscount.ts";
 *   const s = await openProbe<typeof probe>(new URL("./syscount.ts", import.meta.url));
 *   s.maps.counts.get(pid);                      // number | undefined, typed by the probe's map
 *   for await (const ev of s.events.events) ...  // the probe's record interface
 *   s.inputs.inbox.write({ id: 1, amount: 10 });   // a UserRingBuf's sample, for the probe to drain
 *
 * Only exported maps are typed (`export const counts = new HashMap<u32, u64>(...)`); every map is
 * reachable by name either way. Built on `LiveSession` (live-session.ts): loading, attaching,
 * draining and lost-record counts are the same as `tsbpf run`'s.
 *
 * Consumes a `.ts` probe (compiled here), a BPF object file, object bytes or a `BpfObject`;
 * produces a `ProbeSession`. Invariants: values are converted to the probe's TS types by each map's
 * codec (`toProbeValue`); records of a map are delivered to whichever loop iterates that map, in
 * order; records of maps nobody iterates are dropped after counting; `close()` releases all.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { mapKindById } from "../../core/kernel/index.ts";
import { objectNameOf, readBpfObject, type BpfObject } from "../../core/object/index.ts";
import { LiveSession, type LiveSessionOptions, type SessionCounts } from "./live-session.ts";
import type { Codec, UserValue } from "./map-codec.ts";
import { encodeValue } from "./map-codec.ts";
import { isEventMap, recordCodec } from "./object-codecs.ts";
import { UserRingBufferWriter } from "./user-ring-buffer.ts";
import type {
  EventNames,
  EventRecord,
  In,
  InputNames,
  InputSample,
  MapKey,
  MapNames,
  MapValue,
  Out,
} from "./probe-types.ts";
import type { TypedMap } from "./typed-map.ts";

/** A map of the probe, typed by its declaration. */
export interface ProbeMap<K, V> {
  readonly name: string;
  /** The value of `key` (per-CPU maps: summed over CPUs), or undefined. */
  get(key: In<K>): Out<V> | undefined;
  /** Each CPU's value (ordinary maps: one), or undefined. */
  getPerCpu(key: In<K>): Out<V>[] | undefined;
  /** Sets `key` (per-CPU maps: on every CPU). */
  set(key: In<K>, value: In<V>): void;
  /** Deletes `key`; false when it was absent. */
  delete(key: In<K>): boolean;
  /** Every entry (per-CPU maps: values summed). */
  entries(): [Out<K>, Out<V>][];
  /** The untyped view (`UserValue`s, exact 64-bit bigints). */
  readonly raw: TypedMap;
}

/** A ring buffer or perf event array of the probe: its records as they come. */
export interface ProbeEvents<T> extends AsyncIterable<Out<T>> {
  readonly name: string;
}

/** A user ring buffer of the probe: samples user space writes for its programs to drain. */
export interface ProbeFeed<T> {
  readonly name: string;
  /** Writes one sample; false when the buffer has no room for it now. */
  write(sample: In<T>): boolean;
}

/** An opened, attached probe. `M` is `typeof import("./probe.ts")`. */
export interface ProbeSession<M> {
  /** Exported keyed maps by name, typed; other maps via `map(name)`. */
  readonly maps: { readonly [N in MapNames<M>]: ProbeMap<MapKey<M, N>, MapValue<M, N>> };
  /** Exported ring buffers / perf event arrays by name: `for await (const ev of s.events.x)`. */
  readonly events: { readonly [N in EventNames<M>]: ProbeEvents<EventRecord<M, N>> };
  /** Exported user ring buffers by name: `s.inputs.inbox.write(sample)`. */
  readonly inputs: { readonly [N in InputNames<M>]: ProbeFeed<InputSample<M, N>> };
  /** Any data map by name, untyped. */
  map(name: string): ProbeMap<unknown, unknown>;
  /** Records delivered and lost per event map ("N events lost": kernel and tsbpf counts). */
  counts(): ReadonlyMap<string, SessionCounts>;
  /** The session underneath (printk lines, snapshots for printing, detach). */
  readonly session: LiveSession;
  /** Stops every event loop, detaches, releases everything. Idempotent. */
  close(): Promise<void>;
}

/** Where a probe comes from: a `.ts` probe or `.o` object (path or URL), bytes, or a read object. */
export type ProbeInput = string | URL | Uint8Array | BpfObject;

/**
 * Opens a probe live (root): compiles a `.ts` probe, loads it, attaches every program (or
 * `opts.programs`), and returns its maps and event streams typed as the probe declares them.
 */
export async function openProbe<M extends object = Record<string, never>>(
  input: ProbeInput,
  opts: LiveSessionOptions = {},
): Promise<ProbeSession<M>> {
  const { object, name } = await readProbe(input);
  const session = LiveSession.open(object, {
    ...(name !== undefined ? { objectName: name } : {}),
    ...opts,
  });
  return new Session<M>(session);
}

async function readProbe(input: ProbeInput): Promise<{ object: BpfObject; name?: string }> {
  if (input instanceof Uint8Array) return { object: readBpfObject(input) };
  if (!(typeof input === "string" || input instanceof URL)) return { object: input };
  const path = input instanceof URL ? fileURLToPath(input) : input;
  const bytes = new Uint8Array(await readFile(path));
  if (!/\.[cm]?ts$/.test(path)) return { object: readBpfObject(bytes), name: objectNameOf(path) };
  const { compileSource } = await import("../../compiler/driver.ts");
  const out = await compileSource(new TextDecoder().decode(bytes), path, { emit: "obj" });
  const errors = out.diagnostics.filter((d) => d.severity === "error");
  if (!out.object || errors.length > 0) {
    const { formatDiagnostics } = await import("../../compiler/diag/index.ts");
    throw new Error(`${path} does not compile:\n${formatDiagnostics(errors, new Map())}`);
  }
  return { object: readBpfObject(out.object), name: objectNameOf(path) };
}

/**
 * A decoded `UserValue` in the form the probe's TS type gives it (probe-types.ts `Out`): integers
 * as numbers, unsigned byte arrays as arrays even when they look like text, char arrays and
 * addresses as strings, structs and arrays converted member by member.
 */
export function toProbeValue(c: Codec, v: UserValue): unknown {
  switch (c.kind) {
    case "int":
    case "ptr":
      return typeof v === "bigint" ? Number(v) : v;
    case "string":
      if (c.loose && typeof v === "string") {
        const out = new Array<number>(c.size).fill(0);
        new TextEncoder().encode(v).forEach((b, i) => (out[i] = b));
        return out;
      }
      return v;
    case "array":
      return (v as readonly UserValue[]).map((x) => toProbeValue(c.element, x));
    case "struct": {
      const obj = v as Record<string, UserValue>;
      return Object.fromEntries(c.fields.map((f) => [f.name, toProbeValue(f.codec, obj[f.name]!)]));
    }
    default:
      return v;
  }
}

function probeMap(m: TypedMap): ProbeMap<unknown, unknown> {
  const value = (v: UserValue) => toProbeValue(m.valueCodec, v);
  return {
    name: m.name,
    raw: m,
    get: (k) => {
      const v = m.get(k as UserValue);
      return v === undefined ? undefined : value(v);
    },
    getPerCpu: (k) => m.getPerCpu(k as UserValue)?.map(value),
    set: (k, v) => m.set(k as UserValue, v as UserValue),
    delete: (k) => m.delete(k as UserValue),
    entries: () => m.entries().map((e) => [toProbeValue(m.keyCodec, e.key), value(e.value)]),
  } as ProbeMap<unknown, unknown>;
}

/** Records converted but not yet taken by one event map's loop. */
interface Queue {
  readonly items: unknown[];
  /** The next item to hand out. */
  head: number;
  readonly convert: (v: UserValue) => unknown;
  wake?: () => void;
}

/** Records a loop may leave untaken before the pump stops reading (the session then queues). */
const MAX_QUEUED = 65536;

/** Routes the session's records to the loops iterating each event map. */
class Session<M> implements ProbeSession<M> {
  readonly maps: ProbeSession<M>["maps"];
  readonly events: ProbeSession<M>["events"];
  readonly inputs: ProbeSession<M>["inputs"];
  readonly #writers: UserRingBufferWriter[] = [];
  readonly #stop = new AbortController();
  readonly #queues = new Map<string, Queue>();
  #pumping: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #done = false;

  constructor(readonly session: LiveSession) {
    const maps: Record<string, ProbeMap<unknown, unknown>> = {};
    for (const m of session.typedMaps()) maps[m.name] = probeMap(m);
    this.maps = maps as ProbeSession<M>["maps"];
    const events: Record<string, ProbeEvents<unknown>> = {};
    for (const def of session.object.maps.filter(isEventMap)) {
      const codec = recordCodec(session.object, def);
      const convert = (v: UserValue) => (codec ? toProbeValue(codec, v) : v);
      events[def.name] = {
        name: def.name,
        [Symbol.asyncIterator]: () => this.#iterate(def.name, convert),
      };
    }
    this.events = events as ProbeSession<M>["events"];
    const inputs: Record<string, ProbeFeed<unknown>> = {};
    for (const def of session.object.maps.filter(
      (d) => mapKindById(d.type)?.kind === "user_ringbuf",
    )) {
      const codec = recordCodec(session.object, def);
      const fd = session.loaded.map(def.name).fd;
      const writer = new UserRingBufferWriter(fd, def.maxEntries, def.name);
      this.#writers.push(writer);
      inputs[def.name] = {
        name: def.name,
        write: (sample) =>
          writer.write(
            codec ? encodeValue(codec, sample as UserValue, def.name) : (sample as Uint8Array),
          ),
      };
    }
    this.inputs = inputs as ProbeSession<M>["inputs"];
  }

  map(name: string): ProbeMap<unknown, unknown> {
    const m = (this.maps as Record<string, ProbeMap<unknown, unknown>>)[name];
    if (!m) {
      const names = Object.keys(this.maps).join(", ") || "none";
      throw new Error(`the probe has no data map "${name}" (maps: ${names})`);
    }
    return m;
  }

  counts(): ReadonlyMap<string, SessionCounts> {
    return this.session.counts();
  }

  async *#iterate(name: string, convert: (v: UserValue) => unknown): AsyncGenerator<never> {
    if (this.#queues.has(name)) throw new Error(`event map "${name}" is already being iterated`);
    const q: Queue = { items: [], head: 0, convert };
    this.#queues.set(name, q);
    this.#pumping ??= this.#pump();
    try {
      for (;;) {
        while (q.head < q.items.length) {
          const item = q.items[q.head];
          q.items[q.head++] = undefined;
          yield item as never;
          if (q.head === q.items.length) {
            q.items.length = 0;
            q.head = 0;
            this.#drained?.();
          }
        }
        if (this.#done) return;
        await new Promise<void>((resolve) => (q.wake = resolve));
        q.wake = undefined;
      }
    } finally {
      this.#queues.delete(name);
      this.#drained?.();
    }
  }

  /** Reads the session's batches into the iterated maps' queues, until closed. */
  async #pump(): Promise<void> {
    try {
      for await (const batch of this.session.batches(this.#stop.signal)) {
        for (const e of batch) {
          if (e.kind !== "record") continue;
          const q = this.#queues.get(e.map);
          if (q) q.items.push(q.convert(e.value));
        }
        for (const q of this.#queues.values()) if (q.head < q.items.length) q.wake?.();
        // A loop that falls behind holds the rest in the session's bounded queue, not here.
        while (
          !this.#stop.signal.aborted &&
          [...this.#queues.values()].some((q) => q.items.length - q.head > MAX_QUEUED)
        ) {
          await new Promise<void>((resolve) => (this.#drained = resolve));
          this.#drained = undefined;
        }
      }
    } finally {
      this.#done = true;
      for (const q of this.#queues.values()) q.wake?.();
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#drained?.();
    await this.#pumping;
    for (const w of this.#writers) w.close();
    await this.session.close();
  }
}
