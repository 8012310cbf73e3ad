/**
 * The tracing examples in the VM — exitsnoop, biolatency, tcpconnect, vfsread-latency, readline and
 * profile — fed records laid out per the stdlib structs (or pt_regs / u64 argument words), with the
 * process, clock and user memory the helpers observe set by the test.
 */
import { describe, expect, it } from "vitest";
import { cString as cStr, i32, struct, u16, u32, u64 } from "../../runtime/vm/codecs.ts";
import {
  INET_SOCK_SET_STATE,
  TRACE_ENTRY,
  addrWord,
  cBytes,
  loadExample,
  manualClock,
  traceEntry,
} from "./support.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { jhash2 } from "../../runtime/maps/index.ts";

/** The u64 counts of every slot of a histogram array map. */
function histogram(obj: VmObject, map: string, slots: number): bigint[] {
  const m = obj.map(map).as(u32, u64);
  return Array.from({ length: slots }, (_, i) => m.get(i) ?? -1n);
}
const oneAt = (slots: number, slot: number): bigint[] =>
  Array.from({ length: slots }, (_, i) => (i === slot ? 1n : 0n));

describe("exitsnoop", () => {
  const EXIT = struct({ ...TRACE_ENTRY, comm: cStr(16), pid: i32, prio: i32, group_dead: u32 });
  const EVENT = struct({ timestamp_ns: u64, pid: u32, uid: u32, prio: i32, comm: cStr(16) });
  const record = (pid: number, prio: number) =>
    EXIT.encode({ ...traceEntry(pid), comm: "worker", pid, prio, group_dead: 1 });

  it("reports a process's main-thread exit with time, pid, uid, prio and comm", async () => {
    const clock = manualClock(5_000_000_000n);
    const obj = await loadExample("exitsnoop", {
      process: { pid: 321, tgid: 321, uid: 42, gid: 42, comm: "make" },
      clock: clock.read,
    });
    expect(obj.program("onExit").run({ ctx: record(321, 120) }).r0).toBe(0n);
    const events = obj.ringbuf("events").drain();
    expect(events.map((e) => EVENT.decode(e))).toEqual([
      { timestamp_ns: 5_000_000_000n, pid: 321, uid: 42, prio: 120, comm: "make" },
    ]);
  });

  it("skips threads other than the main one", async () => {
    const obj = await loadExample("exitsnoop", {
      process: { pid: 322, tgid: 321, uid: 0, gid: 0, comm: "make" },
    });
    obj.program("onExit").run({ ctx: record(322, 120) });
    expect(obj.ringbuf("events").drain()).toEqual([]);
  });
});

describe("biolatency", () => {
  const RQ = struct({
    ...TRACE_ENTRY,
    dev: u32,
    sector: u64,
    nr_sector: u32,
    bytes: u32,
    ioprio: u16,
  });
  const RQ_DONE = struct({
    ...TRACE_ENTRY,
    dev: u32,
    sector: u64,
    nr_sector: u32,
    error: i32,
    ioprio: u16,
  });
  /** Pads a record to the tracepoint's full size (comm, rwbs and cmd follow the fields above). */
  const padded = (b: Uint8Array, size: number) => {
    const out = new Uint8Array(size);
    out.set(b);
    return out;
  };
  const issue = (dev: number, sector: bigint) =>
    padded(RQ.encode({ ...traceEntry(1), dev, sector, nr_sector: 8, bytes: 4096, ioprio: 0 }), 64);
  const complete = (dev: number, sector: bigint) =>
    padded(
      RQ_DONE.encode({ ...traceEntry(0), dev, sector, nr_sector: 8, error: 0, ioprio: 0 }),
      48,
    );

  it("puts issue-to-completion latency in its log2 microsecond slot and forgets the request", async () => {
    const clock = manualClock();
    const obj = await loadExample("biolatency", { clock: clock.read });
    const dev = (8 << 20) | 1;
    obj.program("onIssue").run({ ctx: issue(dev, 2048n) });
    expect(obj.map("start").keys()).toHaveLength(1);
    clock.now += 5_000_000n; // 5000 µs: floor(log2(5000)) = 12
    obj.program("onComplete").run({ ctx: complete(dev, 2048n) });
    expect(histogram(obj, "hist", 27)).toEqual(oneAt(27, 12));
    expect(obj.map("start").keys()).toHaveLength(0);
  });

  it("matches requests by device and sector; unknown completions count nothing", async () => {
    const clock = manualClock();
    const obj = await loadExample("biolatency", { clock: clock.read });
    obj.program("onIssue").run({ ctx: issue(1, 100n) });
    obj.program("onIssue").run({ ctx: issue(2, 100n) });
    clock.now += 3_000n; // 3 µs → slot 1
    obj.program("onComplete").run({ ctx: complete(2, 100n) });
    obj.program("onComplete").run({ ctx: complete(1, 999n) }); // never issued
    expect(histogram(obj, "hist", 27)).toEqual(oneAt(27, 1));
    expect(obj.map("start").keys()).toHaveLength(1); // (1, 100) still in flight
  });

  it("clamps huge latencies into the last slot and sub-microsecond ones into slot 0", async () => {
    const clock = manualClock();
    const obj = await loadExample("biolatency", { clock: clock.read });
    obj.program("onIssue").run({ ctx: issue(1, 1n) });
    clock.now += 1n << 50n;
    obj.program("onComplete").run({ ctx: complete(1, 1n) });
    obj.program("onIssue").run({ ctx: issue(1, 2n) });
    clock.now += 500n;
    obj.program("onComplete").run({ ctx: complete(1, 2n) });
    const h = histogram(obj, "hist", 27);
    expect([h[0], h[26], h.reduce((a, b) => a + b, 0n)]).toEqual([1n, 1n, 2n]);
  });
});

describe("tcpconnect", () => {
  const STATE = struct(INET_SOCK_SET_STATE);
  const EVENT = struct({
    pid: u32,
    uid: u32,
    saddr: u32,
    daddr: u32,
    sport: u16,
    dport: u16,
    comm: cStr(16),
  });
  const change = (o: { newstate: number; family?: number; protocol?: number }) => {
    const rec = new Uint8Array(72); // + saddr_v6, daddr_v6
    rec.set(
      STATE.encode({
        ...traceEntry(555),
        skaddr: 0xffff888012345678n,
        oldstate: 7, // TCP_CLOSE
        newstate: o.newstate,
        sport: 40000,
        dport: 443,
        family: o.family ?? 2,
        protocol: o.protocol ?? 6,
        saddr: addrWord("192.168.1.10"),
        daddr: addrWord("93.184.216.34"),
      }),
    );
    return rec;
  };

  it("reports an IPv4 TCP transition to SYN_SENT with the caller's pid, uid and comm", async () => {
    const obj = await loadExample("tcpconnect", {
      process: { pid: 556, tgid: 555, uid: 1000, gid: 1000, comm: "curl" },
    });
    obj.program("onStateChange").run({ ctx: change({ newstate: 2 }) });
    const events = obj
      .ringbuf("events")
      .drain()
      .map((e) => EVENT.decode(e));
    expect(events).toEqual([
      {
        pid: 555,
        uid: 1000,
        saddr: addrWord("192.168.1.10"),
        daddr: addrWord("93.184.216.34"),
        sport: 40000,
        dport: 443,
        comm: "curl",
      },
    ]);
  });

  it("ignores other states, UDP and IPv6", async () => {
    const obj = await loadExample("tcpconnect");
    obj.program("onStateChange").run({ ctx: change({ newstate: 1 }) }); // ESTABLISHED
    obj.program("onStateChange").run({ ctx: change({ newstate: 2, protocol: 17 }) });
    obj.program("onStateChange").run({ ctx: change({ newstate: 2, family: 10 }) });
    expect(obj.ringbuf("events").drain()).toEqual([]);
  });
});

describe("vfsread-latency", () => {
  // vfs_read(file, buf, count, pos): fentry sees 4 argument words, fexit a fifth (the result).
  const entryArgs = [0xffff888000001000n, 0x7ffd0000n, 4096n, 0xffffc90000002000n];

  it("measures entry to exit per thread in log2 nanosecond slots", async () => {
    const clock = manualClock();
    const obj = await loadExample("vfsread-latency", {
      process: { pid: 77, tgid: 70, uid: 0, gid: 0, comm: "cat" },
      clock: clock.read,
    });
    obj.program("onReadEntry").run({ args: entryArgs });
    expect(obj.map("start").as(u32, u64).get(77)).toBe(clock.now);
    clock.now += 1500n; // floor(log2(1500)) = 10
    obj.program("onReadExit").run({ args: [...entryArgs, 4096n] });
    expect(histogram(obj, "hist", 32)).toEqual(oneAt(32, 10));
    expect(obj.map("start").keys()).toHaveLength(0);
  });

  it("counts nothing for an exit without an entry", async () => {
    const obj = await loadExample("vfsread-latency");
    obj.program("onReadExit").run({ args: [...entryArgs, 0n] });
    expect(histogram(obj, "hist", 32)).toEqual(oneAt(32, -1));
  });
});

describe("readline", () => {
  const EVENT = struct({ pid: u32, comm: cStr(16), line: cStr(80) });
  /** x86-64 pt_regs (168 bytes) with `ax` (offset 80), the return value register, set. */
  const regs = (ax: bigint) => {
    const b = new Uint8Array(168);
    new DataView(b.buffer).setBigUint64(80, ax, true);
    return b;
  };
  const LINE_AT = 0x5555_5560_0000n;

  it("copies the line readline returned from user memory", async () => {
    const obj = await loadExample("readline", {
      process: { pid: 4000, tgid: 4000, uid: 1000, gid: 1000, comm: "bash" },
      userMemory: [{ address: LINE_AT, bytes: cBytes("ls -la /tmp") }],
    });
    obj.program("onReadline").run({ ctx: regs(LINE_AT) });
    expect(
      obj
        .ringbuf("events")
        .drain()
        .map((e) => EVENT.decode(e)),
    ).toEqual([{ pid: 4000, comm: "bash", line: "ls -la /tmp" }]);
  });

  it("truncates long lines to 79 bytes and ignores a NULL return (EOF)", async () => {
    const long = "echo " + "y".repeat(200);
    const obj = await loadExample("readline", {
      userMemory: [{ address: LINE_AT, bytes: cBytes(long) }],
    });
    obj.program("onReadline").run({ ctx: regs(0n) });
    obj.program("onReadline").run({ ctx: regs(LINE_AT) });
    const events = obj
      .ringbuf("events")
      .drain()
      .map((e) => EVENT.decode(e));
    expect(events.map((e) => e.line)).toEqual([long.slice(0, 79)]);
  });
});

describe("profile", () => {
  const KEY = struct({ pid: u32, kern_stack_id: i32, user_stack_id: i32, comm: cStr(16) });
  /** struct bpf_perf_event_data: pt_regs (21 u64), sample_period, addr. */
  const PERF_CTX = new Uint8Array(21 * 8 + 16);
  /** The id bpf_get_stackid gives `ips` in a 10240-entry map (16384 slots): jhash2 & 16383. */
  const stackId = (ips: readonly bigint[]) =>
    jhash2(new Uint32Array(new BigUint64Array(ips).buffer), 0) & 16383;
  const KERNEL_A = [0xffffffff81123450n, 0xffffffff81123000n, 0xffffffff82000080n];
  const USER_A = [0x401230n, 0x401100n, 0x7f12a0029d90n];
  const KERNEL_B = [0xffffffff812aa010n, 0xffffffff82000080n];
  const USER_B = [0x55d0c0001040n, 0x55d0c0000f00n, 0x7f12a0029d90n, 0x55d0c0000a25n];

  for (const engine of ["interpreter", "jit"] as const) {
    it(`counts samples per (pid, kernel stack, user stack) and stores the frames (${engine})`, async () => {
      const obj = await loadExample("profile", {
        engine,
        process: { pid: 700, tgid: 700, comm: "worker", kernelStack: KERNEL_A, userStack: USER_A },
      });
      const sample = (process?: Parameters<VmObject["setProcess"]>[0]) =>
        expect(obj.program("onSample").run({ ctx: PERF_CTX, process }).r0).toBe(0n);
      for (let i = 0; i < 3; i++) sample();
      obj.setProcess({ kernelStack: KERNEL_B, userStack: USER_B });
      sample();
      sample();
      // Another process on stack A, once; an idle sample (pid 0) that is skipped; a kernel thread.
      sample({ pid: 800, tgid: 800, comm: "db", kernelStack: KERNEL_A, userStack: USER_A });
      sample({ pid: 0, tgid: 0, comm: "swapper/0" });
      sample({ pid: 2, tgid: 2, comm: "kthreadd", userStack: [] });
      sample();

      const ka = stackId(KERNEL_A);
      const ua = stackId(USER_A);
      const kb = stackId(KERNEL_B);
      const ub = stackId(USER_B);
      expect(new Set([ka, ua, kb, ub]).size).toBe(4);
      const counts = obj
        .map("counts")
        .as(KEY, u64)
        .entries()
        .map(([k, v]) => [k.pid, k.kern_stack_id, k.user_stack_id, k.comm, v]);
      const expected = [
        [700, ka, ua, "worker", 3n],
        [700, kb, ub, "worker", 3n], // two runs, then one after the per-run overrides
        [800, ka, ua, "db", 1n],
        [2, kb, -14, "kthreadd", 1n], // no user stack: -EFAULT, counted as bcc does
      ];
      expect(counts).toHaveLength(expected.length);
      expect(counts).toEqual(expect.arrayContaining(expected));

      // User space resolves the ids: the frames, innermost first, zero-padded to maxDepth (127).
      const stacks = obj.map("stacks");
      const frames = (id: number) => [...new BigUint64Array(stacks.get(id)!.slice().buffer)];
      const padded = (ips: bigint[]) => [...ips, ...Array<bigint>(127 - ips.length).fill(0n)];
      expect(frames(ka)).toEqual(padded(KERNEL_A));
      expect(frames(ua)).toEqual(padded(USER_A));
      expect(frames(kb)).toEqual(padded(KERNEL_B));
      expect(frames(ub)).toEqual(padded(USER_B));
      expect(stacks.keys().map((k) => new DataView(k.buffer).getUint32(0, true))).toEqual(
        [ka, ua, kb, ub].sort((x, y) => x - y),
      );
    });
  }
});
