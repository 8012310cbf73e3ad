/**
 * Helper implementations called directly through the HelperTable, with hand-built arguments: ids from
 * the kernel table, map helpers, process/time helpers, printk formatting, probe reads, ring buffer and
 * perf output, tail calls.
 */
import { describe, expect, it } from "vitest";
import { BPF_MAP_TYPE, helperRecord, helperRecordById } from "../../core/kernel/index.ts";
import {
  ALL_HELPERS,
  buildHelperTable,
  createHelperEnv,
  formatBpfPrintf,
  makeRandom,
  type HelperEnvOptions,
  type PrintfMemory,
} from "../../runtime/helpers/index.ts";
import { MapRegistry, ProgArrayMap, createMap, type MapSpec } from "../../runtime/maps/index.ts";
import { VmError, type EngineProgram, type HelperCall } from "../../runtime/vm/contract.ts";
import { createMemory } from "../../runtime/vm/memory.ts";

function setup(opts: HelperEnvOptions = {}) {
  const memory = createMemory();
  const cpus = { count: 2, current: 1 };
  const maps = new MapRegistry({ memory, cpus });
  const env = createHelperEnv(maps, cpus, opts);
  const table = buildHelperTable(env);
  const scratch = memory.map(new Uint8Array(256), {
    writable: true,
    kind: "stack",
    name: "scratch",
  });
  const tails: EngineProgram[] = [];
  const call = (name: string, ...args: bigint[]): bigint => {
    const h = table.get(helperRecord(name)!.id)!;
    const a = [...args, 0n, 0n, 0n, 0n, 0n].slice(0, 5) as [bigint, bigint, bigint, bigint, bigint];
    const c: HelperCall = {
      memory,
      args: a,
      pc: 0,
      ctx: 0n,
      tailCall: (p) => tails.push(p),
      callFunction: () => {
        throw new Error("no callbacks here");
      },
    };
    return BigInt.asIntN(64, h.fn(c));
  };
  const addMap = (s: Partial<MapSpec>) => {
    const m = createMap(
      { name: "m", type: 1, keySize: 4, valueSize: 8, maxEntries: 8, flags: 0, ...s },
      { memory, cpus },
      () => undefined,
    );
    return { map: m, handle: maps.add(m) };
  };
  const put = (at: number, bytes: Uint8Array | string) => {
    const b = typeof bytes === "string" ? new TextEncoder().encode(bytes + "\0") : bytes;
    scratch.bytes.set(b, at);
    return scratch.base + BigInt(at);
  };
  return { memory, env, table, scratch, call, addMap, put, tails, cpus };
}

describe("helper table", () => {
  it("keys every implementation by its kernel id", () => {
    const { table } = setup();
    expect(table.get(1)!.name).toBe("map_lookup_elem");
    expect(table.get(6)!.name).toBe("trace_printk");
    expect(table.size).toBe(ALL_HELPERS.length);
    for (const [id, h] of table) expect(helperRecordById(id)!.name).toBe(h.name);
    expect(table.has(helperRecord("clone_redirect")!.id)).toBe(true);
    expect(table.has(helperRecord("skb_get_tunnel_key")!.id)).toBe(false);
  });
});

describe("map helpers", () => {
  it("look up, update and delete through key pointers", () => {
    const { call, addMap, put, memory } = setup();
    const { handle } = addMap({});
    const key = put(0, new Uint8Array([7, 0, 0, 0]));
    const val = put(8, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(call("map_lookup_elem", handle, key)).toBe(0n);
    expect(call("map_update_elem", handle, key, val, 1n)).toBe(0n);
    expect(call("map_update_elem", handle, key, val, 1n)).toBe(-17n);
    const addr = call("map_lookup_elem", handle, key);
    expect([...memory.read(addr, 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(call("map_delete_elem", handle, key)).toBe(0n);
    expect(call("map_delete_elem", handle, key)).toBe(-2n);
  });

  it("reject a map argument that is not a map handle", () => {
    const { call, put } = setup();
    expect(() => call("map_lookup_elem", put(0, new Uint8Array(4)), 0n)).toThrow(
      /bpf_map_lookup_elem: r1 .* is not a map/,
    );
  });
});

describe("process helpers", () => {
  it("report the fake process, CPU and a deterministic clock", () => {
    const { call, put, scratch } = setup({
      process: { pid: 10, tgid: 20, uid: 30, gid: 40, comm: "a-very-long-command-name" },
      clock: { startNs: 100n, stepNs: 5n },
    });
    expect(call("get_current_pid_tgid")).toBe((20n << 32n) | 10n);
    expect(call("get_current_uid_gid")).toBe((40n << 32n) | 30n);
    expect(call("get_smp_processor_id")).toBe(1n);
    expect(call("ktime_get_ns")).toBe(100n);
    expect(call("ktime_get_boot_ns")).toBe(105n);
    const buf = put(0, new Uint8Array(16).fill(0xff));
    expect(call("get_current_comm", buf, 16n)).toBe(0n);
    expect(new TextDecoder().decode(scratch.bytes.subarray(0, 15))).toBe("a-very-long-com");
    expect(scratch.bytes[15]).toBe(0);
    expect(call("get_current_comm", buf, 4n)).toBe(0n);
    expect([...scratch.bytes.subarray(0, 4)]).toEqual([97, 45, 118, 0]);
  });

  it("draws reproducible random numbers from the seed", () => {
    const a = setup({ seed: 7 });
    const b = setup({ seed: 7 });
    const c = setup({ seed: 8 });
    const seqA = [1, 2, 3].map(() => a.call("get_prandom_u32"));
    expect([1, 2, 3].map(() => b.call("get_prandom_u32"))).toEqual(seqA);
    expect([1, 2, 3].map(() => c.call("get_prandom_u32"))).not.toEqual(seqA);
    for (const v of seqA) expect(v >= 0n && v < 2n ** 32n).toBe(true);
    const r = makeRandom(0);
    expect(new Set(Array.from({ length: 1000 }, r)).size).toBe(1000);
  });
});

describe("printk formatting", () => {
  const mem: PrintfMemory = {
    string: (addr) => (addr === 0x1000n ? "hello" : undefined),
    bytes: (addr, len) =>
      addr === 0x2000n ? new Uint8Array(len).map((_, i) => 10 + i) : undefined,
  };
  const f = (fmt: string, ...args: bigint[]) => formatBpfPrintf(fmt, args, mem);

  it("formats the kernel's integer conversions", () => {
    expect(f("%d %i %u", 0xffffffffn, 5n, 0xffffffffn)).toBe("-1 5 4294967295");
    expect(f("%ld %lld", 2n ** 64n - 2n, 2n ** 64n - 3n)).toBe("-2 -3");
    expect(f("%lu %llu", 2n ** 64n - 1n, 42n)).toBe("18446744073709551615 42");
    expect(f("%x %X %llx", 255n, 255n, 0x1234567890n)).toBe("ff FF 1234567890");
    expect(f("%d", 0x1_0000_0005n)).toBe("5");
    expect(f("[%5d|%-4u|%05d|%+d]", 42n, 7n, 0xfffffff9n, 3n)).toBe("[   42|7   |-0007|+3]");
  });

  it("formats strings, chars, pointers and addresses", () => {
    expect(f("%s!", 0x1000n)).toBe("hello!");
    expect(f("[%s]", 0x9999n)).toBe("[]");
    expect(f("%c%c", 104n, 105n)).toBe("hi");
    expect(f("%p %px %pK", 0xabcn, 1n, 2n)).toBe("0xabc 0x1 0x2");
    expect(f("%pI4 %pi4", 0x2000n, 0x2000n)).toBe("10.11.12.13 010.011.012.013");
    expect(f("%pI6", 0x2000n)).toBe("0a0b:0c0d:0e0f:1011:1213:1415:1617:1819");
    expect(f("100%% %pks", 0x1000n)).toBe("100% hello");
  });

  it("rejects what the kernel rejects", () => {
    expect(f("%d %d", 1n)).toBeNull();
    expect(f("%f", 1n)).toBeNull();
    expect(f("%.2d", 1n)).toBeNull();
    expect(f("%lz", 1n)).toBeNull();
    expect(f("%pZ", 1n)).toBeNull();
    expect(f("bell\x07", 1n)).toBeNull();
  });

  it("records trace_printk lines and returns their length", () => {
    const { call, put, env } = setup();
    const fmt = put(0, "pid %d comm %s\n");
    const s = put(64, "cat");
    expect(call("trace_printk", fmt, 16n, 77n, s)).toBe(BigInt("pid 77 comm cat\n".length));
    expect(env.printk.map((l) => l.message)).toEqual(["pid 77 comm cat"]);
    expect(env.printk[0]!.cpu).toBe(1);
    expect(call("trace_printk", fmt, 3n, 1n, s)).toBe(-22n); // no NUL within fmt_size
    expect(call("trace_printk", put(100, "%d %d %d %d"), 12n, 1n, 2n, 3n)).toBe(-22n);
    const args = put(
      128,
      new Uint8Array(32).map((_, i) => (i % 8 === 0 ? i / 8 + 1 : 0)),
    );
    expect(call("trace_vprintk", put(100, "%d %d %d %d"), 12n, args, 32n)).toBe(7n);
    expect(env.printk.at(-1)!.message).toBe("1 2 3 4");
    expect(call("trace_vprintk", put(100, "%d"), 3n, args, 12n)).toBe(-22n);
  });
});

describe("probe reads", () => {
  it("copy from fake kernel/user memory and fault cleanly elsewhere", () => {
    const { call, put, scratch } = setup({
      kernelMemory: [{ address: 0xffff888000001000n, bytes: new TextEncoder().encode("kern\0xx") }],
      userMemory: [{ address: 0x7000n, bytes: new Uint8Array([1, 2, 3, 4]) }],
    });
    const dst = put(0, new Uint8Array(8).fill(0xee));
    expect(call("probe_read_kernel", dst, 4n, 0xffff888000001000n)).toBe(0n);
    expect(new TextDecoder().decode(scratch.bytes.subarray(0, 4))).toBe("kern");
    expect(call("probe_read_user", dst, 4n, 0x7000n)).toBe(0n);
    expect([...scratch.bytes.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(call("probe_read_kernel", dst, 4n, 0x7000n)).toBe(-14n);
    expect([...scratch.bytes.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(call("probe_read_user", dst, 8n, 0x7000n)).toBe(-14n); // runs past the range
    expect(call("probe_read", dst, 2n, 0x7001n)).toBe(0n);
    expect([...scratch.bytes.subarray(0, 2)]).toEqual([2, 3]);
    // bpf_copy_from_user: user memory only, the destination zeroed on a fault.
    expect(call("copy_from_user", dst, 3n, 0x7001n)).toBe(0n);
    expect([...scratch.bytes.subarray(0, 3)]).toEqual([2, 3, 4]);
    expect(call("copy_from_user", dst, 4n, 0xffff888000001000n)).toBe(-14n);
    expect([...scratch.bytes.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
  });

  it("copy NUL-terminated strings with the kernel's return values", () => {
    const { call, put, scratch } = setup({
      kernelMemory: [{ address: 0xffff1000n, bytes: new TextEncoder().encode("abcdef\0") }],
    });
    const dst = put(0, new Uint8Array(16).fill(0xee));
    expect(call("probe_read_kernel_str", dst, 16n, 0xffff1000n)).toBe(7n);
    expect(new TextDecoder().decode(scratch.bytes.subarray(0, 7))).toBe("abcdef\0");
    expect(call("probe_read_kernel_str", dst, 4n, 0xffff1000n)).toBe(4n);
    expect([...scratch.bytes.subarray(0, 4)]).toEqual([97, 98, 99, 0]);
    expect(call("probe_read_user_str", dst, 4n, 0xffff1000n)).toBe(-14n);
    // A string inside VM memory (e.g. from the context) is readable too.
    const s = put(64, "vm");
    expect(call("probe_read_str", dst, 8n, s)).toBe(3n);
  });

  it("need a writable destination", () => {
    const { call } = setup();
    expect(() => call("probe_read_kernel", 0x1234n, 4n, 0n)).toThrow(VmError);
  });
});

describe("output helpers", () => {
  it("reserve, submit and discard ring buffer records", () => {
    const { call, addMap, memory } = setup();
    const { map, handle } = addMap({
      name: "rb",
      type: BPF_MAP_TYPE.BPF_MAP_TYPE_RINGBUF,
      keySize: 0,
      valueSize: 0,
      maxEntries: 4096,
    });
    const a = call("ringbuf_reserve", handle, 4n, 0n);
    expect(a).not.toBe(0n);
    memory.write(a, new Uint8Array([1, 2, 3, 4]));
    const b = call("ringbuf_reserve", handle, 2n, 0n);
    expect(call("ringbuf_discard", b, 0n)).toBe(0n);
    expect(call("ringbuf_submit", a, 0n)).toBe(0n);
    expect(() => call("ringbuf_submit", a, 0n)).toThrow(/not a reserved ring buffer record/);
    expect(call("ringbuf_query", handle, 0n)).toBe(32n);
    expect(call("ringbuf_reserve", handle, 8n, 1n)).toBe(0n);
    expect((map as import("../../runtime/maps/index.ts").RingBufMap).drain()).toEqual([
      new Uint8Array([1, 2, 3, 4]),
    ]);
  });

  it("send perf samples to the current CPU's buffer", () => {
    const { call, addMap, put } = setup();
    const { map, handle } = addMap({
      name: "events",
      type: BPF_MAP_TYPE.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
      valueSize: 4,
      maxEntries: 0,
    });
    const data = put(0, new Uint8Array([5, 6]));
    expect(call("perf_event_output", 0n, handle, 0xffffffffn, data, 2n)).toBe(0n);
    expect(call("perf_event_output", 0n, handle, 9n, data, 2n)).toBe(-7n);
    const perf = map as import("../../runtime/maps/index.ts").PerfEventArrayMap;
    expect(perf.drain()).toEqual([{ cpu: 1, data: new Uint8Array([5, 6]) }]);
  });

  it("tail-call through a prog array, or return -ENOENT for an empty slot", () => {
    const { call, addMap, tails } = setup();
    const { map, handle } = addMap({
      name: "jmp",
      type: BPF_MAP_TYPE.BPF_MAP_TYPE_PROG_ARRAY,
      valueSize: 4,
      maxEntries: 4,
    });
    const target: EngineProgram = { name: "t", insns: [] };
    (map as ProgArrayMap).setProgram(2, { id: 1, program: target });
    expect(call("tail_call", 0n, handle, 1n)).toBe(-2n);
    expect(call("tail_call", 0n, handle, 99n)).toBe(-2n);
    expect(tails).toEqual([]);
    expect(call("tail_call", 0n, handle, 2n)).toBe(0n);
    expect(tails).toEqual([target]);
  });
});
