/**
 * The drain worker: a thread of its own that empties the kernel's ring and perf buffers the moment
 * they have data, whatever the Node thread is doing (decoding, printing, collecting garbage). A
 * 256 KiB ring holds ~2 ms of a tight burst of records, less than one pause of a busy event loop;
 * a thread that does nothing but wait in epoll_wait and copy (as libbpf's ring_buffer__poll does)
 * keeps up with the producer, and the Node thread works through the copies at its own pace.
 *
 * The worker maps every buffer again (the kernel allows several mappings of a ring buffer or perf
 * event fd; the fds are the process's), binds glibc through koffi with sys/native.ts's
 * `LIBC_PROTOTYPES`, and runs drain.ts's `drainRing` / `drainPerfRing` from their source text (so
 * the worker needs no TypeScript loader and works from sources, the CLI bundle and dist/ alike).
 * Per wake-up it posts one message on a MessageChannel: every drained copy (transferred, not
 * cloned) with the [start, length] of its samples, plus kernel and own lost counts.
 *
 * Control, through a SharedArrayBuffer: the Node thread adds the sample bytes it has handed out
 * to `taken`; the worker keeps what it sent minus `taken` under `maxQueuedBytes` and counts the
 * records beyond as lost (source `user`) — memory stays bounded when the Node thread falls behind.
 * `flush()` asks for one more drain and waits for it (Atomics.wait), then receives every message
 * synchronously: "everything available right now". An eventfd in the worker's epoll set wakes it
 * for flushes and for stopping.
 *
 * Invariant: the worker unmaps its own mappings before it exits and never closes the caller's fds;
 * after `close()` resolves, the worker is gone.
 */
import { createRequire } from "node:module";
import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from "node:worker_threads";
import { drainPerfRing, drainRing, perfViews, ringViews } from "../drain.ts";
import { closeFd, eventFdOrThrow, LIBC_PROTOTYPES, pageSize, signalEventFd } from "./native.ts";

/** A buffer for the worker to drain. */
export type DrainSource =
  | { readonly kind: "ring"; readonly fd: number; readonly size: number }
  | {
      readonly kind: "perf";
      readonly rings: readonly {
        readonly cpu: number;
        readonly fd: number;
        readonly length: number;
      }[];
    };

/** Samples of one drained copy: `samples` holds [start, length] pairs into `copy`. */
export interface DrainedItem {
  /** Index into the sources given to the worker. */
  readonly source: number;
  /** Perf buffers: the CPU; ring buffers: -1. */
  readonly cpu: number;
  readonly copy: Uint8Array;
  readonly samples: Uint32Array;
}

/** One message of the worker. */
export interface DrainMessage {
  readonly items: readonly DrainedItem[];
  /** Per source: the kernel's lost count (perf) and the worker's own, since the last message. */
  readonly lost: readonly {
    readonly source: number;
    readonly kernel: bigint;
    readonly user: bigint;
  }[];
}

type WorkerReply = DrainMessage | { readonly error: string };

/** Int32 slots of the control buffer. */
const FLUSH_REQUESTED = 0;
const FLUSH_DONE = 1;
const STOP = 2;
const STATE = 3;
const STARTING = 0;
const FAILED = 2;
/** The BigInt64 slot (at byte 16): sample bytes the Node thread has handed out. */
const TAKEN_AT = 16;
const START_TIMEOUT_MS = 10_000;
const FLUSH_TIMEOUT_MS = 2_000;

/** The worker side. Runs from its source text: it may use nothing but its parameters. */
function drainWorkerMain(
  require: (id: string) => unknown,
  drain: {
    drainRing: typeof drainRing;
    drainPerfRing: typeof drainPerfRing;
    ringViews: typeof ringViews;
    perfViews: typeof perfViews;
  },
): void {
  const { workerData } = require("node:worker_threads") as typeof import("node:worker_threads");
  const data = workerData as {
    koffi: string;
    prototypes: Record<string, string>;
    port: MessagePort;
    control: SharedArrayBuffer;
    sources: DrainSource[];
    eventFd: number;
    maxQueuedBytes: number;
    page: number;
  };
  const ctl = new Int32Array(data.control, 0, 4);
  const taken = new BigInt64Array(data.control, 16, 1);
  const port = data.port;
  const mappings: [unknown, number][] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let f: Record<string, any> = {};
  let epfd = -1;
  const cleanup = () => {
    for (const [ptr, len] of mappings) f.munmap(ptr, len);
    mappings.length = 0;
    if (epfd >= 0) f.close(epfd);
    epfd = -1;
  };
  const readySignal = (state: number) => {
    Atomics.store(ctl, 3, state);
    Atomics.notify(ctl, 3);
  };
  type Ring = ReturnType<typeof ringViews>;
  type Perf = { cpu: number; views: ReturnType<typeof perfViews> }[];
  const srcs: { ring?: Ring; perf?: Perf }[] = [];
  let events: Uint8Array;
  let maxEvents = 1;
  try {
    const koffi = require(data.koffi) as typeof import("koffi");
    const lib = koffi.load("libc.so.6");
    f = Object.fromEntries(Object.entries(data.prototypes).map(([k, p]) => [k, lib.func(p)]));
    const map = (fd: number, len: number, off: number, writable: boolean): ArrayBuffer => {
      const ptr = f.mmap(null, len, writable ? 3 : 1, 1, fd, off) as unknown;
      if (ptr === null || koffi.address(ptr) === 0xffffffffffffffffn)
        throw new Error(`mmap of fd ${fd} in the drain worker failed: errno ${koffi.errno()}`);
      mappings.push([ptr, len]);
      return koffi.view(ptr, len);
    };
    epfd = f.epollCreate1(0x80000) as number;
    if (epfd < 0) throw new Error(`epoll_create1 in the drain worker failed: ${koffi.errno()}`);
    const watch = (fd: number) => {
      const ev = new Uint8Array(12);
      const v = new DataView(ev.buffer);
      v.setUint32(0, 1, true); // EPOLLIN
      v.setBigUint64(4, BigInt(fd), true);
      if ((f.epollCtl(epfd, 1, fd, ev) as number) < 0)
        throw new Error(`epoll_ctl of fd ${fd} in the drain worker failed: ${koffi.errno()}`);
      maxEvents++;
    };
    watch(data.eventFd);
    for (const s of data.sources) {
      if (s.kind === "ring") {
        const consumer = map(s.fd, data.page, 0, true);
        const producer = map(s.fd, data.page + 2 * s.size, data.page, false);
        srcs.push({ ring: drain.ringViews(consumer, producer, data.page, s.size) });
        watch(s.fd);
      } else {
        const perf: Perf = [];
        for (const r of s.rings) {
          perf.push({
            cpu: r.cpu,
            views: drain.perfViews(map(r.fd, r.length, 0, true), data.page),
          });
          watch(r.fd);
        }
        srcs.push({ perf });
      }
    }
    events = new Uint8Array(12 * maxEvents);
  } catch (e) {
    cleanup();
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
    readySignal(2);
    port.close();
    return;
  }

  /** Most samples one pass takes from a ring before it posts them (a flood still gets posted). */
  const LIMIT = 8192;
  let sent = 0;
  /** One pass over every buffer; posts what it took. Returns the number of samples. */
  const drainAll = (): number => {
    const items: DrainedItem[] = [];
    const transfer: ArrayBuffer[] = [];
    const lost: DrainMessage["lost"][number][] = [];
    let count = 0;
    srcs.forEach((s, source) => {
      let kernel = 0n;
      let user = 0n;
      const pieces: { cpu: number; spans: ReturnType<typeof drainRing> }[] = [];
      if (s.ring) pieces.push({ cpu: -1, spans: drain.drainRing(s.ring, LIMIT) });
      for (const r of s.perf ?? []) {
        const d = drain.drainPerfRing(r.views.head, r.views.data);
        kernel += d.lost;
        pieces.push({ cpu: r.cpu, spans: d.spans });
      }
      let backlog = sent - Number(Atomics.load(taken, 0));
      for (const { cpu, spans } of pieces) {
        for (const { copy, samples } of spans) {
          const keep: number[] = [];
          for (let i = 0; i < samples.length; i += 2) {
            const len = samples[i + 1]!;
            count++;
            if (backlog + len > data.maxQueuedBytes) {
              user++;
              continue;
            }
            backlog += len;
            sent += len;
            keep.push(samples[i]!, len);
          }
          if (keep.length === 0) continue;
          const kept = Uint32Array.from(keep);
          items.push({ source, cpu, copy, samples: kept });
          transfer.push(copy.buffer as ArrayBuffer, kept.buffer);
        }
      }
      if (kernel > 0n || user > 0n) lost.push({ source, kernel, user });
    });
    if (items.length > 0 || lost.length > 0) port.postMessage({ items, lost }, transfer);
    return count;
  };

  // PRIO_PROCESS of this thread's id: only this thread (needs CAP_SYS_NICE; else it stays at 0).
  // This thread only (sched_setattr(2), nr 314 on x86_64, struct sched_attr VER1 of 56 bytes):
  // SCHED_OTHER at nice -10 with a 0.1 ms slice, so that when it wakes it preempts a busy thread
  // of this process (the one printing) at once instead of waiting out that thread's slice; it
  // runs for microseconds each time. Needs CAP_SYS_NICE (root has it); refused, nothing changes.
  const attr = new Uint8Array(56);
  const av = new DataView(attr.buffer);
  av.setUint32(0, 56, true);
  av.setInt32(16, -10, true);
  av.setBigUint64(24, 100_000n, true);
  f.schedSetattr(314, f.gettid(), attr, 0);
  readySignal(1);
  // While records come (until 50 ms after the last), the positions are looked at every 0.2 ms
  // rather than waiting for the kernel's wake-up, which comes only when the reader is fully
  // caught up (BPF_RINGBUF wakes on the commit right at consumer_pos) and, on some machines,
  // only at the next timer tick: 4 ms, longer than a 256 KiB ring lasts in a burst.
  let lastRecord = -Infinity;
  const BURST_MS = 50;
  const NAP_MS = 0.2;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let done = 0;
  const clearWake = new Uint8Array(8);
  for (;;) {
    const requested = Atomics.load(ctl, 0);
    const stopping = Atomics.load(ctl, 2) !== 0;
    while (drainAll() > 0) lastRecord = performance.now();
    if (requested !== done) {
      done = requested;
      Atomics.store(ctl, 1, done);
      Atomics.notify(ctl, 1);
    }
    if (stopping) break;
    if (performance.now() - lastRecord < BURST_MS) {
      Atomics.wait(nap, 0, 0, NAP_MS);
      continue;
    }
    const ready = f.epollWait(epfd, events, maxEvents, 1000) as number;
    if (ready > 0) f.read(data.eventFd, clearWake, 8);
  }
  cleanup();
  port.close();
}

/** The worker's source: drain.ts's functions, then the main function called with them. */
function workerSource(): string {
  const fns = { drainRing, drainPerfRing, ringViews, perfViews };
  const defs = Object.entries(fns)
    .map(([name, fn]) => `${name}: ${fn.toString()}`)
    .join(",\n");
  // Transpilers that keep function names (tsx) call an `__name` helper: make it a no-op.
  return `"use strict";\nvar __name = (f) => f;\n(${drainWorkerMain.toString()})(require, {\n${defs}\n});\n`;
}

/** The Node-thread side of one drain worker. */
export class DrainWorker {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #ctl: Int32Array;
  readonly #taken: BigInt64Array;
  readonly #eventFd: number;
  readonly #exited: Promise<void>;
  #error: Error | undefined;
  #closed = false;

  /**
   * Starts the worker on `sources` and waits until it has mapped them all and drains (throws
   * what it failed on otherwise). `onMessage` receives every message, in order, from the event
   * loop or from `receive()` / `flush()`.
   */
  constructor(
    sources: readonly DrainSource[],
    maxQueuedBytes: number,
    private readonly onMessage: (m: DrainMessage) => void,
  ) {
    const control = new SharedArrayBuffer(24);
    this.#ctl = new Int32Array(control, 0, 4);
    this.#taken = new BigInt64Array(control, TAKEN_AT, 1);
    this.#eventFd = eventFdOrThrow("waking the drain worker");
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const workerData = {
      koffi: createRequire(import.meta.url).resolve("koffi"),
      prototypes: LIBC_PROTOTYPES,
      port: port2,
      control,
      sources,
      eventFd: this.#eventFd,
      maxQueuedBytes,
      page: pageSize(),
    };
    this.#worker = new Worker(workerSource(), {
      eval: true,
      workerData,
      transferList: [port2],
    });
    this.#worker.on("error", (e) => (this.#error ??= e));
    this.#exited = new Promise((resolve) => this.#worker.once("exit", () => resolve()));
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (Atomics.load(this.#ctl, STATE) === STARTING && performance.now() < deadline)
      Atomics.wait(this.#ctl, STATE, STARTING, 50);
    const state = Atomics.load(this.#ctl, STATE);
    if (state !== 1) {
      const reply = receiveMessageOnPort(this.#port)?.message as WorkerReply | undefined;
      void this.#worker.terminate();
      port1.close();
      closeFd(this.#eventFd);
      throw new Error(
        state === FAILED && reply && "error" in reply
          ? reply.error
          : `the drain worker did not start within ${START_TIMEOUT_MS / 1000}s`,
      );
    }
    this.#port.on("message", (m: WorkerReply) => this.#handle(m));
  }

  /** An error the worker died of, if it did. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Counts sample bytes handed out by the Node thread (frees room in the worker's budget). */
  taken(bytes: number): void {
    Atomics.add(this.#taken, 0, BigInt(bytes));
  }

  /** Receives every message already posted, synchronously. */
  receive(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.#port);
      if (!m) return;
      this.#handle(m.message as WorkerReply);
    }
  }

  /** Has the worker drain once more, waits for it, and receives everything it posted. */
  flush(): void {
    if (this.#closed || this.#error) return this.receive();
    const seq = Atomics.add(this.#ctl, FLUSH_REQUESTED, 1) + 1;
    signalEventFd(this.#eventFd);
    const deadline = performance.now() + FLUSH_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.#ctl, FLUSH_DONE);
      if (done - seq >= 0 || performance.now() > deadline) break;
      Atomics.wait(this.#ctl, FLUSH_DONE, done, 50);
    }
    this.receive();
  }

  /** Stops the worker after a last drain (whose records are dropped) and waits until it is gone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#ctl, STOP, 1);
    signalEventFd(this.#eventFd);
    const timer = setTimeout(() => void this.#worker.terminate(), FLUSH_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
    this.#port.close();
    closeFd(this.#eventFd);
  }

  #handle(m: WorkerReply): void {
    if ("error" in m) this.#error ??= new Error(m.error);
    else this.onMessage(m);
  }
}
