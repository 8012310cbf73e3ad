/**
 * `tsbpf/test`: a probe under test, on the bundled VM or the live kernel, typed with the probe's
 * own declarations.
 *
 * ```ts
 * const p = await loadProbe<typeof import("./firewall.ts")>("probes/firewall.ts", { test: ctx });
 * p.map("blocklist").set(ipv4Word("10.0.0.1"), 0);
 * const r = p.program("firewall").run({ packet: ethernet({ ... }) });
 * expect(r.retName).toBe("XDP_DROP");
 * expect(p.map("blocklist").get(ipv4Word("10.0.0.1"))).toBe(1);
 * ```
 *
 * Consumes a probe file and options; compiles it (probe-build.ts, cached by content), loads it on
 * the chosen target (probe-vm.ts / probe-kernel.ts) and decodes every map, record and result with
 * the codecs of the object's BTF (runtime/user), which tsbpf writes from the same TypeScript
 * interfaces the test's types come from (probe-types.ts). Return values are named by
 * core/kernel/return-codes.ts.
 *
 * The target is `options.target`, else `TSBPF_TARGET` (`vm` or `kernel`), else the VM. A kernel
 * target without root is skipped (`options.test.skip`) with a SKIPPED line, or fails under
 * `TSBPF_REQUIRE_KERNEL=1` (probe-skip.ts).
 */
import { basename } from "node:path";
import { mapKindById, returnName } from "../core/kernel/index.ts";
import type { BpfObject } from "../core/object/index.ts";
import type { FakeProcess } from "../runtime/helpers/index.ts";
import type { AttachOptions } from "../runtime/loader/index.ts";
import { encodeValue, type Codec, type UserValue } from "../runtime/user/map-codec.ts";
import { mapCodecs, mapFacts, recordDecoder } from "../runtime/user/object-codecs.ts";
import { TypedMap } from "../runtime/user/typed-map.ts";
import type { VmObjectOptions } from "../runtime/vm/api.ts";
import type { SocketRedirect } from "../runtime/helpers/socket-redirect.ts";
import type { RedirectTarget } from "../runtime/vm/packet.ts";
import type { IterElement } from "../runtime/vm/iter.ts";
import { buildProbe, type BuiltProbe } from "./probe-build.ts";
import type { BackendRun, ProbeBackend, ProbeTarget } from "./probe-backend.ts";
import { KernelBackend } from "./probe-kernel.ts";
import { kernelReady } from "./probe-skip.ts";
import type {
  EventNames,
  EventRecord,
  In,
  InnerMapNames,
  MapKey,
  MapOfMapsNames,
  MapNames,
  MapValue,
  Out,
  ProbeModule,
  OuterKey,
  ProgramNames,
} from "./probe-types.ts";
import { VmBackend } from "./probe-vm.ts";
import { coverageEnabled, coverageFor } from "./coverage.ts";
import { kernelContextCodec, structCodec } from "./context.ts";

export type { ProbeTarget } from "./probe-backend.ts";

/** The parts of a vitest test context loadProbe uses (pass the test's context: `{ test: ctx }`). */
export interface ProbeTestContext {
  /** Skips the running test (vitest's `ctx.skip`). */
  skip(note?: string): void;
  /** Runs `fn` when the test ends (vitest's `ctx.onTestFinished`): the probe is closed then. */
  onTestFinished?(fn: () => unknown): void;
}

/** Options of `loadProbe`. */
export interface ProbeOptions extends Omit<VmObjectOptions, "budget"> {
  /** Where to run: `vm` (default, or `TSBPF_TARGET`) or `kernel` (root). */
  readonly target?: ProbeTarget;
  /** The running test: lets a kernel target skip it without root, and closes the probe after it. */
  readonly test?: ProbeTestContext;
  /** VM: collect line and branch coverage (default: `TSBPF_COVERAGE=1`; see coverage.ts). */
  readonly coverage?: boolean;
  /** VM: instruction budget per run. */
  readonly budget?: number;
}

/** Input of one program run. Give at most one of packet / ctx / args. */
export interface ProbeRunInput {
  readonly packet?: Uint8Array;
  readonly ctx?: Uint8Array;
  readonly args?: readonly (bigint | number)[];
  /** Runs it this many times (default 1); the result is the last run's. */
  readonly repeat?: number;
  /** VM only: the CPU and process (pid, comm, stacks) the helpers observe during this run. */
  readonly cpu?: number;
  readonly process?: Partial<FakeProcess>;
  /** VM only: the interface index a packet arrives on (default 1). */
  readonly ifindex?: number;
}

/** Outcome of one program run. */
export interface ProbeRunResult {
  /** The return value, low 32 bits unsigned (what the kernel reports). */
  readonly ret: number;
  /** Its name for the program type (`XDP_DROP`, `TC_ACT_OK`, `keep 54 bytes`), if it has one. */
  readonly retName: string | undefined;
  /** The packet after the run (packet programs). */
  readonly packetOut: Uint8Array | undefined;
  /** The context after the run, when the target reports it. */
  readonly ctxOut: Uint8Array | undefined;
  /**
   * Where the packet went, when the verdict is a redirect (XDP_REDIRECT, TC_ACT_REDIRECT): the
   * target of the program's last bpf_redirect / redirect_peer / redirect_neigh / redirect_map
   * call, as the VM records it. Absent on the kernel: BPF_PROG_TEST_RUN reports only the return
   * value (the helper's target stays in the kernel's per-CPU redirect state, which test runs
   * neither act on nor return), so there compare `retName` only.
   */
  readonly redirect?: RedirectTarget;
  /**
   * Where an sk_msg / sk_skb program sent its message or packet, when its verdict is SK_PASS after
   * a bpf_msg_redirect_* / bpf_sk_redirect_* call: helper, map, key (hex), socket and ingress, as
   * the VM records it. Absent on the kernel (the target stays in the kernel's per-CPU state).
   */
  readonly socketRedirect?: SocketRedirect;
  /** Kernel: mean nanoseconds per run, as BPF_PROG_TEST_RUN measured it. */
  readonly durationNs?: number;
}

/** One program of a probe. */
export interface ProbeProgram {
  readonly name: string;
  /** Program type without prefix (`XDP`, `TRACEPOINT`), if the section names one. */
  readonly progType: string | undefined;
  run(input?: ProbeRunInput): ProbeRunResult;
}

/** A map of the probe, keys and values as the probe declares them. */
export interface ProbeMap<KIn, KOut, VIn, VOut> {
  readonly name: string;
  /** `hash`, `percpu_array`, ... */
  readonly kind: string;
  /** The value of `key` (per-CPU maps: summed over CPUs), or undefined. */
  get(key: KIn): VOut | undefined;
  /** Each CPU's value of `key` (one element for ordinary maps), or undefined. */
  getPerCpu(key: KIn): VOut[] | undefined;
  /** Sets `key` (per-CPU maps: on every CPU). Missing struct fields are zero. */
  set(key: KIn, value: VIn): void;
  /** Deletes `key`; false when it was absent. */
  delete(key: KIn): boolean;
  /** Every entry (per-CPU maps: values summed), as [key, value] pairs. */
  entries(): [KOut, VOut][];
}

/** A map typed by its declaration `K`, `V`. */
export type TypedProbeMap<K, V> = ProbeMap<In<K>, Out<K>, In<V>, Out<V>>;
/** A map of unknown type (not exported by the probe, or an untyped probe). */
export type UntypedProbeMap = ProbeMap<UserValue, TestValue, UserValue, TestValue>;
/** A decoded value without a declared type. */
export type TestValue = Out<unknown> | number | bigint | boolean | string | Uint8Array | object;

/** Options of `trigger`. */
export interface ProbeTriggerOptions {
  /** Programs to fire (default: every tracing program). */
  readonly programs?: readonly string[];
  /** VM: the runs that stand for the action (the action does not run in the VM). */
  readonly vm?: readonly (ProbeRunInput & { readonly program: string })[];
  /** Kernel: attach options (perf_event sampling, uprobe target, ...). */
  readonly attach?: AttachOptions;
}

/** A loaded probe. */
export class Probe<M extends ProbeModule = ProbeModule> {
  #closed = false;
  readonly #codecs = new Map<string, Codec>();

  constructor(
    readonly built: BuiltProbe,
    private readonly backend: ProbeBackend,
  ) {}

  /** Where it runs. */
  get target(): ProbeTarget {
    return this.backend.target;
  }
  /** Absolute path of the probe file. */
  get file(): string {
    return this.built.file;
  }
  /** The compiled object. */
  get object(): BpfObject {
    return this.built.object;
  }

  /** A program by its exported name. */
  program(name: ProgramNames<M> | (string & {})): ProbeProgram {
    const backend = this.backend;
    const progType = backend.progType(name);
    return {
      name,
      progType,
      run: (input = {}) => {
        const given = [input.packet, input.ctx, input.args].filter((x) => x !== undefined);
        if (given.length > 1) throw new Error("run: give at most one of packet, ctx and args");
        const r = backend.run({ ...input, program: name } as BackendRun);
        const r32 = BigInt.asUintN(32, r.r0);
        return {
          ret: Number(r32),
          retName: returnName(progType, r32),
          packetOut: r.packetOut,
          ctxOut: r.ctxOut,
          ...(r.redirect ? { redirect: r.redirect } : {}),
          ...(r.socketRedirect ? { socketRedirect: r.socketRedirect } : {}),
          ...(r.durationNs !== undefined ? { durationNs: r.durationNs } : {}),
        };
      },
    };
  }

  /** A map, typed with the probe's declaration when the probe exports it. */
  map<N extends MapNames<M>>(name: N): TypedProbeMap<MapKey<M, N>, MapValue<M, N>>;
  map(name: string): UntypedProbeMap;
  map(name: string): UntypedProbeMap {
    const def = this.object.maps.find((d) => d.name === name);
    const source = this.backend.map(name); // unknown names: the target's clean error
    const c = mapCodecs(this.object, def!);
    const typed = new TypedMap(source, c.key, c.value, mapFacts(def!));
    return {
      name,
      kind: typed.kind,
      get: (k) => mapOut(typed.get(k)),
      getPerCpu: (k) => typed.getPerCpu(k)?.map(toTestValue),
      set: (k, v) => typed.set(k, v),
      delete: (k) => typed.delete(k),
      entries: () => typed.entries().map((e) => [toTestValue(e.key), toTestValue(e.value)]),
    };
  }

  /**
   * The number that names program `name` in a map value, as user space stores a program's fd: a
   * devmap entry's `struct bpf_devmap_val` (`map("tx").set(0, { ifindex, fd: p.programRef("fwd") })`).
   * Its fd on the kernel, its id in the VM.
   */
  programRef(name: ProgramNames<M> | (string & {})): number {
    return this.backend.programRef(name);
  }

  /**
   * Stores map `inner` in slot `key` of map of maps `outer` (an ArrayOfMaps index, a HashOfMaps
   * key), replacing what the slot held, as user space does with bpf_map_update_elem and the inner
   * map's fd (the VM takes its id). The kernel refuses a map unlike the outer map's inner template.
   * Empty a slot with `map(outer).delete(key)`.
   */
  storeMap<N extends MapOfMapsNames<M>>(
    outer: N,
    key: In<OuterKey<M, N>>,
    inner: InnerMapNames<M, N>,
  ): void;
  storeMap(outer: string, key: UserValue, inner: string): void;
  storeMap(outer: string, key: UserValue, inner: string): void {
    const def = this.object.maps.find((d) => d.name === outer);
    const source = this.backend.map(outer); // unknown names: the target's clean error
    if (!mapKindById(source.type)?.innerMaps)
      throw new Error(
        `storeMap: map ${outer} is a ${mapKindById(source.type)?.kind ?? `type ${source.type}`}, ` +
          "not a map of maps (ArrayOfMaps / HashOfMaps)",
      );
    const ref = new Uint8Array(4);
    new DataView(ref.buffer).setUint32(0, this.backend.mapRef(inner), true);
    source.update(encodeValue(mapCodecs(this.object, def!).key, key, "key"), [ref]);
  }

  /**
   * The records a ring buffer or perf event array received since the last call, decoded as the
   * probe's record interface.
   */
  events<N extends EventNames<M>>(name: N): Out<EventRecord<M, N>>[];
  events(name: string): TestValue[];
  events(name: string): TestValue[] {
    const def = this.object.maps.find((d) => d.name === name);
    const raw = this.backend.drain(name);
    if (!def) return raw;
    const decode = recordDecoder(this.object, def);
    return raw.map((b) => toTestValue(decode(b)));
  }

  /**
   * The bytes of struct `typeName` (declared in the probe file, or in the stdlib) with `fields` set,
   * laid out as the compiler lays it out: the `ctx` of a tracing program that reads that struct.
   * A uapi context struct's name (`sk_msg_md`, `__sk_buff`, `bpf_sock_addr`, `bpf_sock_ops`, ...)
   * gives that context at the kernel's offsets, the `ctx` of a program of its kind; the stdlib's
   * `...Context` interfaces list what a program may read, not the kernel's layout.
   */
  context<T = unknown>(typeName: string, fields: In<T> | Record<string, unknown> = {}): Uint8Array {
    let c = this.#codecs.get(typeName);
    if (!c) {
      c = kernelContextCodec(typeName) ?? structCodec(this.built.source, this.built.file, typeName);
      this.#codecs.set(typeName, c);
    }
    return encodeValue(c, fields as UserValue, typeName);
  }

  /** bpf_trace_printk lines since the last call. */
  printk(): string[] {
    return this.backend.printk();
  }

  /**
   * Fires the tracing programs while `action` runs: on the kernel they are attached at their hooks
   * for its duration; in the VM `opts.vm` lists the runs that stand for it.
   */
  trigger(action: () => unknown, opts: ProbeTriggerOptions = {}): Promise<void> {
    return this.backend.trigger(action, opts as Parameters<ProbeBackend["trigger"]>[1]);
  }

  /**
   * Runs an iterator program (SEC("iter/<target>")) over its target's objects once and returns
   * what it printed with seqPrintf / seqWrite, as `cat` of a pinned iterator would. The kernel
   * walks its own objects; the VM walks `opts.elements` (the context members besides `meta`,
   * `{ task: { pid, tgid, comm, real_parent: { tgid } } }`: runtime/vm/iter.ts), laid out by the
   * probe's `coreBtf`, and throws as the kernel's read fails (a run returned 1 first, EAGAIN).
   */
  iterate(
    program: ProgramNames<M> | (string & {}),
    opts: { readonly elements?: readonly IterElement[] } = {},
  ): string {
    return this.backend.iterate(program, opts.elements);
  }

  /** Releases the probe (kernel: detaches and closes everything). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.backend.close();
  }
}

function mapOut(v: UserValue | undefined): TestValue | undefined {
  return v === undefined ? undefined : toTestValue(v);
}

/** A decoded value with 64-bit integers as numbers where a double holds them exactly. */
export function toTestValue(v: UserValue): any {
  if (typeof v === "bigint")
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(v)
      : v;
  if (Array.isArray(v)) return v.map(toTestValue);
  if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toTestValue(x as UserValue);
    return out;
  }
  return v;
}

/** The target of a `loadProbe` without one: the first of TSBPF_TARGET, else the VM. */
export function defaultTarget(): ProbeTarget {
  return probeTargets()[0]!;
}

/** Thrown (through `test.skip`) when a kernel target cannot run here. */
export class ProbeSkipped extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProbeSkipped";
  }
}

/**
 * Compiles `file` (cached by content) and loads it on the target. Without root, a kernel target
 * skips the test given as `options.test` (or throws `ProbeSkipped` without one).
 */
export async function loadProbe<M extends ProbeModule = ProbeModule>(
  file: string | URL,
  options: ProbeOptions = {},
): Promise<Probe<M>> {
  const built = await buildProbe(file);
  const target = options.target ?? defaultTarget();
  let backend: ProbeBackend;
  if (target === "kernel") {
    const what = `kernel target of ${basename(built.file)}`;
    if (!kernelReady(what)) {
      const reason = `${what}: needs root + bpf()`;
      options.test?.skip(reason);
      throw new ProbeSkipped(reason);
    }
    backend = KernelBackend.open(built.object);
  } else if (target === "vm") {
    const { target: _t, test: _c, coverage, ...vm } = options;
    backend = new VmBackend(
      built.object,
      vm,
      (coverage ?? coverageEnabled()) ? coverageFor(built) : undefined,
    );
  } else {
    throw new Error(`target must be "vm" or "kernel", got ${JSON.stringify(target)}`);
  }
  const probe = new Probe<M>(built, backend);
  options.test?.onTestFinished?.(() => probe.close());
  return probe;
}

/**
 * The targets a suite runs on: TSBPF_TARGET when set (`vm`, `kernel`, or `vm,kernel`), else
 * `defaults`. For `describe.each(probeTargets(["vm", "kernel"]))`.
 */
export function probeTargets(defaults: readonly ProbeTarget[] = ["vm"]): ProbeTarget[] {
  const env = process.env.TSBPF_TARGET;
  if (!env) return [...defaults];
  const list = env.split(",").map((s) => s.trim());
  for (const t of list)
    if (t !== "vm" && t !== "kernel")
      throw new Error(`TSBPF_TARGET must list vm and/or kernel, got ${JSON.stringify(env)}`);
  return list as ProbeTarget[];
}
