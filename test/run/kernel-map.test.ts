/**
 * Typed access to kernel maps (runtime/user/typed-map.ts over runtime/loader's KernelMap): batch
 * iteration across chunk boundaries, per-CPU values and their sum, structs through BTF codecs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BtfBuilder } from "../../core/btf/index.ts";
import { createMap, MapType, possibleCpus, type KernelMap } from "../../runtime/loader/index.ts";
import { codecForSize, codecFromBtf, kernelMapSource, TypedMap } from "../../runtime/user/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("typed kernel maps");

describe.runIf(run)("typed kernel maps", () => {
  const made: KernelMap[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.close();
  });
  const make = (type: number, keySize: number, valueSize: number, maxEntries: number) => {
    const m = createMap({ name: "tsbpf_t_typed", type, keySize, valueSize, maxEntries });
    made.push(m);
    return m;
  };

  it("iterates a hash map past one batch chunk", () => {
    const m = new TypedMap(
      kernelMapSource(make(MapType.HASH, 4, 8, 1024)),
      codecForSize(4),
      codecForSize(8),
    );
    for (let i = 0; i < 300; i++) m.set(i, BigInt(i * 3));
    const entries = m.entries();
    expect(entries).toHaveLength(300);
    expect(new Map(entries.map((e) => [e.key, e.value]))).toEqual(
      new Map(Array.from({ length: 300 }, (_, i) => [i, BigInt(i * 3)])),
    );
    expect(m.delete(5)).toBe(true);
    expect(m.delete(5)).toBe(false);
    expect(m.get(5)).toBeUndefined();
    expect(m.get(6)).toBe(18n);
  });

  it("reads every CPU of a per-CPU map and sums them", () => {
    const cpus = possibleCpus();
    const m = new TypedMap(
      kernelMapSource(make(MapType.PERCPU_ARRAY, 4, 4, 2)),
      codecForSize(4),
      codecForSize(4),
    );
    const per = Array.from({ length: cpus }, (_, i) => i + 10);
    m.set(1, 0, per);
    expect(m.getPerCpu(1)).toEqual(per);
    expect(m.get(1)).toBe(per.reduce((a, b) => a + b, 0));
    const e = m.entries().find((x) => x.key === 1)!;
    expect(e.perCpu).toEqual(per);
    m.set(0, 7);
    expect(m.getPerCpu(0)).toEqual(Array(cpus).fill(7));
  });

  it("stores and reads struct values through BTF codecs", () => {
    const b = new BtfBuilder();
    const u32 = b.int("u32", 4);
    const char = b.int("char", 1, { signed: true });
    const v = b.struct("stat", 24, [
      { name: "n", type: b.int("u64", 8), bitOffset: 0 },
      { name: "comm", type: b.array(char, 12), bitOffset: 64 },
      { name: "cpu", type: u32, bitOffset: 160 },
    ]);
    const btf = b.build();
    const m = new TypedMap(
      kernelMapSource(make(MapType.HASH, 4, 24, 8)),
      codecFromBtf(btf, u32),
      codecFromBtf(btf, v),
    );
    m.set(42, { n: 5n, comm: "sshd", cpu: 1 });
    expect(m.get(42)).toEqual({ n: 5n, comm: "sshd", cpu: 1 });
    expect(() => m.set(43, { n: 1n, comm: "a-much-too-long-name" })).toThrow(
      /value\.comm: .* the field holds 12/,
    );
    expect(m.entries()).toHaveLength(1);
  });
});
