/**
 * The two places an example program runs in the differential test: the bundled VM (`VmObject`,
 * interpreter or JIT) and the live kernel (`loadObject` + BPF_PROG_TEST_RUN). Both are wrapped
 * behind one `ExampleSide` so the test drives them in lockstep.
 *
 * Consumes the example's ELF bytes, its `ExampleSpec` and a CPU; produces, per frame, a
 * `FrameOutcome` (r0, the packet after the run) and, on demand, a `MapSnapshot` of every map of the
 * object. Maps persist across runs on both sides, as kernel maps do between packets, so counters
 * accumulate and a hash insert made by one frame is visible to the next.
 *
 * How the kernel's test run is made to show the program what it would see when attached
 * (kernel net/bpf/test_run.c, `bpf_prog_test_run_skb` / `_xdp`):
 * - XDP and tc (sched_cls): the data starts at the Ethernet header, as when attached.
 * - socket filter: the test run calls eth_type_trans, which pulls the Ethernet header, so the
 *   program would start at the network header (the VM does the same) — but on an AF_PACKET socket,
 *   where the example is attached, it starts at the MAC header. Both sides therefore get an extra
 *   outer Ethernet header carrying the frame's own EtherType: after the pull the program sees
 *   exactly the frame, skb->len is the frame's length and skb->protocol its EtherType (for
 *   EtherTypes >= 0x600; 802.3 lengths become ETH_P_802_3/802_2 in the kernel and stay raw in the
 *   VM, which the example cannot tell apart from any other non-IPv4 value). Both hand back 14 zero
 *   bytes in place of the pulled header; they are dropped.
 *
 * The kernel refuses some inputs with EINVAL before running anything (`expectedRefusal` says which
 * and why); such a frame is reported as `refused` and the lockstep driver skips it on every side.
 */
import {
  KernelError,
  isPerCpuMap,
  loadObject,
  testRun,
  type KernelMap,
  type LoadedObject,
} from "../../../runtime/loader/index.ts";
import { VmObject } from "../../../runtime/vm/api.ts";
import type { Engine } from "../../../runtime/vm/index.ts";
import type { ExampleSpec, InitialEntry, PacketHook } from "./specs.ts";

/** What one frame produced. */
export interface FrameOutcome {
  /** r0 truncated to its low 32 bits (the kernel reports no more). */
  readonly r0: bigint;
  /** The packet after the run. */
  readonly packet: Uint8Array;
  /** A run-time failure instead of a result. */
  readonly error?: string;
  /** The side would not run the frame at all (the kernel's input checks); nothing changed. */
  readonly refused?: string;
}

/** Map name → key (hex) → value (hex; per-CPU maps: each CPU's value joined by "|"). */
export type MapSnapshot = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** One place the example runs. */
export interface ExampleSide {
  /** "kernel", "interpreter", "jit". */
  readonly name: string;
  run(frame: Uint8Array): FrameOutcome;
  snapshot(): MapSnapshot;
  close(): void;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ETH_HLEN = 14;
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Sorts each map's entries by key so both sides' snapshots compare as plain data. */
function sorted(entries: Iterable<[string, string]>): ReadonlyMap<string, string> {
  return new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Runs the example in the VM with `engine`, on `cpu` of `cpus` simulated CPUs. */
export function vmSide(
  bytes: Uint8Array,
  spec: ExampleSpec,
  engine: Engine["kind"],
  cpus: number,
  cpu: number,
): ExampleSide {
  const obj = VmObject.load(bytes, { engine, cpus });
  obj.setCpu(cpu);
  for (const e of spec.initial(cpus)) {
    const view = obj.map(e.map);
    if (view.map.perCpu) view.setAllCpus(e.key, e.values);
    else view.set(e.key, e.values[0]!);
  }
  const prog = obj.program(spec.program);
  return {
    name: engine,
    run(frame) {
      try {
        const res = prog.run({ packet: kernelInput(spec.hook, frame) });
        const packet = res.packet ?? new Uint8Array(0);
        return {
          r0: BigInt.asUintN(32, res.r0),
          packet: spec.hook === "socket" ? packet.slice(ETH_HLEN) : packet,
        };
      } catch (e) {
        return { r0: 0n, packet: new Uint8Array(0), error: errorText(e) };
      }
    },
    snapshot() {
      const out = new Map<string, ReadonlyMap<string, string>>();
      for (const name of obj.mapNames()) {
        const view = obj.map(name);
        const rows: [string, string][] = [];
        for (const k of view.keys()) {
          const v = view.map.perCpu ? view.getAllCpus(k) : [view.get(k)!];
          if (v) rows.push([hex(k), v.map(hex).join("|")]);
        }
        out.set(name, sorted(rows));
      }
      return out;
    },
    close: () => obj.dispose(),
  };
}

/** A kernel map value from one value per CPU (8-byte-aligned slots) or a single value. */
function kernelValue(map: KernelMap, e: InitialEntry, cpus: number): Uint8Array {
  if (!isPerCpuMap(map.type)) return e.values[0]!;
  const slot = Math.ceil(map.valueSize / 8) * 8;
  const out = new Uint8Array(slot * cpus);
  e.values.forEach((v, cpu) => out.set(v, cpu * slot));
  return out;
}

function kernelSnapshot(loaded: LoadedObject): MapSnapshot {
  const out = new Map<string, ReadonlyMap<string, string>>();
  for (const [name, map] of loaded.maps) {
    const rows: [string, string][] = [];
    for (const [k, v] of map.lookupBatch()) {
      if (!isPerCpuMap(map.type)) {
        rows.push([hex(k), hex(v)]);
        continue;
      }
      const slot = Math.ceil(map.valueSize / 8) * 8;
      const parts: string[] = [];
      for (let at = 0; at < v.length; at += slot)
        parts.push(hex(v.subarray(at, at + map.valueSize)));
      rows.push([hex(k), parts.join("|")]);
    }
    out.set(name, sorted(rows));
  }
  return out;
}

/**
 * Why the kernel's test run refuses `data` for `hook` (EINVAL, nothing runs), or undefined when it
 * takes it. net/bpf/test_run.c: every test run needs at least ETH_HLEN bytes (`bpf_test_init`); an
 * skb test run also needs a whole IPv4 (20 bytes) or IPv6 (40 bytes) header behind the Ethernet
 * header when the EtherType says IPv4 or IPv6 (Linux 6.18; observed, and the test checks every
 * refusal against this rule). `data` is what the kernel is given (`kernelInput`).
 */
export function expectedRefusal(hook: PacketHook, data: Uint8Array): string | undefined {
  if (data.length < ETH_HLEN) return `shorter than ETH_HLEN (${data.length} < 14)`;
  if (hook === "xdp") return undefined;
  const etherType = (data[12]! << 8) | data[13]!;
  const need = etherType === 0x0800 ? 20 : etherType === 0x86dd ? 40 : 0;
  if (data.length - ETH_HLEN < need) {
    return `skb with EtherType 0x${etherType.toString(16)} and a network header under ${need} bytes`;
  }
  return undefined;
}

/** The bytes either side is given for `frame`: BPF_PROG_TEST_RUN's data_in (see the file comment). */
export function kernelInput(hook: PacketHook, frame: Uint8Array): Uint8Array {
  if (hook !== "socket") return frame;
  const data = new Uint8Array(ETH_HLEN + frame.length);
  data.set(frame.subarray(12, 14), 12); // the frame's EtherType (00 00 when it has none)
  data.set(frame, ETH_HLEN);
  return data;
}

/**
 * Loads the example into the kernel and test-runs it. The caller pins the thread to a CPU first
 * (test/support/cpu-pin.ts) and passes the number of possible CPUs (per-CPU values have one slot each).
 */
export function kernelSide(bytes: Uint8Array, spec: ExampleSpec, cpus: number): ExampleSide {
  const loaded = loadObject(bytes, { programs: [spec.program] });
  try {
    for (const e of spec.initial(cpus)) {
      const map = loaded.map(e.map);
      map.update(e.key, kernelValue(map, e, cpus));
    }
  } catch (e) {
    loaded.close();
    throw e;
  }
  const prog = loaded.program(spec.program);
  const wrap = spec.hook === "socket";
  return {
    name: "kernel",
    run(frame) {
      try {
        const res = testRun(prog, { data: kernelInput(spec.hook, frame) });
        const packet = wrap ? res.dataOut.slice(ETH_HLEN) : res.dataOut;
        return { r0: BigInt(res.retval >>> 0), packet };
      } catch (e) {
        const refused = e instanceof KernelError && e.code === "EINVAL";
        return { r0: 0n, packet: new Uint8Array(0), [refused ? "refused" : "error"]: errorText(e) };
      }
    },
    snapshot: () => kernelSnapshot(loaded),
    close: () => loaded.close(),
  };
}
