/**
 * The map-heavy VM benchmark: a loop of bpf_map_lookup_elem / bpf_map_update_elem on a hash map
 * (1024 distinct keys, insert on miss, increment in place on hit), through the real map and helper
 * implementations (runtime/maps, runtime/helpers).
 *
 * Consumes nothing; produces `BenchRow`s for bench/vm-bench.ts (ns per executed instruction, where
 * each iteration is 16 instructions around one helper call). Timing as in vm-bench.ts: warm up, then
 * the best CPU time of several runs.
 */
import { assembleText } from "../core/conformance/index.ts";
import { BPF_MAP_TYPE } from "../core/kernel/index.ts";
import { buildHelperTable, createHelperEnv } from "../runtime/helpers/index.ts";
import { MapRegistry, createMap } from "../runtime/maps/index.ts";
import { createMemory, getEngine, type Engine, type EngineProgram } from "../runtime/vm/index.ts";
import type { BenchRow } from "./vm-bench.ts";

/** Hash map counting loop: `iterations` lookups, each followed by an update or an in-place add. */
export function hashProgram(handle: bigint, iterations: number): EngineProgram {
  const insns = assembleText(`
    mov %r6, ${iterations}
    mov %r7, 0
  loop:
    mov %r1, %r7
    and %r1, 1023
    stxw [%r10-4], %r1
    stdw [%r10-16], 1
    lddw %r1, 0x${handle.toString(16)}
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, insert
    ldxdw %r1, [%r0]
    add %r1, 1
    stxdw [%r0], %r1
    ja next
  insert:
    lddw %r1, 0x${handle.toString(16)}
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r10
    add %r3, -16
    mov %r4, 0
    call 2
  next:
    add %r7, 1
    sub %r6, 1
    jne %r6, 0, loop
    mov %r0, %r7
    exit`);
  return { name: `hash_count_${iterations}`, insns };
}

function measureMaps(kind: Engine["kind"], iterations: number): BenchRow {
  const memory = createMemory();
  const cpus = { count: 1, current: 0 };
  const maps = new MapRegistry({ memory, cpus });
  const spec = { name: "counts", type: BPF_MAP_TYPE.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8 };
  const map = createMap({ ...spec, maxEntries: 1024, flags: 0 }, { memory, cpus }, () => undefined);
  const handle = maps.add(map);
  const helpers = buildHelperTable(createHelperEnv(maps, cpus));
  const program = hashProgram(handle, iterations);
  const engine = getEngine(kind);
  const once = () => engine.run(program, memory, helpers, { budget: 1e9 });
  for (let i = 0; i < 3; i++) once();
  let best = Infinity;
  let last = once();
  for (let i = 0; i < 8; i++) {
    const c0 = process.cpuUsage();
    last = once();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / last.executed);
  }
  const first = map.lookup(new Uint8Array(4));
  if (!first) throw new Error("map benchmark: key 0 missing after the runs");
  return {
    workload: `hash lookup/update x${iterations}`,
    engine: kind,
    instructions: last.executed,
    nsPerInsn: best,
    r0: last.r0,
  };
}

/** Rows of the map-heavy workload for both engines. */
export function mapRows(): BenchRow[] {
  return [measureMaps("jit", 200_000), measureMaps("interpreter", 20_000)];
}
