/**
 * Map semantics against the kernel's rules: update flags, max_entries, errno values, LRU eviction,
 * per-CPU values, stable value regions, ring buffer layout and perf output.
 */
import { describe, expect, it } from "vitest";
import { BPF_CONSTANTS, BPF_MAP_TYPE, knownMapKind } from "../../core/kernel/index.ts";
import {
  ArrayMap,
  Errno,
  HashMap,
  MapError,
  MapRegistry,
  PerfEventArrayMap,
  RingBufMap,
  createMap,
  type MapContext,
  type MapSpec,
} from "../../runtime/maps/index.ts";
import { createMemory } from "../../runtime/vm/memory.ts";
import { VmError } from "../../runtime/vm/contract.ts";

const { BPF_ANY, BPF_NOEXIST, BPF_EXIST } = BPF_CONSTANTS;

function ctx(cpus = 1): MapContext {
  return { memory: createMemory(), cpus: { count: cpus, current: 0 } };
}
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}
function readU64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}
function spec(over: Partial<MapSpec>): MapSpec {
  return {
    name: "m",
    type: BPF_MAP_TYPE.BPF_MAP_TYPE_HASH,
    keySize: 4,
    valueSize: 8,
    maxEntries: 4,
    flags: 0,
    ...over,
  };
}

describe("array map", () => {
  it("has every element from the start, zeroed, and rejects out-of-range keys", () => {
    const c = ctx();
    const m = new ArrayMap(spec({ type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY }), c);
    expect(m.lookup(u32(3))).toEqual(new Uint8Array(8));
    expect(m.lookup(u32(4))).toBeNull();
    expect(m.lookupAddress(u32(4))).toBe(0n);
    expect(m.update(u32(4), u64(1n), BPF_ANY)).toBe(-Errno.E2BIG);
    expect(m.update(u32(1), u64(1n), BPF_NOEXIST)).toBe(-Errno.EEXIST);
    expect(m.update(u32(1), u64(7n), BPF_EXIST)).toBe(0);
    expect(m.update(u32(1), u64(7n), 3)).toBe(-Errno.EINVAL);
    expect(readU64(m.lookup(u32(1))!)).toBe(7n);
    expect(m.delete(u32(1))).toBe(-Errno.EINVAL);
    expect(m.keys()).toHaveLength(4);
  });

  it("gives a stable region per element, exactly value_size long", () => {
    const c = ctx();
    const m = new ArrayMap(spec({ type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY, valueSize: 12 }), c);
    const a = m.lookupAddress(u32(2));
    expect(m.lookupAddress(u32(2))).toBe(a);
    expect(m.lookupAddress(u32(1))).not.toBe(a);
    c.memory.write(a, new Uint8Array([9, 8, 7]));
    expect(m.lookup(u32(2))!.subarray(0, 3)).toEqual(new Uint8Array([9, 8, 7]));
    const { region } = c.memory.resolve(a, 12, true);
    expect(region.kind).toBe("map_value");
    expect(() => c.memory.read(a + 8n, 8)).toThrow(VmError);
  });

  it("makes BPF_F_RDONLY_PROG values read-only for programs", () => {
    const c = ctx();
    const m = new ArrayMap(
      spec({
        name: ".rodata",
        type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY,
        maxEntries: 1,
        flags: BPF_CONSTANTS.BPF_F_RDONLY_PROG,
      }),
      c,
    );
    const a = m.lookupAddress(u32(0));
    expect(c.memory.resolve(a, 8, false).region.kind).toBe("global_data");
    expect(() => c.memory.write(a, new Uint8Array(1))).toThrow(/read-only/);
  });

  it("keeps one value per CPU for percpu_array", () => {
    const c = ctx(3);
    const m = new ArrayMap(spec({ type: BPF_MAP_TYPE.BPF_MAP_TYPE_PERCPU_ARRAY }), c, true);
    c.cpus.current = 2;
    expect(m.update(u32(0), u64(5n), BPF_ANY)).toBe(0);
    const a2 = m.lookupAddress(u32(0));
    c.cpus.current = 0;
    expect(readU64(m.lookup(u32(0))!)).toBe(0n);
    expect(m.lookupAddress(u32(0))).not.toBe(a2);
    expect(m.lookupAllCpus(u32(0))!.map(readU64)).toEqual([0n, 0n, 5n]);
    expect(m.updateAllCpus(u32(1), [u64(1n), u64(2n), u64(3n)], BPF_ANY)).toBe(0);
    expect(m.lookupAllCpus(u32(1))!.map(readU64)).toEqual([1n, 2n, 3n]);
  });

  it("rejects bad definitions and host misuse with MapError", () => {
    expect(() => new ArrayMap(spec({ keySize: 8 }), ctx())).toThrow(/key size must be 4/);
    const m = new ArrayMap(spec({}), ctx());
    expect(() => m.lookup(new Uint8Array(3))).toThrow(MapError);
    expect(() => m.update(u32(0), new Uint8Array(3), BPF_ANY)).toThrow(/value must be 8 bytes/);
  });
});

describe("hash map", () => {
  it("follows BPF_ANY / BPF_NOEXIST / BPF_EXIST", () => {
    const m = new HashMap(spec({}), ctx());
    expect(m.update(u32(1), u64(1n), BPF_EXIST)).toBe(-Errno.ENOENT);
    expect(m.update(u32(1), u64(1n), BPF_NOEXIST)).toBe(0);
    expect(m.update(u32(1), u64(2n), BPF_NOEXIST)).toBe(-Errno.EEXIST);
    expect(m.update(u32(1), u64(3n), BPF_EXIST)).toBe(0);
    expect(m.update(u32(1), u64(4n), 7)).toBe(-Errno.EINVAL);
    expect(readU64(m.lookup(u32(1))!)).toBe(3n);
    expect(m.lookup(u32(2))).toBeNull();
    expect(m.delete(u32(2))).toBe(-Errno.ENOENT);
    expect(m.delete(u32(1))).toBe(0);
    expect(m.size).toBe(0);
  });

  it("is -E2BIG when full, but replacing an existing key still works", () => {
    const m = new HashMap(spec({ maxEntries: 2 }), ctx());
    expect(m.update(u32(1), u64(1n), BPF_ANY)).toBe(0);
    expect(m.update(u32(2), u64(2n), BPF_ANY)).toBe(0);
    expect(m.update(u32(3), u64(3n), BPF_ANY)).toBe(-Errno.E2BIG);
    expect(m.update(u32(2), u64(9n), BPF_ANY)).toBe(0);
    expect(m.keys().map((k) => k[0])).toEqual([1, 2]);
  });

  it("keeps value addresses stable across updates and unmaps them on delete", () => {
    const c = ctx();
    const m = new HashMap(spec({}), c);
    m.update(u32(5), u64(1n), BPF_ANY);
    const a = m.lookupAddress(u32(5));
    expect(a).not.toBe(0n);
    m.update(u32(5), u64(2n), BPF_ANY);
    expect(m.lookupAddress(u32(5))).toBe(a);
    expect(readU64(c.memory.read(a, 8))).toBe(2n);
    m.delete(u32(5));
    expect(() => c.memory.read(a, 8)).toThrow(/unmapped/);
  });

  it("evicts the least recently used entry of a full lru_hash", () => {
    const c = ctx();
    const m = new HashMap(spec({ maxEntries: 3, type: 9 }), c, knownMapKind("lru_hash"));
    for (const k of [1, 2, 3]) m.update(u32(k), u64(BigInt(k)), BPF_ANY);
    const a1 = m.lookupAddress(u32(1)); // 1 becomes most recent; 2 is now the oldest
    expect(m.update(u32(4), u64(4n), BPF_ANY)).toBe(0);
    expect(m.lookup(u32(2))).toBeNull();
    expect(m.keys().map((k) => k[0])).toEqual([3, 1, 4]);
    expect(m.update(u32(5), u64(5n), BPF_NOEXIST)).toBe(0); // evicts 3
    expect(m.lookup(u32(3))).toBeNull();
    expect(readU64(c.memory.read(a1, 8))).toBe(1n);
  });

  it("sets only the current CPU's value when a program inserts into percpu_hash", () => {
    const c = ctx(2);
    const m = new HashMap(spec({}), c, knownMapKind("percpu_hash"));
    c.cpus.current = 1;
    m.update(u32(1), u64(42n), BPF_ANY);
    expect(m.lookupAllCpus(u32(1))!.map(readU64)).toEqual([0n, 42n]);
    c.cpus.current = 0;
    expect(readU64(m.lookup(u32(1))!)).toBe(0n);
  });
});

describe("ring buffer", () => {
  const rbSpec = (size: number) =>
    spec({
      name: "rb",
      type: BPF_MAP_TYPE.BPF_MAP_TYPE_RINGBUF,
      keySize: 0,
      valueSize: 0,
      maxEntries: size,
    });

  it("requires a power-of-two multiple of the page size", () => {
    expect(() => new RingBufMap(rbSpec(4096 * 3), ctx())).toThrow(/power of 2/);
    expect(() => new RingBufMap(rbSpec(1024), ctx())).toThrow(MapError);
    expect(new RingBufMap(rbSpec(8192), ctx()).query(BPF_CONSTANTS.BPF_RB_RING_SIZE)).toBe(8192n);
  });

  it("lays records out as 8-byte headers plus 8-byte-aligned samples", () => {
    const c = ctx();
    const rb = new RingBufMap(rbSpec(4096), c);
    expect(rb.output(new Uint8Array([1, 2, 3]), 0)).toBe(0);
    const view = new DataView(rb.data.buffer);
    expect(view.getUint32(0, true)).toBe(3);
    expect([...rb.data.subarray(8, 11)]).toEqual([1, 2, 3]);
    expect(rb.producerPos).toBe(16);
    const addr = rb.reserve(10, 0);
    expect(view.getUint32(16, true) >>> 0).toBe((10 | BPF_CONSTANTS.BPF_RINGBUF_BUSY_BIT) >>> 0);
    expect(rb.query(BPF_CONSTANTS.BPF_RB_AVAIL_DATA)).toBe(16n + 24n);
    c.memory.write(addr, new Uint8Array(10).fill(7));
    // A busy record stops the consumer, even with a committed one after it.
    const addr2 = rb.reserve(1, 0);
    rb.commit(addr2, false);
    expect(rb.drain().map((r) => [...r])).toEqual([[1, 2, 3]]);
    expect(rb.commit(addr, true)).toBe(true);
    expect(view.getUint32(16, true)).toBe(10 | BPF_CONSTANTS.BPF_RINGBUF_DISCARD_BIT);
    expect(() => c.memory.read(addr, 1)).toThrow(/unmapped/);
    expect(rb.drain().map((r) => r.length)).toEqual([1]);
    expect(rb.commit(addr, false)).toBe(false);
    expect(rb.query(BPF_CONSTANTS.BPF_RB_CONS_POS)).toBe(rb.query(BPF_CONSTANTS.BPF_RB_PROD_POS));
  });

  it("refuses to run more than size-1 bytes ahead, and wraps around", () => {
    const rb = new RingBufMap(rbSpec(4096), ctx());
    const sample = new Uint8Array(1000).map((_, i) => i & 0xff);
    for (let i = 0; i < 4; i++) expect(rb.output(sample, 0)).toBe(0); // 4 × 1008 bytes
    expect(rb.output(sample, 0)).toBe(-Errno.EAGAIN);
    expect(rb.reserve(60, 0)).toBe(0n); // 4032 + 72 > 4095
    expect(rb.reserve(16, 1)).toBe(0n); // reserve flags must be 0
    expect(rb.output(sample, 4)).toBe(-Errno.EINVAL);
    expect(rb.drain()).toHaveLength(4);
    for (let i = 0; i < 3; i++) expect(rb.output(sample, 0)).toBe(0); // wraps past 4096
    const out = rb.drain();
    expect(out).toHaveLength(3);
    for (const r of out) expect(r).toEqual(sample);
  });
});

describe("perf event array", () => {
  it("routes samples by index or the current CPU and checks flags", () => {
    const c = ctx(2);
    const m = new PerfEventArrayMap(
      spec({ type: BPF_MAP_TYPE.BPF_MAP_TYPE_PERF_EVENT_ARRAY, valueSize: 4, maxEntries: 0 }),
      c,
    );
    expect(m.spec.maxEntries).toBe(2);
    c.cpus.current = 1;
    expect(m.output(BigInt(BPF_CONSTANTS.BPF_F_CURRENT_CPU), new Uint8Array([1]))).toBe(0);
    expect(m.output(0n, new Uint8Array([2]))).toBe(0);
    expect(m.output(2n, new Uint8Array([3]))).toBe(-Errno.E2BIG);
    expect(m.output(1n << 60n, new Uint8Array([3]))).toBe(-Errno.EINVAL);
    expect(m.drain().map((r) => [r.cpu, r.data[0]])).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(m.drain()).toEqual([]);
  });
});

describe("registry", () => {
  it("maps each map to a unique zero-size handle and back", () => {
    const c = ctx();
    const reg = new MapRegistry(c);
    const a = createMap(spec({ name: "a" }), c, () => undefined);
    const b = createMap(
      spec({ name: "b", type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY }),
      c,
      () => undefined,
    );
    const ha = reg.add(a);
    const hb = reg.add(b);
    expect(ha).not.toBe(hb);
    expect(reg.fromHandle(ha)).toBe(a);
    expect(reg.fromHandle(hb + 1n)).toBeUndefined();
    expect(reg.get("b")).toBe(b);
    expect(() => c.memory.read(ha, 1)).toThrow(VmError);
  });

  it("names unsupported map types", () => {
    expect(() =>
      createMap(spec({ type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARENA }), ctx(), () => undefined),
    ).toThrow(/arena is not supported/);
  });
});
