/**
 * The kernel target of tsbpf/test: the probe's object loaded into the live kernel by runtime/loader
 * (the verifier judges it). Packet programs (XDP, tc, socket filters) and raw tracepoints run on
 * the test's input with BPF_PROG_TEST_RUN; tracing programs are attached at their hooks, and
 * struct_ops maps registered with their subsystem, only while `trigger`'s action runs. Ring buffer
 * and perf event array readers and the trace pipe are opened at load, so nothing a program sends is
 * missed.
 *
 * Invariants: `open` is all-or-nothing (a failed load or reader leaves nothing in the kernel);
 * `close` detaches and releases everything; nothing is pinned.
 */
import { resolveSection } from "../core/kernel/index.ts";
import type { BpfObject } from "../core/object/index.ts";
import {
  hookForSection,
  LoaderError,
  loadObject,
  MapType,
  readIterator,
  testRun,
  type KernelLink,
  type LoadedObject,
} from "../runtime/loader/index.ts";
import { isEventMap, usesPrintk } from "../runtime/user/object-codecs.ts";
import { selectRun } from "../runtime/user/struct-ops-run.ts";
import { PerfBufferReader } from "../runtime/user/perf-buffer.ts";
import { RingBufferReader } from "../runtime/user/ring-buffer.ts";
import { TracePipeReader } from "../runtime/user/trace-pipe.ts";
import { kernelMapSource, type RawMapSource } from "../runtime/user/typed-map.ts";
import { packetContextFor, SK_BUFF } from "../runtime/vm/contexts.ts";
import type {
  BackendResult,
  BackendRun,
  ProbeBackend,
  ProbeTarget,
  TriggerOptions,
} from "./probe-backend.ts";

/** Program types whose test run takes and returns a `__sk_buff` context beside the packet. */
const TC_TYPES: ReadonlySet<string> = new Set(["SCHED_CLS", "SCHED_ACT"]);

type Reader = { readonly ring: RingBufferReader } | { readonly perf: PerfBufferReader };

/** A probe in the live kernel. */
export class KernelBackend implements ProbeBackend {
  readonly target: ProbeTarget = "kernel";

  private constructor(
    readonly object: BpfObject,
    readonly loaded: LoadedObject,
    private readonly readers: ReadonlyMap<string, Reader>,
    private readonly tracePipe: TracePipeReader | undefined,
  ) {}

  /** Loads every program and map and opens the event readers; all-or-nothing. */
  static open(object: BpfObject, objectName?: string): KernelBackend {
    const loaded = loadObject(object, objectName !== undefined ? { objectName } : {});
    const readers = new Map<string, Reader>();
    let pipe: TracePipeReader | undefined;
    try {
      for (const def of object.maps) {
        if (!isEventMap(def)) continue;
        const map = loaded.map(def.name);
        readers.set(
          def.name,
          map.type === MapType.RINGBUF
            ? { ring: new RingBufferReader(map.fd, map.maxEntries, def.name) }
            : { perf: new PerfBufferReader(map) },
        );
      }
      if (usesPrintk(object)) {
        pipe = new TracePipeReader();
        pipe.poll(); // lines older than this probe are not its own
      }
    } catch (e) {
      for (const r of readers.values()) ("ring" in r ? r.ring : r.perf).close();
      pipe?.close();
      loaded.close();
      throw e;
    }
    return new KernelBackend(object, loaded, readers, pipe);
  }

  progType(program: string): string | undefined {
    return resolveSection(this.section(program))?.def.progType;
  }

  private section(program: string): string {
    const p = this.loaded.programs.get(program);
    if (!p) this.loaded.program(program); // throws the clean "no program" error
    return p!.section;
  }

  run(input: BackendRun): BackendResult {
    const prog = this.loaded.program(input.program);
    const type = this.progType(input.program);
    const repeat = input.repeat ?? 1;
    if (input.packet !== undefined) {
      if (!packetContextFor(type))
        throw new LoaderError(
          `program ${input.program} (${type ?? this.section(input.program)}) does not take a packet`,
        );
      // tc programs get a zeroed __sk_buff as ctx_in, so ctx_out shows what they wrote
      // (`mark`, `priority`, `tc_classid`, ...), as the VM's context does.
      const ctx = TC_TYPES.has(type ?? "") ? new Uint8Array(SK_BUFF.uapiSize) : undefined;
      const r = testRun(prog, { data: input.packet, repeat, ...(ctx ? { ctx } : {}) });
      return {
        r0: BigInt(r.retval),
        packetOut: r.dataOut,
        ctxOut: ctx ? r.ctxOut : undefined,
        durationNs: r.duration,
      };
    }
    if (type === "RAW_TRACEPOINT" && (input.args !== undefined || input.ctx !== undefined)) {
      const ctx = input.ctx ?? argWords(input.args!);
      const r = testRun(prog, { ctx, repeat });
      return {
        r0: BigInt(r.retval),
        packetOut: undefined,
        ctxOut: r.ctxOut,
        durationNs: r.duration,
      };
    }
    throw new LoaderError(
      `the kernel cannot run program ${input.program} (${type ?? "unknown type"}) on a given input ` +
        "(BPF_PROG_TEST_RUN takes packets and raw tracepoint arguments): fire it with " +
        "p.trigger(action) instead",
    );
  }

  map(name: string): RawMapSource {
    return kernelMapSource(this.loaded.map(name), name);
  }

  mapRef(name: string): number {
    return this.loaded.map(name).fd;
  }

  programRef(name: string): number {
    return this.loaded.program(name).fd;
  }

  drain(name: string): Uint8Array[] {
    const r = this.readers.get(name);
    if (!r) {
      this.loaded.map(name); // unknown name: the clean error
      throw new LoaderError(`map ${name} is not a ring buffer or perf event array`);
    }
    return "ring" in r ? r.ring.consume() : r.perf.consume().map((s) => s.data);
  }

  printk(): string[] {
    return this.tracePipe?.poll().map((l) => l.message) ?? [];
  }

  async trigger(action: () => unknown, opts: TriggerOptions): Promise<void> {
    // struct_ops member programs have no hook: their maps are registered instead (as tsbpf run).
    const selected = selectRun(this.object, opts.programs);
    const names = opts.programs
      ? selected.attach
      : selected.attach.filter((n) => {
          const hook = hookForSection(this.section(n))?.hook.kind;
          return hook !== undefined && !packetContextFor(this.progType(n));
        });
    if (names.length === 0 && selected.structOps.length === 0)
      throw new LoaderError("trigger: the probe has no tracing programs to attach");
    const links: KernelLink[] = [];
    try {
      for (const n of names) links.push(this.loaded.attach(n, opts.attach));
      for (const m of selected.structOps) links.push(this.loaded.registerStructOps(m));
      await action();
    } finally {
      for (const l of links) l.detach();
    }
  }

  iterate(program: string): string {
    const link = this.loaded.attach(program);
    try {
      if (link.kind !== "iter")
        throw new LoaderError(`program ${program} is not an iterator (SEC("iter/<target>"))`);
      return new TextDecoder().decode(readIterator(link));
    } finally {
      link.detach();
    }
  }

  async close(): Promise<void> {
    for (const r of this.readers.values()) ("ring" in r ? r.ring : r.perf).close();
    this.tracePipe?.close();
    this.loaded.close();
  }
}

/** u64 arguments as the context bytes of a raw tracepoint test run. */
function argWords(args: readonly (bigint | number)[]): Uint8Array {
  const b = new Uint8Array(args.length * 8);
  const v = new DataView(b.buffer);
  args.forEach((a, i) => v.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(a)), true));
  return b;
}
