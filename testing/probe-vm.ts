/**
 * The VM target of tsbpf/test: a probe loaded into the bundled VM (runtime/vm `VmObject`), maps
 * persisting across runs as kernel maps do. With coverage on, every run goes through the reference
 * interpreter and counts executed slots and taken jumps into coverage.ts's counters.
 */
import type { BpfObject } from "../core/object/index.ts";
import type { CoverageCounters, EngineProgram } from "../runtime/vm/contract.ts";
import { VmApiError, VmObject, type VmObjectOptions } from "../runtime/vm/api.ts";
import { vmMapSource, type RawMapSource } from "../runtime/user/typed-map.ts";
import type { IterElement } from "../runtime/vm/iter.ts";
import type {
  BackendResult,
  BackendRun,
  ProbeBackend,
  ProbeTarget,
  TriggerOptions,
} from "./probe-backend.ts";

/** Counters per VM program, when coverage is collected. */
export type CoverageLookup = (program: EngineProgram) => CoverageCounters | undefined;

/** A probe in the VM. */
export class VmBackend implements ProbeBackend {
  readonly target: ProbeTarget = "vm";
  readonly vm: VmObject;

  constructor(
    object: BpfObject,
    options: VmObjectOptions,
    private readonly coverage: CoverageLookup | undefined,
  ) {
    this.vm = VmObject.fromObject(object, options);
  }

  progType(program: string): string | undefined {
    return this.vm.program(program).progType;
  }

  run(input: BackendRun): BackendResult {
    const prog = this.vm.program(input.program);
    const repeat = input.repeat ?? 1;
    if (!Number.isInteger(repeat) || repeat < 1)
      throw new VmApiError(`repeat must be a positive integer, got ${repeat}`);
    let last;
    for (let i = 0; i < repeat; i++) {
      last = prog.run({
        ...(input.packet !== undefined ? { packet: input.packet } : {}),
        ...(input.ctx !== undefined ? { ctx: input.ctx } : {}),
        ...(input.args !== undefined ? { args: input.args } : {}),
        ...(input.cpu !== undefined ? { cpu: input.cpu } : {}),
        ...(input.process !== undefined ? { process: input.process } : {}),
        ...(input.ifindex !== undefined ? { ifindex: input.ifindex } : {}),
        ...(this.coverage ? { coverage: this.coverage } : {}),
      });
    }
    return {
      r0: last!.r0,
      packetOut: last!.packet,
      ctxOut: last!.ctx,
      ...(last!.redirect ? { redirect: last!.redirect } : {}),
      ...(last!.socketRedirect ? { socketRedirect: last!.socketRedirect } : {}),
    };
  }

  map(name: string): RawMapSource {
    return vmMapSource(this.vm.map(name));
  }

  mapRef(name: string): number {
    return this.vm.mapId(name);
  }

  programRef(name: string): number {
    return this.vm.programId(name);
  }

  drain(name: string): Uint8Array[] {
    const m = this.vm.map(name).map;
    if (m.kind === "ringbuf") return this.vm.ringbuf(name).drain();
    if (m.kind === "perf_event_array")
      return this.vm
        .perf(name)
        .drain()
        .map((r) => r.data);
    throw new VmApiError(`map ${name} is a ${m.kind}, not a ring buffer or perf event array`);
  }

  printk(): string[] {
    const lines = this.vm.printk();
    this.vm.clearPrintk();
    return lines;
  }

  async trigger(_action: () => unknown, opts: TriggerOptions): Promise<void> {
    if (!opts.vm)
      throw new VmApiError(
        "trigger in the VM needs the runs that stand for the action: trigger(action, { vm: [{ program, ctx }] })",
      );
    for (const r of opts.vm) {
      if (opts.programs && !opts.programs.includes(r.program)) continue;
      this.run(r);
    }
  }

  iterate(program: string, elements?: readonly IterElement[]): string {
    if (elements === undefined)
      throw new VmApiError(
        `iterate(${program}) in the VM walks the objects a test gives: iterate("${program}", { elements: [...] }) ` +
          "(hostTasks() / hostTcpSockets() read this host's)",
      );
    const r = this.vm.program(program).iterate({ elements });
    if (r.error)
      throw new VmApiError(
        `reading iterator ${program}: ${r.error.message}; printed so far: ${JSON.stringify(r.text)}`,
      );
    return r.text;
  }

  async close(): Promise<void> {
    this.vm.dispose();
  }
}
