/**
 * Stack trace maps and the stack-walking helpers against the fake process's call stacks: the
 * kernel's jhash (published lookup3 vectors), map creation checks, bpf_get_stackid ids, collisions,
 * flags, skip and depth limits, user-space lookups, bpf_get_stack buffers, and the fake-stack options
 * of `VmObject` with a clang-built perf_event program on both engines.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BPF_CONSTANTS, BPF_MAP_TYPE, helperRecord } from "../../core/kernel/index.ts";
import {
  buildHelperTable,
  createHelperEnv,
  DEFAULT_PROCESS,
  type HelperEnvOptions,
} from "../../runtime/helpers/index.ts";
import {
  MapError,
  MapRegistry,
  StackTraceMap,
  createMap,
  jhash,
  jhash2,
  type MapSpec,
} from "../../runtime/maps/index.ts";
import { VmObject, VmApiError } from "../../runtime/vm/api.ts";
import { i64, struct, u64 } from "../../runtime/vm/codecs.ts";
import { VmError, type HelperCall } from "../../runtime/vm/contract.ts";
import { createMemory } from "../../runtime/vm/memory.ts";
import { MapView } from "../../runtime/vm/map-view.ts";
import { capability, hasCommand } from "../support/env.ts";

const {
  BPF_F_USER_STACK: USER,
  BPF_F_FAST_STACK_CMP: FAST,
  BPF_F_REUSE_STACKID: REUSE,
  BPF_F_USER_BUILD_ID: BUILD_ID,
  BPF_F_STACK_BUILD_ID,
} = BPF_CONSTANTS;
const EFAULT = -14n;
const EEXIST = -17n;
const EINVAL = -22n;
const ENOMEM = -12n;

const KSTACK = [0xffffffff81000010n, 0xffffffff81000020n, 0xffffffff81000030n];
const USTACK = [0x401000n, 0x401100n, 0x7f0000001000n, 0x7f0000002000n, 0x400500n];

/** The id the kernel gives `ips` in a table of `nBuckets` slots: jhash2 of the u32 words. */
function expectedId(ips: readonly bigint[], nBuckets: number): number {
  const words = new Uint32Array(new BigUint64Array(ips).buffer);
  return jhash2(words, 0) & (nBuckets - 1);
}

/** Helpers bound to a fresh environment, called directly with hand-built arguments. */
function setup(opts: HelperEnvOptions = { process: { kernelStack: KSTACK, userStack: USTACK } }) {
  const memory = createMemory();
  const cpus = { count: 1, current: 0 };
  const maps = new MapRegistry({ memory, cpus });
  const env = createHelperEnv(maps, cpus, opts);
  const table = buildHelperTable(env);
  const scratch = memory.map(new Uint8Array(512), { writable: true, kind: "stack", name: "buf" });
  const call = (name: string, ...args: bigint[]): bigint => {
    const a = [...args, 0n, 0n, 0n, 0n, 0n].slice(0, 5) as [bigint, bigint, bigint, bigint, bigint];
    const c: HelperCall = {
      memory,
      args: a,
      pc: 0,
      ctx: 0n,
      tailCall: () => undefined,
      callFunction: () => {
        throw new Error("no callbacks here");
      },
    };
    return BigInt.asIntN(64, table.get(helperRecord(name)!.id)!.fn(c));
  };
  const addStackMap = (s: Partial<MapSpec> = {}) => {
    const spec = {
      name: "stacks",
      type: BPF_MAP_TYPE.BPF_MAP_TYPE_STACK_TRACE,
      ...{ keySize: 4, valueSize: 8 * 8, maxEntries: 1024, flags: 0, ...s },
    };
    const map = createMap(spec, { memory, cpus }, () => undefined) as StackTraceMap;
    return { map, handle: maps.add(map), view: new MapView(map, cpus) };
  };
  const stackId = (handle: bigint, flags: number) => call("get_stackid", 0n, handle, BigInt(flags));
  const setStacks = (kernelStack: bigint[], userStack: bigint[]) => {
    env.process = { ...env.process, kernelStack, userStack };
  };
  return { memory, env, call, scratch, addStackMap, stackId, setStacks };
}

/** The u64 frames of a stack map value. */
const frames = (v: Uint8Array | undefined): bigint[] =>
  v === undefined ? [] : [...new BigUint64Array(v.slice().buffer)];

describe("jhash (include/linux/jhash.h = lookup3)", () => {
  it("matches lookup3's published vectors", () => {
    const s = new TextEncoder().encode("Four score and seven years ago");
    expect(jhash(s, 0)).toBe(0x17770551);
    expect(jhash(s, 1)).toBe(0xcd628161);
    expect(jhash(new Uint8Array(0), 0)).toBe(0xdeadbeef);
  });

  it("jhash2 over words equals jhash over their little-endian bytes", () => {
    for (const n of [1, 2, 3, 4, 6, 7, 12, 254]) {
      const words = Uint32Array.from({ length: n }, (_, i) => (i * 0x9e3779b9 + 17) >>> 0);
      expect(jhash2(words, 5)).toBe(jhash(new Uint8Array(words.buffer), 5));
    }
  });
});

describe("stack trace map creation", () => {
  const make = (s: Partial<MapSpec>) => () => setup().addStackMap(s);

  it("sizes the id table to the next power of two of max_entries", () => {
    expect(setup().addStackMap({ maxEntries: 10240 }).map.nBuckets).toBe(16384);
    expect(setup().addStackMap({ maxEntries: 64 }).map.nBuckets).toBe(64);
    expect(setup().addStackMap({ valueSize: 127 * 8 }).map.maxDepth).toBe(127);
  });

  it("rejects definitions the kernel rejects, naming the map", () => {
    expect(make({ keySize: 8 })).toThrow(/stack_trace map stacks: key size must be 4/);
    expect(make({ valueSize: 12 })).toThrow(/value size must be a positive multiple of 8/);
    expect(make({ valueSize: 0 })).toThrow(MapError);
    expect(make({ valueSize: 128 * 8 })).toThrow(/128 frames per stack exceed the limit of 127/);
    expect(make({ maxEntries: 0 })).toThrow(/max_entries must be positive/);
    expect(make({ flags: 1 })).toThrow(/map flags 0x1 are not valid/);
    expect(make({ flags: BPF_F_STACK_BUILD_ID, valueSize: 40 })).toThrow(/multiple of 32/);
  });
});

describe("bpf_get_stackid", () => {
  it("gives the same stack the same id, its jhash2 masked to the table size", () => {
    const t = setup();
    const { handle, view } = t.addStackMap({ maxEntries: 1000 });
    const k = t.stackId(handle, 0);
    const u = t.stackId(handle, USER);
    expect(k).toBe(BigInt(expectedId(KSTACK, 1024)));
    expect(u).toBe(BigInt(expectedId(USTACK, 1024)));
    expect(k).not.toBe(u);
    expect(t.stackId(handle, 0)).toBe(k);
    expect(t.stackId(handle, USER)).toBe(u);
    // User space reads the frames back, zero-padded to value_size (8 frames).
    expect(frames(view.get(Number(k)))).toEqual([...KSTACK, 0n, 0n, 0n, 0n, 0n]);
    expect(frames(view.get(Number(u)))).toEqual([...USTACK, 0n, 0n, 0n]);
    expect(view.keys().map((key) => key[0]! | (key[1]! << 8))).toEqual(
      [Number(k), Number(u)].sort((a, b) => a - b),
    );
  });

  it("follows the process's stacks as they change", () => {
    const t = setup();
    const { handle, view } = t.addStackMap();
    const first = t.stackId(handle, USER);
    t.setStacks(KSTACK, [0x500000n, 0x500100n]);
    const second = t.stackId(handle, USER);
    expect(second).not.toBe(first);
    expect(frames(view.get(Number(second))).slice(0, 2)).toEqual([0x500000n, 0x500100n]);
  });

  it("skips the innermost frames given in the low 8 bits, before hashing", () => {
    const t = setup();
    const { handle, view } = t.addStackMap();
    const id = t.stackId(handle, USER | 2);
    expect(id).toBe(BigInt(expectedId(USTACK.slice(2), 1024)));
    expect(frames(view.get(Number(id))).slice(0, 4)).toEqual([...USTACK.slice(2), 0n]);
    expect(t.stackId(handle, USER | 4)).toBe(BigInt(expectedId(USTACK.slice(4), 1024)));
    // Nothing left after the skip, or no stack at all: -EFAULT.
    expect(t.stackId(handle, USER | 5)).toBe(EFAULT);
    expect(t.stackId(handle, USER | 255)).toBe(EFAULT);
    t.setStacks([], USTACK);
    expect(t.stackId(handle, 0)).toBe(EFAULT);
  });

  it("walks at most value_size / 8 frames after the skipped ones", () => {
    const t = setup();
    const { handle, view } = t.addStackMap({ valueSize: 2 * 8 });
    const id = t.stackId(handle, USER);
    expect(id).toBe(BigInt(expectedId(USTACK.slice(0, 2), 1024)));
    expect(frames(view.get(Number(id)))).toEqual(USTACK.slice(0, 2));
    const skipped = t.stackId(handle, USER | 1);
    expect(frames(view.get(Number(skipped)))).toEqual(USTACK.slice(1, 3));
    // The walk itself stops at perf_event_max_stack (127) frames, skipped ones included.
    const base = 0xffffffff81000000n;
    t.setStacks(
      Array.from({ length: 200 }, (_, i) => base + BigInt(i)),
      [],
    );
    const deep = t.addStackMap({ name: "deep", valueSize: 127 * 8 });
    const stored = frames(deep.view.get(Number(t.stackId(deep.handle, 3))));
    expect(stored).toEqual([
      ...Array.from({ length: 124 }, (_, i) => base + 3n + BigInt(i)),
      ...[0n, 0n, 0n],
    ]);
  });

  it("reports a different stack in an occupied slot as -EEXIST unless REUSE_STACKID", () => {
    const t = setup();
    const { handle, view } = t.addStackMap({ maxEntries: 4 });
    // Two stacks with the same id in a 4-slot table.
    const a = [0x1000n];
    let b = [0x2000n];
    for (let x = 0x2000n; expectedId(b, 4) !== expectedId(a, 4); x += 8n) b = [x];
    const id = BigInt(expectedId(a, 4));
    t.setStacks(a, []);
    expect(t.stackId(handle, 0)).toBe(id);
    t.setStacks(b, []);
    expect(t.stackId(handle, 0)).toBe(EEXIST);
    expect(t.stackId(handle, FAST)).toBe(EEXIST); // the 32-bit hashes differ too
    expect(frames(view.get(Number(id)))[0]).toBe(a[0]);
    expect(t.stackId(handle, REUSE)).toBe(id);
    expect(frames(view.get(Number(id)))[0]).toBe(b[0]);
    expect(t.stackId(handle, FAST)).toBe(id);
    t.setStacks(a, []);
    expect(t.stackId(handle, 0)).toBe(EEXIST);
  });

  it("trusts an equal 32-bit hash under FAST_STACK_CMP, without comparing frames", () => {
    // Two one-frame stacks whose jhash2 collide (found by search): only the frames tell them apart.
    const a = [0x4d9720n];
    const b = [0x57af80n];
    const words = (ips: bigint[]) => new Uint32Array(new BigUint64Array(ips).buffer);
    expect(jhash2(words(a), 0)).toBe(jhash2(words(b), 0));
    const t = setup();
    const { handle, view } = t.addStackMap({ maxEntries: 1 << 20 });
    t.setStacks(a, []);
    const id = t.stackId(handle, 0);
    t.setStacks(b, []);
    expect(t.stackId(handle, 0)).toBe(EEXIST);
    expect(t.stackId(handle, FAST)).toBe(id);
    expect(frames(view.get(Number(id)))[0]).toBe(a[0]); // still a's frames
    expect(t.stackId(handle, REUSE)).toBe(id);
    expect(frames(view.get(Number(id)))[0]).toBe(b[0]);
  });

  it("stores at most max_entries stacks (-ENOMEM, even to replace one)", () => {
    const t = setup();
    const { handle, view } = t.addStackMap({ maxEntries: 2 });
    const byId = new Map<number, bigint[]>();
    for (let x = 0x1000n; byId.size < 2; x += 8n) byId.set(expectedId([x], 2), [x]);
    for (const stack of byId.values()) {
      t.setStacks(stack, []);
      expect(t.stackId(handle, 0)).toBe(BigInt(expectedId(stack, 2)));
    }
    t.setStacks([0x9999n], []);
    expect(t.stackId(handle, REUSE)).toBe(ENOMEM);
    expect(view.delete(expectedId([0x9999n], 2))).toBe(true);
    expect(t.stackId(handle, REUSE)).toBe(BigInt(expectedId([0x9999n], 2)));
  });

  it("rejects unknown flags with -EINVAL and a non-stack map with a VmError", () => {
    const t = setup();
    const { handle } = t.addStackMap();
    expect(t.stackId(handle, BUILD_ID)).toBe(EINVAL);
    expect(t.call("get_stackid", 0n, handle, 1n << 32n)).toBe(EINVAL);
    const arr = createMap(
      { name: "arr", type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 },
      { memory: t.memory, cpus: t.env.cpus },
      () => undefined,
    );
    const arrHandle = t.env.maps.add(arr);
    expect(() => t.stackId(arrHandle, 0)).toThrow(/bpf_get_stackid: map arr is a array map/);
    expect(() => t.stackId(0x1234n, 0)).toThrow(VmError);
  });
});

describe("stack trace map from user space and programs", () => {
  it("looks up, deletes and refuses updates with kernel errnos", () => {
    const t = setup();
    const { handle, view, map } = t.addStackMap({ maxEntries: 100 });
    const id = Number(t.stackId(handle, 0));
    expect(view.get(id)).toHaveLength(64);
    expect(view.get((id + 1) % 128)).toBeUndefined();
    expect(view.get(128)).toBeUndefined(); // beyond n_buckets: ENOENT
    expect(map.delete(new Uint8Array([128, 0, 0, 0]))).toBe(-22);
    expect(() => view.set(id, new Uint8Array(64))).toThrow(/update failed: EINVAL/);
    expect(view.delete(id)).toBe(true);
    expect(view.delete(id)).toBe(false);
    expect(view.get(id)).toBeUndefined();
    expect(view.keys()).toEqual([]);
  });

  it("cannot be read by programs: bpf_map_lookup_elem is what the verifier rejects", () => {
    const t = setup();
    const { handle } = t.addStackMap();
    expect(() => t.call("map_lookup_elem", handle, t.scratch.base)).toThrow(
      /stack_trace map cannot be passed to bpf_map_lookup_elem/,
    );
  });

  it("stores build-id records with status BPF_STACK_BUILD_ID_IP (no executables in the VM)", () => {
    const t = setup();
    const { handle, view } = t.addStackMap({ flags: BPF_F_STACK_BUILD_ID, valueSize: 3 * 32 });
    const id = Number(t.stackId(handle, USER));
    expect(id).toBe(expectedId(USTACK.slice(0, 3), 1024));
    const v = new DataView(view.get(id)!.buffer);
    expect([0, 1, 2].map((i) => v.getInt32(i * 32, true))).toEqual([2, 2, 2]);
    expect([0, 1, 2].map((i) => v.getBigUint64(i * 32 + 24, true))).toEqual(USTACK.slice(0, 3));
    expect(new Uint8Array(v.buffer, 4, 20).every((b) => b === 0)).toBe(true);
  });
});

describe("bpf_get_stack", () => {
  /** Calls bpf_get_stack into the scratch buffer (pre-filled with 0xaa) and returns r0 and bytes. */
  function getStack(t: ReturnType<typeof setup>, size: number, flags: number) {
    t.scratch.bytes.fill(0xaa);
    const r0 = t.call("get_stack", 0n, t.scratch.base, BigInt(size), BigInt(flags));
    return { r0, buf: t.scratch.bytes.slice(0, size), after: t.scratch.bytes[size] };
  }

  it("copies the frames, returns the bytes copied and zero-fills the rest", () => {
    const t = setup();
    const full = getStack(t, 8 * 8, USER);
    expect(full.r0).toBe(5n * 8n);
    expect(frames(full.buf)).toEqual([...USTACK, 0n, 0n, 0n]);
    expect(full.after).toBe(0xaa);
    const short = getStack(t, 2 * 8, 0);
    expect(short.r0).toBe(16n);
    expect(frames(short.buf)).toEqual(KSTACK.slice(0, 2));
    const skipped = getStack(t, 4 * 8, USER | 3);
    expect(skipped.r0).toBe(16n);
    expect(frames(skipped.buf)).toEqual([...USTACK.slice(3), 0n, 0n]);
  });

  it("returns 0 for an empty stack, -EFAULT past it and -EINVAL for bad sizes or flags", () => {
    const t = setup();
    expect(getStack(t, 16, USER | 5).r0).toBe(0n);
    const fault = getStack(t, 16, USER | 6);
    expect(fault.r0).toBe(EFAULT);
    expect(fault.buf.every((b) => b === 0)).toBe(true);
    const odd = getStack(t, 12, USER);
    expect(odd.r0).toBe(EINVAL);
    expect(odd.buf.every((b) => b === 0)).toBe(true);
    expect(getStack(t, 16, FAST).r0).toBe(EINVAL);
    expect(getStack(t, 32, BUILD_ID).r0).toBe(EINVAL); // build ids only for user stacks
    expect(getStack(t, 0, USER).r0).toBe(0n);
  });

  it("writes build-id records for BPF_F_USER_BUILD_ID", () => {
    const t = setup();
    const { r0, buf } = getStack(t, 2 * 32, USER | BUILD_ID | 1);
    expect(r0).toBe(64n);
    const v = new DataView(buf.buffer);
    expect([v.getInt32(0, true), v.getBigUint64(24, true)]).toEqual([2, USTACK[1]]);
    expect([v.getInt32(32, true), v.getBigUint64(56, true)]).toEqual([2, USTACK[2]]);
  });

  it("needs a writable buffer of `size` bytes (a VmError, as the verifier checks it)", () => {
    const t = setup();
    expect(() => t.call("get_stack", 0n, t.scratch.base, 1024n, 0n)).toThrow(VmError);
  });
});

describe("fake stacks of the VM's process", () => {
  it("defaults to a non-empty kernel and user stack", () => {
    expect(DEFAULT_PROCESS.kernelStack.length).toBeGreaterThan(0);
    expect(DEFAULT_PROCESS.userStack.length).toBeGreaterThan(0);
  });
});

const haveClang = capability("clang-19", hasCommand("clang-19"), "stack trace fixture");
let object: Uint8Array | undefined;
let dir = "";
beforeAll(() => {
  if (!haveClang) return;
  dir = mkdtempSync(join(tmpdir(), "tsbpf-stack-"));
  const out = join(dir, "stack-trace.o");
  execFileSync("clang-19", [
    ...["-O2", "-g", "-target", "bpf", "-mcpu=v3", "-I/usr/include/x86_64-linux-gnu"],
    ...["-c", join(import.meta.dirname, "fixtures", "stack-trace.bpf.c"), "-o", out],
  ]);
  object = readFileSync(out);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveClang)("a clang-built perf_event program in the VM", () => {
  const RESULT = struct({ kern_id: i64, user_id: i64, skip_id: i64, got: i64, b0: u64, b1: u64 });
  const result = (obj: VmObject) =>
    RESULT.decode(obj.map("results").get(0)!.subarray(0, RESULT.size));
  const CTX = new Uint8Array(184); // struct bpf_perf_event_data

  for (const engine of ["interpreter", "jit"] as const) {
    it(`walks the stacks given at load, per run and by setProcess (${engine})`, () => {
      const obj = VmObject.load(object!, {
        engine,
        process: { kernelStack: KSTACK, userStack: USTACK },
      });
      expect(obj.program("sample").run({ ctx: CTX }).r0).toBe(0n);
      const r = result(obj);
      expect(r).toEqual({
        kern_id: BigInt(expectedId(KSTACK, 64)),
        user_id: BigInt(expectedId(USTACK, 64)),
        skip_id: BigInt(expectedId(USTACK.slice(1), 64)),
        got: 32n,
        b0: USTACK[0],
        b1: USTACK[1],
      });
      const stacks = obj.map("stacks");
      expect(frames(stacks.get(Number(r.user_id)))).toEqual([...USTACK, 0n, 0n, 0n]);

      // One run with another user stack; the object's process is restored afterwards.
      obj.program("sample").run({ ctx: CTX, process: { userStack: [0x600000n] } });
      expect(result(obj)).toMatchObject({ user_id: BigInt(expectedId([0x600000n], 64)), got: 8n });
      expect(obj.process.userStack).toEqual(USTACK);

      // A kernel thread: no user stack.
      obj.setProcess({ userStack: [] });
      obj.program("sample").run({ ctx: CTX });
      expect(result(obj)).toMatchObject({ kern_id: r.kern_id, user_id: EFAULT, got: 0n });
      expect(obj.process.kernelStack).toEqual(KSTACK);
    });
  }

  it("reports malformed stacks as API errors", () => {
    expect(() =>
      VmObject.load(object!, { process: { userStack: [1 as unknown as bigint] } }),
    ).toThrow(
      /process.userStack\[0\] must be a bigint address .* \(a number: write it with an n suffix\)/,
    );
    const obj = VmObject.load(object!);
    expect(() => obj.setProcess({ kernelStack: "x" as unknown as bigint[] })).toThrow(VmApiError);
    expect(() => obj.setProcess({ kernelStack: [-1n] })).toThrow(/kernelStack\[0\]/);
    expect(() =>
      obj.program("sample").run({ ctx: CTX, process: { userStack: [1n << 64n] } }),
    ).toThrow(VmApiError);
    expect(obj.process.userStack).toEqual(DEFAULT_PROCESS.userStack);
  });
});
