/**
 * `tsbpf run --vm`: the same session shape as live-session.ts, but the programs run in the bundled
 * VM (runtime/vm `VmObject`) on inputs the user provides instead of on kernel hooks.
 *
 * Consumes ELF bytes (or a read `BpfObject`), the programs to run and one input per run (a packet,
 * raw context bytes, or nothing); produces the same `SessionEvent`s (ring buffer / perf records,
 * printk lines) and `MapSnapshot`s as a live session, so printing is shared.
 */
import { returnName } from "../../core/kernel/return-codes.ts";
import { readBpfObject, type BpfObject } from "../../core/object/index.ts";
import {
  VmApiError,
  VmObject,
  type RunInput,
  type VmProgram,
  type VmRunResult,
} from "../vm/api.ts";
import { ETH_HLEN, packetSocketInput } from "../vm/packet.ts";
import { vmIterates } from "../vm/iter.ts";
import { hostIterElements } from "../vm/iter-host.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import type { SessionEvent } from "./live-session.ts";
import {
  planMapAssignments,
  writeMapAssignments,
  type MapAssignment,
  type PlannedAssignment,
} from "./map-assign.ts";
import type { UserValue } from "./map-codec.ts";
import { isDataMap, isEventMap, mapCodecs, mapFacts, recordDecoder } from "./object-codecs.ts";
import type { MapSnapshot } from "./print/map-report.ts";
import { TypedMap, vmMapSource } from "./typed-map.ts";

/** Options of `VmSession.open`. */
export interface VmSessionOptions {
  /** Programs to run (function names); default all but those a `set` value names. */
  readonly programs?: readonly string[];
  /** Simulated CPUs (per-CPU maps). */
  readonly cpus?: number;
  /** Map entries to write before the first run (`--set MAP:KEY=VALUE`). */
  readonly set?: readonly MapAssignment[];
  /** The kernel BTF CO-RE reads (and iterator structs) are laid out by. */
  readonly coreBtf?: string;
}

/** One program run's outcome. */
export interface VmSessionRun {
  readonly program: string;
  readonly result: VmRunResult;
  /** `result.r0` by name for the program type (`XDP_DROP`, `TC_ACT_SHOT`), when it has one. */
  readonly retName?: string;
}

/** An object loaded into the VM, with its event maps and printk lines drained on `poll()`. */
export class VmSession {
  readonly #decoders: ReadonlyMap<string, (bytes: Uint8Array) => UserValue>;

  private constructor(
    readonly object: BpfObject,
    readonly vm: VmObject,
    readonly programs: readonly string[],
  ) {
    this.#decoders = new Map(
      object.maps.filter(isEventMap).map((d) => [d.name, recordDecoder(object, d)]),
    );
  }

  /** Loads the object into the VM. */
  static open(input: Uint8Array | BpfObject, opts: VmSessionOptions = {}): VmSession {
    const obj = input instanceof Uint8Array ? readBpfObject(input) : input;
    const vm = VmObject.fromObject(obj, {
      ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
      ...(opts.coreBtf !== undefined ? { coreBtf: opts.coreBtf } : {}),
    });
    let planned: PlannedAssignment[];
    try {
      planned = planMapAssignments(vmTypedMaps(obj, vm), opts.set ?? [], {
        maps: obj.maps.map((d) => d.name),
        programs: obj.programs,
      });
    } catch (e) {
      vm.dispose();
      throw e;
    }
    // A program a --set value names (a prog array slot, a devmap entry's program) is a target,
    // run only when chosen by name.
    const named = planned.flatMap((p) => (p.named?.kind === "program" ? [p.named.name] : []));
    const names =
      opts.programs ?? obj.programs.map((p) => p.name).filter((n) => !named.includes(n));
    const session = new VmSession(obj, vm, names);
    try {
      if (names.length === 0) throw new VmApiError("the object has no programs to run");
      for (const n of names) vm.program(n); // throws a clean VmApiError for unknown names
      writeMapAssignments(session.typedMaps(), planned, {
        map: (name) => vm.mapId(name),
        program: (name) => vm.programId(name),
      });
    } catch (e) {
      session.close();
      throw e;
    }
    return session;
  }

  /** The chosen programs that are iterators (SEC("iter/<target>")). */
  get iterators(): string[] {
    return this.programs.filter((p) => vmIterates(this.vm.program(p).section));
  }

  /**
   * Walks every chosen iterator once over this host's objects (runtime/vm/iter-host.ts: the
   * processes of /proc, the object's maps, /proc/net/tcp's sockets); one `iter` event each.
   */
  iterateAll(): SessionEvent[] {
    return this.iterators.map((p) => {
      const prog = this.vm.program(p);
      const target = resolveSection(prog.section)!.target;
      const elements = hostIterElements(target, this.vm);
      if (!elements)
        throw new VmApiError(
          `program ${p}: the VM has no default objects for iter/${target} (it walks tasks, bpf_map and tcp)`,
        );
      const r = prog.iterate({ elements });
      if (r.error) throw new VmApiError(`reading iterator iter/${target}: ${r.error.message}`);
      return { kind: "iter", program: p, target, text: r.text };
    });
  }

  /** Runs every chosen program that is not an iterator once on `input`. */
  runAll(input: RunInput): VmSessionRun[] {
    const iterators = new Set(this.iterators);
    return this.programs
      .filter((p) => !iterators.has(p))
      .map((p) => {
        const prog = this.vm.program(p);
        const result = runAttached(prog, input);
        const retName = returnName(prog.progType, result.r0);
        return { program: p, result, ...(retName !== undefined ? { retName } : {}) };
      });
  }

  /** Ring buffer and perf records and printk lines produced since the last poll. */
  poll(): SessionEvent[] {
    const out: SessionEvent[] = [];
    for (const [name, decode] of this.#decoders) {
      const m = this.vm.map(name).map;
      if (m.kind === "ringbuf") {
        for (const b of this.vm.ringbuf(name).drain())
          out.push({ kind: "record", map: name, value: decode(b), bytes: b });
      } else {
        for (const r of this.vm.perf(name).drain()) {
          out.push({
            kind: "record",
            map: name,
            cpu: r.cpu,
            value: decode(r.data),
            bytes: r.data,
          });
        }
      }
    }
    for (const l of this.vm.printkLines()) {
      out.push({
        kind: "printk",
        line: {
          task: "vm",
          pid: l.pid,
          cpu: l.cpu,
          time: Number(l.timeNs) / 1e9,
          message: l.message,
        },
      });
    }
    this.vm.clearPrintk();
    return out;
  }

  /** Typed views of every data map. */
  typedMaps(): TypedMap[] {
    return vmTypedMaps(this.object, this.vm);
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

  /** Releases the VM's maps. */
  close(): void {
    this.vm.dispose();
  }
}

/** Typed views of every data map of `obj` loaded in `vm`. */
function vmTypedMaps(obj: BpfObject, vm: VmObject): TypedMap[] {
  return obj.maps.filter(isDataMap).map((d) => {
    const c = mapCodecs(obj, d);
    return new TypedMap(vmMapSource(vm.map(d.name)), c.key, c.value, mapFacts(d));
  });
}

/**
 * Runs `prog` on `input` as `tsbpf run` attaches it: a socket filter sits on a packet socket, which
 * sees the frame from its Ethernet header (a test run would start it at the network header), so
 * the given frame is what the filter reads at `data`, and its `packet` after the run is that frame.
 */
function runAttached(prog: VmProgram, input: RunInput): VmRunResult {
  if (prog.progType !== "SOCKET_FILTER" || input.packet === undefined) return prog.run(input);
  const r = prog.run({ ...input, packet: packetSocketInput(input.packet) });
  return r.packet ? { ...r, packet: r.packet.subarray(ETH_HLEN) } : r;
}
