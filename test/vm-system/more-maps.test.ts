/**
 * The VM's LPM trie, queue, stack and bloom filter (runtime/maps) against the kernel's: the same
 * operations on a VM map and, with root, on a kernel map of the same type through bpf(2) must give
 * the same results — longest-prefix matches, FIFO / LIFO order, full-map errors, and for the bloom
 * filter (BPF_F_ZERO_SEED on the kernel side, the VM's fixed seed) the same "maybe present" answers,
 * false positives included. The queue/stack/bloom helpers (bpf_map_push_elem / pop / peek) are
 * exercised through the VM helper table.
 */
import { describe, expect, it } from "vitest";
import { helperRecord, mapKind } from "../../core/kernel/index.ts";
import { buildHelperTable, createHelperEnv } from "../../runtime/helpers/index.ts";
import { createMap as createKernelMap, KernelError } from "../../runtime/loader/index.ts";
import { MapRegistry, createMap, type VmMap } from "../../runtime/maps/index.ts";
import { createMemory } from "../../runtime/vm/memory.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const memory = createMemory();
const cpus = { count: 1, current: 0 };
const ctx = { memory, cpus };
const programs = { program: () => undefined } as never;

interface Spec {
  kind: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}
const vmMap = (s: Spec): VmMap =>
  createMap({ name: s.kind, type: mapKind(s.kind)!.id, ...s }, ctx, programs);

/** The operations both sides run; each returns what it observed. */
interface Side {
  update(key: Uint8Array, value: Uint8Array, flags?: number): number;
  lookup(key: Uint8Array): number[] | null;
  delete(key: Uint8Array): number;
  pop(): number[] | null;
}

function vmSide(m: VmMap): Side {
  return {
    update: (k, v, f = 0) => m.update(k, v, f),
    lookup: (k) => {
      const v = m.lookup(k);
      return v ? [...v] : null;
    },
    delete: (k) => m.delete(k),
    pop: () => {
      const v = (m as unknown as { pop(): Uint8Array | null }).pop();
      return v ? [...v] : null;
    },
  };
}

function kernelSide(s: Spec, mapExtra = 0n) {
  const m = createKernelMap({
    name: s.kind,
    type: mapKind(s.kind)!.id,
    keySize: s.keySize,
    valueSize: s.valueSize,
    maxEntries: s.maxEntries,
    flags: s.flags,
    mapExtra,
  });
  const errno = (f: () => void): number => {
    try {
      f();
      return 0;
    } catch (e) {
      if (e instanceof KernelError) return -e.errno;
      throw e;
    }
  };
  const side: Side = {
    update: (k, v, f = 0) => errno(() => m.update(k, v, f)),
    lookup: (k) => {
      const v = m.lookup(k);
      return v ? [...v] : null;
    },
    delete: (k) => {
      let found = false;
      const e = errno(() => (found = m.delete(k)));
      return e !== 0 ? e : found ? 0 : -2; // absent: -ENOENT
    },
    pop: () => {
      const v = m.lookupAndDelete();
      return v ? [...v] : null;
    },
  };
  return { side, close: () => m.close(), map: m };
}

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
/** An LPM key: prefixlen then the address bytes. */
const lpm = (prefix: number, ...addr: number[]) => new Uint8Array([...u32(prefix), ...addr]);

const LPM: Spec = { kind: "lpm_trie", keySize: 8, valueSize: 4, maxEntries: 4, flags: 1 };
function lpmScript(s: Side): unknown[] {
  const out: unknown[] = [];
  out.push(s.update(lpm(8, 10, 0, 0, 0), u32(8)));
  out.push(s.update(lpm(16, 10, 1, 0, 0), u32(16)));
  out.push(s.update(lpm(24, 10, 1, 2, 99), u32(24))); // bits past the prefix are ignored
  out.push(s.update(lpm(0, 0, 0, 0, 0), u32(0)));
  out.push(s.update(lpm(32, 1, 2, 3, 4), u32(32))); // full: -ENOSPC
  out.push(s.update(lpm(33, 1, 2, 3, 4), u32(33))); // longer than the data: -EINVAL
  out.push(s.update(lpm(16, 10, 1, 7, 7), u32(160), 1)); // exists: -EEXIST
  out.push(s.update(lpm(16, 10, 1, 7, 7), u32(161), 2)); // replaces
  for (const k of [
    lpm(32, 10, 1, 2, 3),
    lpm(32, 10, 1, 3, 3),
    lpm(32, 10, 9, 9, 9),
    lpm(32, 11, 0, 0, 0),
    lpm(12, 10, 1, 2, 3), // the key's own prefixlen caps the match: /8
  ])
    out.push(s.lookup(k));
  out.push(s.delete(lpm(16, 10, 1, 0, 0)));
  out.push(s.delete(lpm(16, 10, 1, 0, 0))); // gone: -ENOENT
  out.push(s.lookup(lpm(32, 10, 1, 3, 3)));
  return out;
}

const QUEUE: Spec = { kind: "queue", keySize: 0, valueSize: 4, maxEntries: 3, flags: 0 };
function queueScript(s: Side): unknown[] {
  const none = new Uint8Array(0);
  const out: unknown[] = [];
  for (const n of [1, 2, 3, 4]) out.push(s.update(none, u32(n))); // 4th: -E2BIG
  out.push(s.update(none, u32(5), 2)); // BPF_EXIST drops the oldest
  out.push(s.update(none, u32(6), 1)); // BPF_NOEXIST: -EINVAL
  out.push(s.lookup(none));
  out.push(s.pop(), s.pop(), s.pop(), s.pop());
  return out;
}

const BLOOM: Spec = { kind: "bloom_filter", keySize: 0, valueSize: 4, maxEntries: 8, flags: 64 };
const BLOOM6: Spec = { ...BLOOM, valueSize: 6 };
function bloomScript(s: Side, size: number): unknown[] {
  const none = new Uint8Array(0);
  const val = (n: number) => {
    const b = new Uint8Array(size);
    new DataView(b.buffer).setUint32(0, n * 2654435761, true);
    b[size - 1] ^= n;
    return b;
  };
  const out: unknown[] = [];
  for (let n = 0; n < 40; n++) out.push(s.update(none, val(n)));
  out.push(s.update(none, val(1), 2)); // only BPF_ANY: -EINVAL
  // Peek = lookup from user space: present ⇒ an (empty) value, absent ⇒ null.
  for (let n = 0; n < 400; n++) out.push(s.lookup(val(n)) === null ? 0 : 1);
  return out;
}

/** A side whose lookup of a bloom filter is peek (the value is the key). */
function bloomSide(
  peek: (v: Uint8Array) => boolean,
  push: (v: Uint8Array, f: number) => number,
): Side {
  return {
    update: (_k, v, f = 0) => push(v, f),
    lookup: (v) => (peek(v) ? [] : null),
    delete: () => 0,
    pop: () => null,
  };
}

describe("LPM trie, queue, stack and bloom filter in the VM", () => {
  it("lpm_trie: longest prefix, exact update and delete", () => {
    const r = lpmScript(vmSide(vmMap(LPM)));
    expect(r.slice(0, 8)).toEqual([0, 0, 0, 0, -28, -22, -17, 0]);
    expect(r.slice(8, 13)).toEqual([
      [24, 0, 0, 0],
      [161, 0, 0, 0],
      [8, 0, 0, 0],
      [0, 0, 0, 0],
      [8, 0, 0, 0],
    ]);
    expect(r.slice(13)).toEqual([0, -2, [8, 0, 0, 0]]);
  });

  it("queue is FIFO, stack LIFO; full is -E2BIG unless BPF_EXIST", () => {
    expect(queueScript(vmSide(vmMap(QUEUE)))).toEqual([
      0,
      0,
      0,
      -7,
      0,
      -22,
      [2, 0, 0, 0],
      [2, 0, 0, 0],
      [3, 0, 0, 0],
      [5, 0, 0, 0],
      null,
    ]);
    expect(queueScript(vmSide(vmMap({ ...QUEUE, kind: "stack" })))).toEqual([
      0,
      0,
      0,
      -7,
      0,
      -22,
      [5, 0, 0, 0],
      [5, 0, 0, 0],
      [3, 0, 0, 0],
      [2, 0, 0, 0],
      null,
    ]);
  });

  it("bloom filter: no false negatives", () => {
    const m = vmMap(BLOOM) as unknown as {
      push(v: Uint8Array, f: number): number;
      peek(v: Uint8Array): number;
    };
    const r = bloomScript(
      bloomSide(
        (v) => m.peek(v) === 0,
        (v, f) => m.push(v, f),
      ),
      4,
    );
    expect(r.slice(0, 41)).toEqual([...Array(40).fill(0), -22]);
    expect(r.slice(41, 81)).toEqual(Array(40).fill(1));
  });

  it("push / pop / peek helpers on a queue and a bloom filter", () => {
    const cpusH = { count: 1, current: 0 };
    const maps = new MapRegistry({ memory, cpus: cpusH });
    const env = createHelperEnv(maps, cpusH);
    const table = buildHelperTable(env);
    const q = vmMap(QUEUE);
    const qh = maps.add(q);
    const buf = memory.map(new Uint8Array(8), { writable: true, kind: "stack", name: "buf" });
    const call = (name: string, ...a: bigint[]) =>
      table.get(helperRecord(name)!.id)!.fn({
        memory,
        args: [...a, 0n, 0n, 0n, 0n, 0n].slice(0, 5) as never,
        pc: 0,
        ctx: 0n,
        tailCall: () => {},
        callFunction: () => {
          throw new Error("queue helpers take no callback");
        },
      });
    memory.write(buf.base, u32(42));
    expect(call("map_push_elem", qh, buf.base, 0n)).toBe(0n);
    expect(call("map_peek_elem", qh, buf.base + 4n)).toBe(0n);
    expect([...memory.read(buf.base + 4n, 4)]).toEqual([42, 0, 0, 0]);
    expect(call("map_pop_elem", qh, buf.base + 4n)).toBe(0n);
    expect(call("map_pop_elem", qh, buf.base + 4n)).toBe(-2n);
    const b = vmMap(BLOOM);
    const bh = maps.add(b);
    expect(call("map_peek_elem", bh, buf.base)).toBe(-2n);
    expect(call("map_push_elem", bh, buf.base, 0n)).toBe(0n);
    expect(call("map_peek_elem", bh, buf.base)).toBe(0n);
    expect(() => call("map_pop_elem", bh, buf.base)).toThrow(/bloom_filter, not a queue or stack/);
  });
});

describe("the same operations on kernel maps give the same results", () => {
  it("lpm_trie, queue, stack, bloom filter (4- and 6-byte values)", () => {
    if (!kernelReady("new map types VM vs kernel")) return;
    const cases: [Spec, (s: Side) => unknown[]][] = [
      [LPM, lpmScript],
      [QUEUE, queueScript],
      [{ ...QUEUE, kind: "stack" }, queueScript],
    ];
    for (const [spec, script] of cases) {
      const k = kernelSide(spec);
      try {
        expect({ kind: spec.kind, r: script(k.side) }).toEqual({
          kind: spec.kind,
          r: script(vmSide(vmMap(spec))),
        });
      } finally {
        k.close();
      }
    }
    for (const [spec, size] of [
      [BLOOM, 4],
      [BLOOM6, 6],
    ] as const) {
      const k = kernelSide(spec);
      const m = vmMap(spec) as unknown as {
        push(v: Uint8Array, f: number): number;
        peek(v: Uint8Array): number;
      };
      try {
        const vm = bloomScript(
          bloomSide(
            (v) => m.peek(v) === 0,
            (v, f) => m.push(v, f),
          ),
          size,
        );
        const kernel = bloomScript(
          bloomSide(
            (v) => k.map.bloomMayContain(v),
            (v, f) => k.side.update(new Uint8Array(0), v, f),
          ),
          size,
        );
        expect(kernel).toEqual(vm);
        // The filter is small enough that some absent values read as present.
        expect((vm.slice(81) as number[]).some((x) => x === 1)).toBe(true);
      } finally {
        k.close();
      }
    }
  });
});
