/**
 * The helpers' fast paths (contract `FastHelperFn`, used by the JIT) against their reference `fn`
 * (used by the interpreter, and by the JIT when `fast` is stripped): random sequences of map lookups,
 * updates and deletes over every map shape with a fast form must give the same r0, executed count and
 * final map contents in three identical worlds; every error must keep its exact text; a declining
 * fast path must leave the world untouched; the process/time helpers' fast forms must return what
 * their `fn` returns.
 */
import { describe, expect, it } from "vitest";
import { assembleText } from "../../core/conformance/index.ts";
import { BPF_MAP_TYPE, helperRecord } from "../../core/kernel/index.ts";
import { buildHelperTable, createHelperEnv } from "../../runtime/helpers/index.ts";
import { MapRegistry, compactKey, createMap, type VmMap } from "../../runtime/maps/index.ts";
import {
  VmError,
  createMemory,
  getEngine,
  type Engine,
  type HelperTable,
} from "../../runtime/vm/index.ts";
import { FastCallState } from "../../runtime/vm/run-context.ts";

const T = BPF_MAP_TYPE;
const SHAPES = [
  { name: "h4", type: T.BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 12 },
  { name: "lru", type: T.BPF_MAP_TYPE_LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 4 },
  { name: "arr", type: T.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 6 },
  { name: "pc8", type: T.BPF_MAP_TYPE_PERCPU_HASH, keySize: 8, valueSize: 16, maxEntries: 8 },
  { name: "h3", type: T.BPF_MAP_TYPE_HASH, keySize: 3, valueSize: 4, maxEntries: 8 },
  { name: "h9", type: T.BPF_MAP_TYPE_HASH, keySize: 9, valueSize: 8, maxEntries: 8 },
  { name: "rb", type: T.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 },
] as const;

const fastCalls = { handled: 0 };

/** A fresh world: memory, maps of every shape (same ids in every world), helpers. */
function world(withFast: boolean) {
  const memory = createMemory();
  const cpus = { count: 2, current: 1 };
  const maps = new MapRegistry({ memory, cpus });
  const handles: bigint[] = [];
  const all: VmMap[] = [];
  for (const s of SHAPES) {
    const m = createMap({ ...s, flags: 0 }, { memory, cpus }, () => undefined);
    all.push(m);
    handles.push(maps.add(m));
  }
  const full = buildHelperTable(createHelperEnv(maps, cpus));
  // With fast paths, count the calls they handle (the comparison is moot if the JIT never uses them).
  const table: HelperTable = new Map(
    [...full].map(([id, h]) => {
      const fast = h.fast;
      if (!withFast || fast === undefined) return [id, { name: h.name, fn: h.fn }];
      const counted = (c: Parameters<typeof fast>[0]) => {
        const handled = fast(c);
        if (handled) fastCalls.handled++;
        return handled;
      };
      return [id, { name: h.name, fn: h.fn, fast: counted }];
    }),
  );
  return { memory, table, handles, maps: all };
}

/** Every map's contents: keys and all CPUs' values, in iteration order. */
function dump(maps: readonly VmMap[]): string {
  return maps
    .filter((m) => m.kind !== "ringbuf")
    .map((m) =>
      m
        .keys()
        .map(
          (k) =>
            `${Buffer.from(k).toString("hex")}=${m.lookupAllCpus(k)!.map((v) => Buffer.from(v).toString("hex"))}`,
        )
        .join(","),
    )
    .join(" | ");
}

function rng(seed: number) {
  let x = seed | 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** A random sequence of map helper calls; each result is folded into r6 (and hits are bumped). */
function randomProgram(seed: number, handles: readonly bigint[]): string {
  const r = rng(seed);
  const lines = ["mov %r6, 0"];
  for (let i = 0; i < 30; i++) {
    const m = r(SHAPES.length - 1); // not the ring buffer: its failures are tested separately
    const helper = [1, 2, 2, 3][r(4)]!;
    const flags = [0, 0, 1, 2, 3][r(5)]!;
    lines.push(
      `stdw [%r10-16], ${r(5)}`,
      `stdw [%r10-8], ${r(3)}`,
      `stdw [%r10-32], ${r(1000) - 500}`,
      `stdw [%r10-24], ${r(1000)}`,
      `lddw %r1, 0x${handles[m]!.toString(16)}`,
      "mov %r2, %r10",
      "add %r2, -16",
      "mov %r3, %r10",
      "add %r3, -32",
      r(10) === 0 ? "lddw %r4, 0x100000000" : `mov %r4, ${flags}`,
      `call ${helper}`,
      "xor %r6, %r0",
      "mul %r6, 16777619",
    );
    if (helper === 1) {
      lines.push("jeq %r0, 0, +3", "ldxw %r5, [%r0]", "add %r5, 1", "stxw [%r0], %r5");
    }
  }
  lines.push("mov %r0, %r6", "exit");
  return lines.join("\n");
}

type Outcome = { r0: bigint; executed: number; maps: string } | { error: string };

function runIn(kind: Engine["kind"], withFast: boolean, make: (h: bigint[]) => string): Outcome {
  const w = world(withFast);
  try {
    const program = { name: "p", insns: assembleText(make(w.handles)) };
    const res = getEngine(kind).run(program, w.memory, w.table);
    return { r0: res.r0, executed: res.executed, maps: dump(w.maps) };
  } catch (e) {
    if (e instanceof VmError) return { error: e.message };
    throw e;
  }
}

/** Runs in the three worlds and requires identical outcomes; returns the reference one. */
function agree(make: (h: bigint[]) => string): Outcome {
  const ref = runIn("interpreter", true, make);
  expect(runIn("jit", false, make)).toEqual(ref);
  expect(runIn("jit", true, make)).toEqual(ref);
  return ref;
}

describe("map helper fast paths", () => {
  it("agree with the reference helpers on 150 random call sequences over every map shape", () => {
    let filled = 0;
    fastCalls.handled = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const ref = agree((h) => randomProgram(seed * 7919, h));
      if ("error" in ref) throw new Error(`seed ${seed}: ${ref.error}`);
      if (ref.maps.length > 100) filled++;
    }
    // The sequences must actually fill maps, or the comparison proves little.
    expect(filled).toBeGreaterThan(100);
    // 150 programs × 30 calls in the fast world; only the interpreter's world calls `fn` alone.
    expect(fastCalls.handled).toBeGreaterThan(150 * 30 * 0.9);
  });

  it("keep the reference error texts (fast paths decline, fn reports)", () => {
    const call =
      (setup: string, helper = 1) =>
      (h: bigint[]) =>
        `${setup.replace("H", `0x${h[0]!.toString(16)}`)}
      mov %r2, %r10
      add %r2, -8
      mov %r3, %r10
      add %r3, -16
      mov %r4, 0
      call ${helper}
      exit`;
    const notMap = agree(call("lddw %r1, 0x12345"));
    expect(notMap).toEqual({
      error: "bpf_map_lookup_elem: r1 (0x12345) is not a map (at instruction 7)",
    });
    const badKey = agree((h) => call("lddw %r1, H")(h).replace("add %r2, -8", "add %r2, 8"));
    expect("error" in badKey && badKey.error).toMatch(
      /^invalid read of 4 bytes at 0x.*out of bounds/,
    );
    const badValue = agree((h) => call("lddw %r1, H", 2)(h).replace("mov %r3, %r10", "mov %r3, 0"));
    expect(badValue).toEqual({
      error:
        "invalid read of 8 bytes at 0xfffffffffffffff0: address is unmapped (at instruction 7)",
    });
    const ringbuf = agree((h) =>
      call("lddw %r1, H", 2)(h).replace(/0x[0-9a-f]+/, `0x${h[6]!.toString(16)}`),
    );
    expect("r0" in ringbuf && BigInt.asIntN(64, ringbuf.r0)).toBeLessThan(0n);
  });

  it("decline without side effects when an argument would fault", () => {
    const w = world(true);
    const update = w.table.get(helperRecord("map_update_elem")!.id)!.fast!;
    const call = new FastCallState(w.memory);
    const stack = w.memory.map(new Uint8Array(32), { writable: true, kind: "stack", name: "s" });
    const hi = Number(stack.base >> 32n);
    const handle = w.handles[0]!;
    call.args.set([0, Number(handle >> 32n), 0, hi, 28, hi, 0, 0]); // value runs past the end
    expect(update(call)).toBe(false);
    call.args.set([4, Number(handle >> 32n)]); // not a handle (offset 4)
    expect(update(call)).toBe(false);
    expect(w.maps[0]!.keys()).toHaveLength(0);
    call.args.set([0, Number(handle >> 32n), 0, hi, 8, hi, 0, 0]);
    expect(update(call)).toBe(true);
    expect([call.rl, call.rh]).toEqual([0, 0]);
    expect(w.maps[0]!.keys()).toHaveLength(1);
    call.args.set([0, 0, 0, 0, 0, 0, 0, 1]); // flags > U32_MAX
    call.args.set([0, Number(handle >> 32n), 0, hi, 8, hi], 0);
    expect(update(call)).toBe(true);
    expect([call.rl, call.rh]).toEqual([-22, -1]);
  });
});

describe("compactKey", () => {
  it("maps distinct keys of one size to distinct Map keys and equal keys to equal ones", () => {
    const r = rng(42);
    for (let size = 1; size <= 17; size++) {
      const seen = new Map<number | string, string>();
      for (let i = 0; i < 400; i++) {
        const bytes = new Uint8Array(size + 3);
        for (let j = 0; j < bytes.length; j++) bytes[j] = r(4) === 0 ? 255 : r(3);
        const at = r(3);
        const hex = Buffer.from(bytes.subarray(at, at + size)).toString("hex");
        const k = compactKey(bytes, at, size);
        expect(compactKey(bytes.slice(at, at + size), 0, size)).toBe(k);
        const prev = seen.get(k);
        if (prev !== undefined) expect(prev).toBe(hex);
        seen.set(k, hex);
      }
    }
  });
});

describe("process helper fast paths", () => {
  it("return what the reference helpers return, call after call", () => {
    const make = () => {
      const memory = createMemory();
      const cpus = { count: 4, current: 3 };
      const env = createHelperEnv(new MapRegistry({ memory, cpus }), cpus, {
        process: { pid: 0x87654321, tgid: 77, uid: 0xffffffff, gid: 5 },
        clock: { startNs: 0xfffffff0_00000000n, stepNs: 0x1_0000_0001n },
        seed: 9,
      });
      return { memory, table: buildHelperTable(env) };
    };
    const slow = make();
    const fast = make();
    const withFast = [...fast.table].filter(([, h]) => h.fast !== undefined);
    expect(withFast.map(([, h]) => h.name)).toEqual(
      expect.arrayContaining(["map_lookup_elem", "ktime_get_ns", "get_current_pid_tgid"]),
    );
    const call = new FastCallState(fast.memory);
    for (let round = 0; round < 3; round++) {
      for (const [id, h] of withFast) {
        if (h.name.startsWith("map_")) continue;
        const args = [0n, 0n, 0n, 0n, 0n] as const;
        const c = {
          memory: slow.memory,
          args,
          pc: 0,
          ctx: 0n,
          tailCall: () => undefined,
          callFunction: () => {
            throw new Error("no callbacks here");
          },
        };
        const expected = BigInt.asUintN(64, slow.table.get(id)!.fn(c));
        expect(h.fast!(call), h.name).toBe(true);
        const got = (BigInt(call.rh >>> 0) << 32n) | BigInt(call.rl >>> 0);
        expect(got, `${h.name}, round ${round}`).toBe(expected);
      }
    }
  });
});
