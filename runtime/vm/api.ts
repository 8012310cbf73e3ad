/**
 * The VM's programmatic API, the one tests and `tsbpf vm run` use:
 *
 * ```ts
 * const obj = VmObject.load("xdp.bpf.o", { engine: "interpreter", cpus: 2 });
 * const { r0 } = obj.program("xdp_count").run({ packet });
 * obj.map("counts").as(u32, u64).get(17);   // typed map access
 * obj.ringbuf("events").drain();             // ring buffer samples
 * obj.printk();                              // bpf_trace_printk lines
 * obj.setProcess({ pid: 7, userStack: [0x401000n] }); // the task (and stacks) later runs see
 * ```
 *
 * Consumes object bytes (or a path) and options; loads them with load.ts into one VM address space
 * whose maps persist across runs, as kernel maps persist across program invocations. Each run maps
 * its context (and packet) regions, runs the chosen engine, copies the context and packet back out,
 * and unmaps them. Errors are clean: `VmApiError` for API misuse (unknown program or map, wrong input
 * for the program type), and the VmError / MapError / ObjectError of the layers below.
 */
import { readFileSync } from "node:fs";
import { returnValue } from "../../core/kernel/return-codes.ts";
import { clampFlowKeys, mapFlowKeys } from "./flow-keys.ts";
import { readBpfObject } from "../../core/object/index.ts";
import {
  USDT_IP_MAP,
  USDT_MODE_MAP,
  USDT_SPEC_MAP,
  UsdtSpecError,
  usdtIpEntry,
  usdtModeEntry,
  usdtSpecId,
} from "../../core/usdt/index.ts";
import type { BpfObject } from "../../core/object/model.ts";
import {
  FakeProcessError,
  resolveProcess,
  type FakeProcess,
  type PrintkLine,
} from "../helpers/index.ts";
import { LocalStorageMap, PerfEventArrayMap, RingBufMap, type PerfRecord } from "../maps/index.ts";
import { getEngine } from "./engine.ts";
import type { Engine, Region, RunOptions } from "./contract.ts";
import {
  buildPacketContext,
  packetContextFor,
  skbViewFor,
  testRunRefusal,
  type PacketOptions,
} from "./contexts.ts";
import { type ClonedPacket, type PacketState, type RedirectTarget } from "./packet.ts";
import type { SocketRedirect } from "../helpers/socket-redirect.ts";
import { loadBpfObject, type LoadOptions, type LoadedObject, type LoadedProgram } from "./load.ts";
import { IterError, iterate, type IterateInput, type IterateResult } from "./iter.ts";
export type { IterElement, IterRun, IterateInput, IterateResult } from "./iter.ts";
import { MapView } from "./map-view.ts";

const XDP_REDIRECT = returnValue("XDP_REDIRECT");
const TC_ACT_REDIRECT = returnValue("TC_ACT_REDIRECT");
const SK_PASS = returnValue("SK_PASS");

/** API misuse: unknown names, inputs that do not fit the program. */
export class VmApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VmApiError";
  }
}

/** Runs `f`, reporting a malformed fake-process option as API misuse. */
function checkedProcess<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FakeProcessError) throw new VmApiError(e.message);
    throw e;
  }
}

/** Options of `VmObject.load`. */
export interface VmObjectOptions extends LoadOptions {
  /** Execution engine (default "jit"). */
  readonly engine?: Engine["kind"];
  /** Instruction budget per run (default: the engine's). */
  readonly budget?: number;
}

/** Input of one run. Give at most one of ctx / packet / args. */
export interface RunInput extends PacketOptions {
  /** Raw context bytes (tracepoint record, pt_regs, ...): mapped writable, r1 points at it. */
  readonly ctx?: Uint8Array;
  /** A packet: builds `xdp_md` or `__sk_buff` (by program type) with data/data_end around it. */
  readonly packet?: Uint8Array;
  /** u64 arguments, as fentry/fexit/raw_tp/tp_btf programs see them: ctx = u64[args.length]. */
  readonly args?: readonly (bigint | number)[];
  /** CPU to run this run on (default: the object's current CPU, see `setCpu`). */
  readonly cpu?: number;
  /**
   * The bpf cookie of the attachment the run stands for (bpf_get_attach_cookie; default 0): for a
   * usdt program, what `usdtCookie` returned for the firing site.
   */
  readonly cookie?: bigint;
  /**
   * The process (pid, comm, kernel/user call stacks, ...) for this run only, over the object's
   * current one (see `setProcess`); the object's process is restored afterwards.
   */
  readonly process?: Partial<FakeProcess>;
  readonly engine?: Engine["kind"];
  readonly budget?: number;
  /**
   * Counts executed slots and taken jumps into the counters it returns per program (tsbpf/test
   * coverage); the run then uses the interpreter, which keeps them.
   */
  readonly coverage?: RunOptions["coverage"];
}

/** Outcome of one run. */
export interface VmRunResult {
  /**
   * Where a packet program redirected the packet: the target of its last bpf_redirect /
   * redirect_peer / redirect_neigh / redirect_map call, when its verdict was XDP_REDIRECT or
   * TC_ACT_REDIRECT.
   */
  readonly redirect?: RedirectTarget;
  /**
   * Where an sk_msg / sk_skb program redirected its message or packet: the target of its last
   * bpf_msg_redirect_* / bpf_sk_redirect_* call, when its verdict was SK_PASS.
   */
  readonly socketRedirect?: SocketRedirect;
  /**
   * A flow dissector's `struct bpf_flow_keys` after the run (what BPF_PROG_TEST_RUN returns as its
   * data out).
   */
  readonly flowKeys?: Uint8Array;
  /** The copies bpf_clone_redirect sent, in order. */
  readonly clones?: readonly ClonedPacket[];
  /** r0 at exit, unsigned 64-bit. */
  readonly r0: bigint;
  /** Instructions executed. */
  readonly executed: number;
  /** The context after the run (undefined when the run had none). */
  readonly ctx: Uint8Array | undefined;
  /** The packet after the run (undefined without a packet). */
  readonly packet: Uint8Array | undefined;
}

/** One program of a loaded object. */
export class VmProgram {
  constructor(
    private readonly owner: VmObject,
    readonly loaded: LoadedProgram,
  ) {}

  get name(): string {
    return this.loaded.name;
  }
  get section(): string {
    return this.loaded.section;
  }
  /** Program type without prefix (`XDP`), or undefined when the section matches no libbpf rule. */
  get progType(): string | undefined {
    return this.loaded.progType;
  }
  /** What user space writes into a prog array to install this program. */
  get id(): number {
    return this.loaded.id;
  }

  /** Runs the program once. */
  run(input: RunInput = {}): VmRunResult {
    return this.owner.runProgram(this, input);
  }

  /**
   * Walks an iterator program (SEC("iter/<target>")) over `input.elements` as the kernel's
   * bpf_seq_read does and returns what it printed (runtime/vm/iter.ts).
   */
  iterate(input: IterateInput): IterateResult {
    try {
      return iterate(this.owner, this, input);
    } catch (e) {
      if (e instanceof IterError) throw new VmApiError(e.message);
      throw e;
    }
  }
}

/** A BPF object loaded into the VM. */
export class VmObject {
  readonly programs: readonly VmProgram[];
  private disposed = false;
  /** The object's local storage maps, found at the first run. */
  private storageMaps: LocalStorageMap[] | undefined;
  /** Spec ids of the USDT argument strings `usdtCookie` wrote so far. */
  private readonly usdtSpecIds = new Map<string, number>();

  private constructor(
    readonly loaded: LoadedObject,
    private readonly options: VmObjectOptions,
  ) {
    this.programs = loaded.programs.map((p) => new VmProgram(this, p));
  }

  /** Loads ELF bytes or a file path. */
  static load(input: Uint8Array | string, options: VmObjectOptions = {}): VmObject {
    let bytes: Uint8Array;
    if (typeof input === "string") {
      try {
        bytes = readFileSync(input);
      } catch (e) {
        throw new VmApiError(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
    } else bytes = input;
    return VmObject.fromObject(readBpfObject(bytes), options);
  }

  /** Loads an already-parsed object. */
  static fromObject(obj: BpfObject, options: VmObjectOptions = {}): VmObject {
    if (
      options.engine !== undefined &&
      options.engine !== "jit" &&
      options.engine !== "interpreter"
    ) {
      throw new VmApiError(`unknown engine ${String(options.engine)} (use jit or interpreter)`);
    }
    return new VmObject(
      checkedProcess(() => loadBpfObject(obj, options)),
      options,
    );
  }

  /** The kernel BTF the object's CO-RE relocations were resolved against, when one was given. */
  get coreBtf(): LoadOptions["coreBtf"] {
    return this.options.coreBtf;
  }

  /** A program by function name or section name. */
  program(nameOrSection: string): VmProgram {
    const p =
      this.programs.find((x) => x.name === nameOrSection) ??
      this.programs.find((x) => x.section === nameOrSection);
    if (!p) {
      const names = this.programs.map((x) => `${x.name} (${x.section})`).join(", ");
      throw new VmApiError(`no program ${nameOrSection}; the object has: ${names || "none"}`);
    }
    return p;
  }

  /** Map names in definition order. */
  mapNames(): string[] {
    return this.loaded.mapsByIndex.map((m) => m.spec.name);
  }

  /** User-space access to a map by name (`counts`, `.bss`, ...). */
  map(name: string): MapView {
    const m = this.loaded.maps.get(name);
    if (!m)
      throw new VmApiError(
        `no map ${name}; the object has: ${this.mapNames().join(", ") || "none"}`,
      );
    return new MapView(m, this.loaded.cpus);
  }

  /**
   * The id that stands for map `name` where the kernel takes a map fd: the u32 value user space
   * stores in an ArrayOfMaps / HashOfMaps slot (and reads back from one).
   */
  mapId(name: string): number {
    return this.loaded.maps.idOf(this.map(name).map);
  }

  /**
   * The id that stands for program `name` where the kernel takes a program fd (a prog array slot,
   * a devmap / cpumap entry's `struct bpf_devmap_val` / `bpf_cpumap_val`).
   */
  programId(name: string): number {
    const p = this.loaded.programs.find((x) => x.name === name);
    if (!p) throw new VmApiError(`no program ${name} in the object`);
    return p.id;
  }

  /** A ring buffer map, to drain its samples. */
  ringbuf(name: string): RingBufMap {
    const m = this.map(name).map;
    if (!(m instanceof RingBufMap))
      throw new VmApiError(`map ${name} is a ${m.kind}, not a ringbuf`);
    return m;
  }

  /** A perf event array, to drain its samples. */
  perf(name: string): PerfEventArrayMap {
    const m = this.map(name).map;
    if (!(m instanceof PerfEventArrayMap)) {
      throw new VmApiError(`map ${name} is a ${m.kind}, not a perf_event_array`);
    }
    return m;
  }

  /** Every perf sample of every perf event array, drained. */
  drainPerf(): (PerfRecord & { map: string })[] {
    return this.loaded.mapsByIndex.flatMap((m) =>
      m instanceof PerfEventArrayMap ? m.drain().map((r) => ({ ...r, map: m.spec.name })) : [],
    );
  }

  /** Messages printed with bpf_trace_printk so far. */
  printk(): string[] {
    return this.loaded.env.printk.map((l) => l.message);
  }

  /** The printk lines with pid, CPU and time. */
  printkLines(): readonly PrintkLine[] {
    return this.loaded.env.printk;
  }

  /** Forgets the printk lines seen so far. */
  clearPrintk(): void {
    this.loaded.env.printk.length = 0;
  }

  /** Installs program `program` in slot `index` of prog array `mapName` (for bpf_tail_call). */
  setTailCall(mapName: string, index: number, program: string): void {
    this.map(mapName).set(index, this.program(program).id);
  }

  /** Selects the CPU programs run on (per-CPU maps, bpf_get_smp_processor_id). */
  setCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.loaded.cpus.count) {
      throw new VmApiError(`cpu must be 0..${this.loaded.cpus.count - 1}, got ${cpu}`);
    }
    this.loaded.cpus.current = cpu;
  }

  /** The process the helpers currently observe (pid, comm, call stacks, ...). */
  get process(): Required<FakeProcess> {
    return this.loaded.env.process;
  }

  /**
   * Replaces fields of the process later runs observe, as `setCpu` selects the CPU: pid/tgid/comm
   * for bpf_get_current_*, `kernelStack` / `userStack` (u64 addresses, innermost first) for
   * bpf_get_stackid and bpf_get_stack. Fields not given keep their current values.
   */
  setProcess(patch: Partial<FakeProcess>): void {
    const env = this.loaded.env;
    env.process = checkedProcess(() => resolveProcess(env.process, patch));
  }

  /**
   * What the loader does for a USDT site when it attaches a usdt program that reads arguments:
   * writes the site's argument spec (its note's string, `-4@%ecx 8@%rdx`; core/usdt) into the
   * object's `tsbpf_usdt_specs` map and returns the cookie to run the program with
   * (`run({ ctx: ptRegs, cookie })`). Sites with the same string share a spec.
   */
  usdtCookie(argText: string): bigint {
    return BigInt(this.usdtSpec(argText));
  }

  /**
   * What the loader does for a USDT site without bpf cookies (`usdtCookies: false`): writes the
   * site's spec, maps the site's address to it in `tsbpf_usdt_ip_specs` and switches the object's
   * programs to look their spec up by `regs->ip` (`tsbpf_usdt_mode`), for every later run; run the
   * program with pt_regs whose rip is `address`.
   */
  usdtSite(argText: string, address: bigint): void {
    this.map(USDT_IP_MAP).set(...usdtIpEntry(address, this.usdtSpec(argText)));
    this.map(USDT_MODE_MAP).set(...usdtModeEntry(false));
  }

  /** The spec id of `argText`, its spec written into the spec map the first time. */
  private usdtSpec(argText: string): number {
    const view = this.map(USDT_SPEC_MAP);
    const map = { update: (k: Uint8Array, v: Uint8Array) => view.set(k, v) };
    try {
      return usdtSpecId({ map, ids: this.usdtSpecIds }, argText);
    } catch (e) {
      if (e instanceof UsdtSpecError) throw new VmApiError(e.message);
      throw e;
    }
  }

  /** Runs a program (see `VmProgram.run`). */
  runProgram(prog: VmProgram, input: RunInput): VmRunResult {
    if (this.disposed) throw new VmApiError("the object was disposed");
    const p = prog.loaded;
    if (p.unresolved) throw new VmApiError(p.unresolved);
    const given = [input.ctx, input.packet, input.args].filter((x) => x !== undefined).length;
    if (given > 1) throw new VmApiError("give at most one of ctx, packet and args");
    const savedCpu = this.loaded.cpus.current;
    const savedProcess = this.loaded.env.process;
    if (input.cpu !== undefined) this.setCpu(input.cpu);
    const memory = this.loaded.memory;
    const regions: Region[] = [];
    let ctx: Region | undefined;
    let packet: PacketState | undefined;
    let flowKeys: Region | undefined;
    let ctxVisible = 0;
    try {
      if (input.process !== undefined) this.setProcess(input.process);
      if (input.packet !== undefined) {
        const layout = packetContextFor(p.progType);
        if (!layout) {
          throw new VmApiError(
            `program ${p.name} (${p.progType ?? `section ${p.section}`}) does not take a packet; pass ctx bytes instead`,
          );
        }
        const view = skbViewFor(p.progType);
        const refused = testRunRefusal(p.progType, view, input.packet);
        if (refused) throw new VmApiError(`program ${p.name} (${p.progType}) ${refused}`);
        ({ ctx, packet } = buildPacketContext(memory, layout, input.packet, input, view));
        regions.push(ctx);
        ctxVisible = layout.uapiSize;
        if (p.progType === "FLOW_DISSECTOR") {
          flowKeys = mapFlowKeys(memory, ctx, input.packet);
          regions.push(flowKeys);
        }
      } else if (input.ctx !== undefined) {
        if (packetContextFor(p.progType)) {
          throw new VmApiError(
            `program ${p.name} (${p.progType}) reads packet pointers from its context: pass a packet, not raw ctx bytes`,
          );
        }
        ctx = memory.map(input.ctx.slice(), { writable: true, kind: "context", name: "context" });
        regions.push(ctx);
        ctxVisible = ctx.bytes.length;
      } else if (input.args !== undefined) {
        const bytes = new Uint8Array(input.args.length * 8);
        const view = new DataView(bytes.buffer);
        input.args.forEach((a, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(a)), true));
        ctx = memory.map(bytes, { writable: false, kind: "context", name: "context (u64 args)" });
        regions.push(ctx);
        ctxVisible = bytes.length;
      }
      const engine = getEngine(
        input.coverage ? "interpreter" : (input.engine ?? this.options.engine ?? "jit"),
      );
      this.loaded.env.packet = packet;
      this.loaded.env.socketRedirect = undefined;
      this.loaded.env.attachCookie = BigInt.asUintN(64, input.cookie ?? 0n);
      const res = engine.run(p.program, memory, this.loaded.helpers, {
        args: [ctx?.base ?? 0n],
        budget: input.budget ?? this.options.budget,
        ...(input.coverage ? { coverage: input.coverage } : {}),
        ...(packet && !packet.isXdp
          ? { legacyPacket: (o: number, n: number) => packet!.legacyLoad(o, n) }
          : {}),
      });
      if (flowKeys) clampFlowKeys(flowKeys, input.packet!.length);
      // A socket redirect takes effect when the verdict is SK_PASS (net/core/skmsg.c).
      const socketRedirect = res.r0 === SK_PASS ? this.loaded.env.socketRedirect : undefined;
      const redirected =
        packet?.redirect !== undefined &&
        res.r0 === (packet.isXdp ? XDP_REDIRECT : TC_ACT_REDIRECT);
      return {
        r0: res.r0,
        executed: res.executed,
        ctx: packet ? packet.outputContext() : ctx?.bytes.slice(0, ctxVisible),
        packet: packet?.output(),
        ...(redirected ? { redirect: packet!.redirect } : {}),
        ...(socketRedirect ? { socketRedirect } : {}),
        ...(flowKeys ? { flowKeys: flowKeys.bytes.slice() } : {}),
        ...(packet && packet.clones.length > 0 ? { clones: packet.clones } : {}),
      };
    } finally {
      this.loaded.env.packet = undefined;
      // Owners that lived in the run's regions (the context's socket) die with it, with their storage.
      this.storageMaps ??= this.loaded.maps
        .all()
        .filter((m): m is LocalStorageMap => m instanceof LocalStorageMap);
      for (const m of this.storageMaps) m.releaseOwners(regions);
      packet?.dispose();
      for (const r of regions) memory.unmap(r);
      this.loaded.cpus.current = savedCpu;
      this.loaded.env.process = savedProcess;
    }
  }

  /** Releases every map and region. */
  dispose(): void {
    this.loaded.maps.dispose();
    this.disposed = true;
  }
}
