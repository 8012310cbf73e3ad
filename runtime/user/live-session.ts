/**
 * A live probe session: an object loaded into the kernel, every program attached, and its ring
 * buffers, perf buffers and printk lines streamed as one async sequence of events, until the caller
 * stops it; then the maps are read and everything is released.
 *
 * Consumes ELF bytes (or a read `BpfObject`) and options; produces `SessionEvent`s, typed maps and
 * `MapSnapshot`s for printing. Built on runtime/loader (`loadObject`, `LoadedObject.attach`) plus
 * this folder's consumers: what runs is decided first (live-plan.ts), the event maps' sources are
 * opened by event-sources.ts.
 *
 * Invariants:
 * - nothing is pinned, so every kernel object lives only as long as our fds: `close()` (or even
 *   the process dying) leaves no program, link or map behind;
 * - `open()` is all-or-nothing: a failure while loading, attaching or setting up consumers closes
 *   everything created so far before the error propagates;
 * - `close()` is idempotent and safe while `events()` is suspended (it wakes up and ends);
 * - struct_ops maps (struct-ops-run.ts) are registered after every program is attached, and their
 *   registrations are links like the others (`links`): detaching unregisters them;
 * - `set` entries are written after loading and before the first attach, so no program ever runs
 *   without them; a socket filter's packet socket starts receiving only once the filter is on it
 *   (packet-socket.ts), so every frame streamed as a `packet` event passed the filter.
 */
import { readBpfObject, type BpfObject } from "../../core/object/index.ts";
import {
  hookForSection,
  loadObject,
  readIterator,
  type AttachOptions,
  type KernelLink,
  type LoadedObject,
} from "../loader/index.ts";
import { writeMapAssignments, type MapAssignment } from "./map-assign.ts";
import { isDataMap, mapCodecs, mapFacts, usesPrintk } from "./object-codecs.ts";
import { describePacket, PacketSocket } from "./packet-socket.ts";
import type { MapSnapshot } from "./print/map-report.ts";
import { DrainWorker, type DrainMessage, type DrainSource } from "./sys/drain-worker.ts";
import { Epoll } from "./sys/native.ts";
import { TracePipeReader } from "./trace-pipe.ts";
import { registeredLine } from "./struct-ops-run.ts";
import { planLiveRun } from "./live-plan.ts";
import { kernelMapSource, TypedMap } from "./typed-map.ts";
import { RecordEvent, type SessionCounts, type SessionEvent } from "./session-events.ts";
import { openEventSources, type EventSource } from "./event-sources.ts";

export type { SessionCounts, SessionEvent } from "./session-events.ts";

/** Options of `LiveSession.open`. */
export interface LiveSessionOptions {
  /**
   * Load and attach only these programs (function names); default all but those a `set` value
   * names (a prog array's or devmap's program), which are loaded as targets without attaching.
   */
  readonly programs?: readonly string[];
  /**
   * Passed to attach (XDP / tc interface, perf sampling). Socket filters: without `socketFd`, a
   * raw packet socket on `iface` is opened for them and its kept frames stream as `packet` events.
   */
  readonly attach?: AttachOptions;
  /** Map entries to write before any program is attached (`--set MAP:KEY=VALUE`). */
  readonly set?: readonly MapAssignment[];
  /** Progress lines ("attached ..."), e.g. to stderr. */
  readonly onStatus?: (line: string) => void;
  /** Read printk lines: default when a program calls bpf_trace_printk. */
  readonly printk?: boolean;
  /** How often an idle stream re-checks for stop/printk, in ms (default 100). */
  readonly pollMs?: number;
  /** The object's name, for libbpf-style global data map names (`ObjectLoadOptions.objectName`). */
  readonly objectName?: string;
  /**
   * Bytes of records read out of the kernel but not yet taken by the caller that tsbpf keeps
   * (default 64 MiB); beyond that, records are dropped and reported as `lost` (source `user`).
   */
  readonly maxQueuedBytes?: number;
  /** Perf buffer data pages per CPU (a power of two; default 64). */
  readonly perfPages?: number;
}

/**
 * Most records one batch hands out. The kernel's buffers are emptied by the drain worker, not
 * between batches, so this only bounds how much a caller gets at once.
 */
const BATCH = 256;
/** Longest the event stream keeps the event loop from running while records keep coming (ms). */
const LOOP_TURN_MS = 5;

/** A loaded and attached object with its event consumers. */
export class LiveSession {
  #closed = false;
  #wake: (() => void) | undefined;
  /** Records read from the kernel, oldest first, from `#head` on. */
  #queue: RecordEvent[] = [];
  #head = 0;
  #queuedBytes = 0;

  #drain: DrainWorker | undefined;
  #epollWait: Promise<void> | undefined;
  /** Iterator output read at open, handed out by the first `#take`. */
  #iterEvents: SessionEvent[] = [];
  /** The program of each link (the map of a struct_ops registration), by index. */
  readonly #programNames: readonly string[];

  private constructor(
    readonly object: BpfObject,
    readonly loaded: LoadedObject,
    readonly links: readonly KernelLink[],
    private readonly sources: readonly EventSource[],
    /** Watches the packet socket (when there is one). */
    private readonly epoll: Epoll | undefined,
    private readonly printk: TracePipeReader | undefined,
    private readonly pollMs: number,
    private readonly packets: PacketSocket | undefined,
    programNames: readonly string[],
  ) {
    this.#programNames = programNames;
  }

  /** Loads, attaches every program, and sets up consumers; all-or-nothing. */
  static open(input: Uint8Array | BpfObject, opts: LiveSessionOptions = {}): LiveSession {
    const obj = input instanceof Uint8Array ? readBpfObject(input) : input;
    const status = opts.onStatus ?? (() => undefined);
    const { planned, selection, filters, needSocket } = planLiveRun(obj, opts);
    const chosen = selection.attach;
    const loaded = loadObject(obj, {
      programs: selection.load,
      ...(opts.objectName !== undefined ? { objectName: opts.objectName } : {}),
    });
    const links: KernelLink[] = [];
    const sources: EventSource[] = [];
    const drained: DrainSource[] = [];
    let drain: DrainWorker | undefined;
    let session: LiveSession | undefined;
    let epoll: Epoll | undefined;
    let printk: TracePipeReader | undefined;
    let packets: PacketSocket | undefined;
    try {
      for (const w of loaded.warnings) status(`warning: ${w}`);
      writeMapAssignments(dataMaps(obj, loaded), planned, {
        map: (name) => loaded.map(name).fd,
        program: (name) => loaded.program(name).fd,
      });
      openEventSources(obj, loaded, opts.perfPages, status, sources, drained);
      if (drained.length > 0) {
        // Started before any program is attached, so it drains from the first record on.
        drain = new DrainWorker(drained, opts.maxQueuedBytes ?? 64 * 1024 * 1024, (m) =>
          session?.accept(m),
        );
      }
      if (opts.printk ?? usesPrintk(obj)) printk = new TracePipeReader();
      let attach = opts.attach;
      if (needSocket) {
        packets = PacketSocket.open(opts.attach!.iface!);
        epoll = new Epoll();
        epoll.add(packets.fd, `watching the packet socket on ${packets.iface}`);
        attach = { ...opts.attach, socketFd: packets.fd };
      }
      for (const name of chosen) {
        const section = loaded.programs.get(name)!.section;
        const link = loaded.attach(name, attach);
        links.push(link);
        const kind = hookForSection(section)!.hook.kind;
        const on =
          filters.includes(name) && packets
            ? ` on a packet socket on ${packets.iface}`
            : kind === "cgroup" || kind === "netns" || kind === "netfilter"
              ? ` on ${kind === "cgroup" ? "cgroup " : ""}${link.target}`
              : "";
        status(`attached ${name} (${section})${on}`);
      }
      // Last: once registered, the kernel may call its programs at any time.
      for (const map of selection.structOps) {
        links.push(loaded.registerStructOps(map));
        status(registeredLine(obj, map, loaded.structOps.get(map)?.name));
      }
      packets?.start();
    } catch (e) {
      void drain?.close();
      for (const s of sources) s.perf?.close();
      printk?.close();
      loaded.close(); // detaches the links first, then the socket may go
      packets?.close();
      void epoll?.close();
      throw e;
    }
    session = new LiveSession(
      obj,
      loaded,
      links,
      sources,
      epoll,
      printk,
      opts.pollMs ?? 100,
      packets,
      [...chosen, ...selection.structOps],
    );
    session.#drain = drain;
    // Records the worker posted while the programs were being attached.
    drain?.receive();
    try {
      session.#iterEvents = session.runIterators();
    } catch (e) {
      void session.close();
      throw e;
    }
    return session;
  }

  /**
   * Runs every attached iterator once (a fresh walk each call) and returns what each printed.
   * `open()` runs them once already; their output is the first thing the event stream yields.
   */
  runIterators(): SessionEvent[] {
    const out: SessionEvent[] = [];
    for (const [i, link] of this.links.entries()) {
      if (link.kind !== "iter") continue;
      const text = new TextDecoder().decode(readIterator(link));
      out.push({ kind: "iter", program: this.#programNames[i]!, target: link.target, text });
    }
    return out;
  }

  /** True when every attached program is an iterator: all output is there once `open()` returns. */
  get iteratorsOnly(): boolean {
    return this.links.length > 0 && this.links.every((l) => l.kind === "iter");
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Queues the records of one message of the drain worker (views into its transferred copies, no
   * decoding) and adds up its lost counts; wakes `batches()`.
   */
  private accept(m: DrainMessage): void {
    for (const item of m.items) {
      const s = this.sources[item.source]!;
      const cpu = item.cpu >= 0 ? item.cpu : undefined;
      const { copy, samples } = item;
      for (let i = 0; i < samples.length; i += 2) {
        const bytes = copy.subarray(samples[i]!, samples[i]! + samples[i + 1]!);
        this.#queuedBytes += bytes.length;
        this.#queue.push(new RecordEvent(s.map, bytes, s.decode, cpu));
      }
      s.records += BigInt(samples.length / 2);
    }
    for (const l of m.lost) {
      const s = this.sources[l.source]!;
      s.kernelLost += l.kernel;
      s.newKernelLost += l.kernel;
      s.userLost += l.user;
      s.newUserLost += l.user;
    }
    this.#wake?.();
  }

  /**
   * Reads the probes' counters of failed reserves: at most every `pollMs` unless `force` (a
   * syscall per counter; batches can come thousands of times a second).
   */
  #readProbeLost(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.#probeLostReadAt < this.pollMs) return;
    this.#probeLostReadAt = now;
    for (const s of this.sources) {
      if (!s.probeCounter) continue;
      const total = s.probeCounter.read();
      if (total > s.probeLost) {
        s.newProbeLost += total - s.probeLost;
        s.probeLost = total;
      }
    }
  }
  #probeLostReadAt = 0;

  /** Up to `limit` events: records from the queue, lost counts, printk lines, kept packets. */
  #take(limit: number, force = false): SessionEvent[] {
    const out: SessionEvent[] = this.#iterEvents;
    this.#iterEvents = [];
    if (!this.#closed) this.#readProbeLost(force);
    for (const s of this.sources) {
      if (s.newProbeLost > 0n)
        out.push({ kind: "lost", map: s.map, count: s.newProbeLost, source: "probe" });
      s.newProbeLost = 0n;
      if (s.newKernelLost > 0n)
        out.push({ kind: "lost", map: s.map, count: s.newKernelLost, source: "kernel" });
      if (s.newUserLost > 0n)
        out.push({ kind: "lost", map: s.map, count: s.newUserLost, source: "user" });
      s.newKernelLost = 0n;
      s.newUserLost = 0n;
    }
    const end = Math.min(this.#queue.length, this.#head + limit);
    let bytes = 0;
    for (; this.#head < end; this.#head++) {
      const r = this.#queue[this.#head]!;
      bytes += r.bytes.length;
      out.push(r);
    }
    this.#queuedBytes -= bytes;
    if (bytes > 0) this.#drain?.taken(bytes);
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.printk) for (const line of this.printk.poll()) out.push({ kind: "printk", line });
    for (const p of this.packets?.drain() ?? []) {
      out.push({
        kind: "packet",
        iface: this.packets!.iface,
        length: p.length,
        summary: describePacket(p.head),
      });
    }
    return out;
  }

  /**
   * Everything available right now: the drain worker empties the kernel's buffers once more and
   * this waits (briefly, blocking) until it has; then every queued event.
   */
  poll(): SessionEvent[] {
    if (this.#closed) return [];
    this.#drain?.flush();
    return this.#take(Infinity, true);
  }

  /** Records delivered and lost so far, per event map. */
  counts(): ReadonlyMap<string, SessionCounts> {
    return new Map(
      this.sources.map((s) => [
        s.map,
        {
          records: s.records,
          kernelLost: s.kernelLost,
          userLost: s.userLost,
          probeLost: s.probeLost,
        },
      ]),
    );
  }

  /**
   * Events as they come, in batches of at most 256 records, until `signal` aborts or the session
   * is closed. The drain worker empties the kernel's buffers as records come, whatever the caller
   * spends on each batch; the records wait here (bounded by `maxQueuedBytes`). When nothing is
   * left, waits for the worker's next message, the packet socket, or `pollMs` (printk lines, stop
   * requests), and lets the event loop run at least every few ms even while records pour in.
   * Throws what the drain worker died of, if it did.
   */
  async *batches(signal?: AbortSignal): AsyncGenerator<SessionEvent[]> {
    const stopped = () => this.#closed || signal?.aborted === true;
    const onAbort = () => this.#wake?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    let turn = performance.now();
    const loopTurn = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turn = performance.now();
    };
    try {
      while (!stopped()) {
        if (this.#drain?.error) throw this.#drain.error;
        this.#drain?.receive();
        const batch = this.#take(BATCH);
        if (batch.length > 0) {
          yield batch;
          if (performance.now() - turn > LOOP_TURN_MS) await loopTurn();
          continue;
        }
        if (stopped()) break;
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          timer = setTimeout(resolve, this.pollMs);
          if (this.epoll && !this.#epollWait) {
            this.#epollWait = this.epoll.wait(this.pollMs).then(
              () => {
                this.#epollWait = undefined;
                this.#wake?.();
              },
              () => (this.#epollWait = undefined),
            );
          }
        });
        clearTimeout(timer);
        this.#wake = undefined;
        turn = performance.now();
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Events as they come, one by one (`batches`, flattened). */
  async *events(signal?: AbortSignal): AsyncGenerator<SessionEvent> {
    for await (const batch of this.batches(signal)) yield* batch;
  }

  /** Typed views of every map that holds data (not ring buffers / perf arrays). */
  typedMaps(): TypedMap[] {
    return dataMaps(this.object, this.loaded);
  }

  /** The decoded contents of every data map, for printing. */
  snapshots(): MapSnapshot[] {
    return this.typedMaps().map((m) => ({
      name: m.name,
      kind: m.kind,
      keyCodec: m.keyCodec,
      valueCodec: m.valueCodec,
      facts: m.facts,
      entries: m.entries(),
    }));
  }

  /**
   * Detaches every link, so the programs stop running while the maps stay readable (read the
   * final counts between `detach()` and `close()`). Idempotent.
   */
  detach(): void {
    for (const l of this.links) l.detach();
  }

  /** Detaches every link, releases consumers, closes programs and maps. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const errors: unknown[] = [];
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    };
    for (const l of this.links) attempt(() => l.detach());
    await this.#drain?.close();
    for (const s of this.sources) attempt(() => s.perf?.close());
    attempt(() => this.printk?.close());
    attempt(() => this.packets?.close());
    attempt(() => this.loaded.close());
    await this.epoll?.close();
    if (errors.length > 0) throw errors[0];
  }
}

/** Typed views of the object's data maps (not ring buffers / perf arrays, nor the USDT spec map). */
function dataMaps(obj: BpfObject, loaded: LoadedObject): TypedMap[] {
  return obj.maps.filter(isDataMap).map((d) => {
    const c = mapCodecs(obj, d);
    // The object's name (`.bss`), which the printers read, not the kernel's (`xdp_fire.bss`).
    return new TypedMap(kernelMapSource(loaded.map(d.name), d.name), c.key, c.value, mapFacts(d));
  });
}
