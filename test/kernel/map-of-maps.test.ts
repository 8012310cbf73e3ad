/**
 * Maps of maps from TypeScript (test/kernel/kinds/map-of-maps.ts): the object carries each outer map's
 * inner template as libbpf's `__array(values, struct inner)` and its initial maps as `.values`
 * (R_BPF_64_ABS64 in `.rel.maps`); libbpf (bpftool) loads it; tsbpf's loader creates the outer maps
 * from their templates and fills the slots; the program reaches the inner maps through lookups on
 * the live kernel (BPF_PROG_TEST_RUN) and in the VM, with the same return values and counts, also
 * after user space swaps a slot and fills an inner map.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { mapKind } from "../../core/kernel/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject, testRun, type LoadedObject } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { buildFixture, itLoadsWithLibbpf, u32, u64 } from "../support/fixture.ts";

const FILE = "test/kernel/kinds/map-of-maps.ts";

const build = () => buildFixture(FILE);

/** A frame whose first two bytes pick the tenant table and the limits table. */
const frame = (tenant: number, which: number) => {
  const f = new Uint8Array(64);
  f[0] = tenant;
  f[1] = which;
  return f;
};
const FRAMES = [frame(0, 1), frame(2, 1), frame(2, 0), frame(1, 1), frame(3, 9), frame(9, 1)];

/** What one side (the kernel or the VM) offers the scenario. */
interface Side {
  run(f: Uint8Array): number;
  /** Slot 0's count of an inner counter table. */
  count(name: string): bigint;
  /** Stores map `inner` in `outer`'s slot (its fd on the kernel, its id in the VM). */
  store(outer: string, slot: number, inner: string): void;
  set(map: string, key: number, value: number): void;
}

/** Runs the frames, swaps tenant slot 1 to tenantA, sets a limit, runs again: the observations. */
function scenario(side: Side): unknown {
  const first = FRAMES.map((f) => side.run(f));
  side.store("tenants", 1, "tenantA");
  side.set("limitsX", 7, 42);
  const second = FRAMES.map((f) => side.run(f));
  return { first, second, a: side.count("tenantA"), b: side.count("tenantB") };
}

function kernelSide(obj: LoadedObject): Side {
  return {
    run: (f) => testRun(obj.program("count"), { data: f }).retval,
    count: (name) => u64(obj.map(name).lookup(u32(0))!),
    store: (outer, slot, inner) => obj.map(outer).update(u32(slot), u32(obj.map(inner).fd)),
    set: (map, key, value) => obj.map(map).update(u32(key), u32(value)),
  };
}

function vmSide(vm: VmObject): Side {
  return {
    run: (f) => Number(vm.program("count").run({ packet: f }).r0),
    count: (name) => u64(vm.map(name).map.lookup(u32(0))!),
    store: (outer, slot, inner) => {
      expect(vm.map(outer).map.update(u32(slot), u32(vm.mapId(inner)), 0)).toBe(0);
    },
    set: (map, key, value) => {
      expect(vm.map(map).map.update(u32(key), u32(value), 0)).toBe(0);
    },
  };
}

describe("maps of maps from TypeScript", () => {
  it("are in the object as libbpf writes them: inner template and .values", async () => {
    const maps = readBpfObject(await build()).maps;
    const tenants = maps.find((m) => m.name === "tenants")!;
    expect(tenants.type).toBe(mapKind("array_of_maps")!.id);
    expect(tenants.inner).toMatchObject({
      type: mapKind("array")!.id,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
    });
    expect(tenants.initialValues).toEqual(["tenantA", null, "tenantB"]);
    const limits = maps.find((m) => m.name === "limits")!;
    expect(limits).toMatchObject({ type: mapKind("hash_of_maps")!.id, keySize: 4, valueSize: 4 });
    expect(limits.inner).toMatchObject({ type: mapKind("hash")!.id, keySize: 4, valueSize: 4 });
    expect(limits.initialValues).toEqual([null, "limitsX"]);
  });

  itLoadsWithLibbpf(FILE, "map_of_maps");

  it("the VM reaches the inner maps through lookups, and the kernel agrees", async () => {
    const bytes = await build();
    const vmSeen = scenario(vmSide(VmObject.load(bytes)));
    // The interpreter and the JIT (the default) agree.
    expect(scenario(vmSide(VmObject.load(bytes, { engine: "interpreter" })))).toEqual(vmSeen);
    // tenant 0 → tenantA, 2 → tenantB, 1 empty (XDP_DROP), 3 empty, 9 past the array (XDP_DROP);
    // limits slot 1 → limitsX (key 7 absent: 3, then 42), slot 0 and 9 empty (XDP_PASS).
    expect(vmSeen).toEqual({
      first: [3, 3, 2, 1, 1, 1],
      second: [42, 42, 2, 42, 1, 1],
      a: 3n,
      b: 4n,
    });
    if (!kernelReady("map-of-maps on the kernel")) return;
    const obj = loadObject(bytes);
    try {
      expect(scenario(kernelSide(obj))).toEqual(vmSeen);
    } finally {
      obj.close();
    }
  });

  it("an inner map walked by bpf_for_each_map_elem: the callback uses the map the kernel passes it", async () => {
    const src = `import { ArrayMap, ArrayOfMaps, forEachMapElem, u64, xdp } from "tsbpf";
export const a = new ArrayMap<u64>({ maxEntries: 4 });
export const outer = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 2, inner: { maxEntries: 4 }, values: [a] });
interface Acc { visits: u64 }
export const walk = xdp(() => {
  const t = outer.lookup(0);
  if (t === null) return 1;
  const acc: Acc = { visits: 0 };
  forEachMapElem(t, (m, k, v, c) => {
    c.value.visits += 1;
    const again = m.lookup(k.value);
    if (again) again.value += k.value;
    return 0;
  }, acc);
  return 2;
});
export const license = "GPL";
`;
    const out = await compileSource(src, "walk.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const values = (lookup: (k: Uint8Array) => Uint8Array | null | undefined) =>
      [0, 1, 2, 3].map((i) => u64(lookup(u32(i))!));
    const vm = VmObject.load(out.object!);
    expect(vm.program("walk").run({ packet: new Uint8Array(64) }).r0).toBe(2n);
    const vmValues = values((k) => vm.map("a").map.lookup(k));
    expect(vmValues).toEqual([0n, 1n, 2n, 3n]);
    if (!kernelReady("map-of-maps for_each on the kernel")) return;
    const obj = loadObject(out.object!);
    try {
      expect(testRun(obj.program("walk"), { data: new Uint8Array(64) }).retval).toBe(2);
      expect(values((k) => obj.map("a").lookup(k))).toEqual(vmValues);
    } finally {
      obj.close();
    }
  });
});
