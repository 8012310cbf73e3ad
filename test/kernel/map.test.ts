import { afterEach, describe, expect, it } from "vitest";
import {
  createMap,
  KernelError,
  LoaderError,
  MapType,
  possibleCpus,
  UpdateFlag,
  type KernelMap,
} from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("kernel map tests");

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
function readU64(b: Uint8Array, at = 0): bigint {
  return new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
}

describe.runIf(run)("kernel maps", () => {
  const open: KernelMap[] = [];
  const make = (...a: Parameters<typeof createMap>) => {
    const m = createMap(...a);
    open.push(m);
    return m;
  };
  afterEach(() => {
    for (const m of open.splice(0)) m.close();
  });

  it("hash map: update, lookup, delete, iterate, batch", () => {
    const m = make({
      name: "t_hash",
      type: MapType.HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 64,
    });
    expect(m.lookup(u32(1))).toBeUndefined();
    for (let i = 0; i < 40; i++) m.update(u32(i), u64(BigInt(i * 1000)));
    expect(readU64(m.lookup(u32(7))!)).toBe(7000n);
    expect(() => m.update(u32(7), u64(1n), UpdateFlag.NOEXIST)).toThrow(/EEXIST/);
    expect(m.delete(u32(7))).toBe(true);
    expect(m.delete(u32(7))).toBe(false);
    const keys = [...m.keys()].map((k) => new DataView(k.buffer).getUint32(0, true));
    expect(keys.sort((a, b) => a - b)).toEqual([...Array(40).keys()].filter((k) => k !== 7));
    const batch = m.lookupBatch(16);
    expect(batch.length).toBe(39);
    for (const [k, v] of batch) {
      expect(readU64(v)).toBe(BigInt(new DataView(k.buffer).getUint32(0, true) * 1000));
    }
  });

  it("array map: fixed keys, out-of-range update fails with E2BIG", () => {
    const m = make({ name: "t_arr", type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 });
    expect(readU64(m.lookup(u32(3))!)).toBe(0n);
    m.update(u32(3), u64(99n));
    expect(readU64(m.lookup(u32(3))!)).toBe(99n);
    expect(() => m.update(u32(4), u64(1n))).toThrow(KernelError);
    expect(m.lookup(u32(4))).toBeUndefined();
    m.freeze();
    expect(() => m.update(u32(0), u64(1n))).toThrow(/EPERM/);
  });

  it("per-CPU array: one slot per possible CPU", () => {
    const m = make({
      name: "t_pcpu",
      type: MapType.PERCPU_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
    });
    const n = possibleCpus();
    expect(m.userValueSize).toBe(8 * n);
    const v = new Uint8Array(8 * n);
    for (let c = 0; c < n; c++) new DataView(v.buffer).setUint32(c * 8, c + 10, true);
    m.update(u32(0), v);
    const per = m.lookupPerCpu(u32(0))!;
    expect(per.map((s) => new DataView(s.buffer).getUint32(0, true))).toEqual(
      [...Array(n).keys()].map((c) => c + 10),
    );
  });

  it("wrong sizes are LoaderErrors; invalid specs are KernelErrors naming the command", () => {
    const m = make({ name: "t_sz", type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1 });
    expect(() => m.lookup(new Uint8Array(3))).toThrow(LoaderError);
    expect(() => m.update(u32(0), new Uint8Array(4))).toThrow(/value must be 8 bytes/);
    let err: unknown;
    try {
      make({ name: "bad", type: MapType.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("EINVAL");
    expect((err as Error).message).toMatch(/BPF_MAP_CREATE.*creating map "bad".*EINVAL/);
  });

  it("close is idempotent and using a closed map is an error", () => {
    const m = createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    m.close();
    m.close();
    expect(() => m.lookup(u32(0))).toThrow(/closed/);
  });
});
