/**
 * The first four examples in the VM: opensnoop (ring buffer events, the map that used to fail to
 * create on the kernel), syscount (per-syscall and per-process counts), runqlat (wakeup-to-run
 * histogram) and xdp-counter (per-CPU protocol counts).
 */
import { describe, expect, it } from "vitest";
import { cString as cStr, i32, i64, struct, u32, u64 } from "../../runtime/vm/codecs.ts";
import {
  TRACE_ENTRY,
  cBytes,
  ethernet,
  ipv4Packet,
  loadExample,
  manualClock,
  traceEntry,
} from "./support.ts";

describe("opensnoop", () => {
  const OPENAT = struct({
    ...TRACE_ENTRY,
    __syscall_nr: i32,
    dfd: i64,
    filename: u64,
    flags: i64,
    mode: u64,
  });
  const EVENT = struct({ pid: u32, uid: u32, flags: i64, comm: cStr(16), filename: cStr(256) });
  const PATH_AT = 0x7ffc_1000_0000n;

  it("reports pid, uid, flags, comm and the user-space path of each openat", async () => {
    const obj = await loadExample("opensnoop", {
      process: { pid: 10, tgid: 10, uid: 500, gid: 500, comm: "cat" },
      userMemory: [{ address: PATH_AT, bytes: cBytes("/etc/hostname") }],
    });
    const ctx = OPENAT.encode({
      ...traceEntry(10),
      __syscall_nr: 257,
      dfd: -100n, // AT_FDCWD
      filename: PATH_AT,
      flags: 0o2000000n, // O_CLOEXEC
      mode: 0n,
    });
    obj.program("traceOpenat").run({ ctx });
    expect(
      obj
        .ringbuf("events")
        .drain()
        .map((e) => EVENT.decode(e)),
    ).toEqual([{ pid: 10, uid: 500, flags: 0o2000000n, comm: "cat", filename: "/etc/hostname" }]);
  });
});

describe("syscount", () => {
  const SYS_ENTER = struct({
    ...TRACE_ENTRY,
    id: i64,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
  });
  const enter = (id: bigint) =>
    SYS_ENTER.encode({ ...traceEntry(1), id, a0: 0n, a1: 0n, a2: 0n, a3: 0n, a4: 0n, a5: 0n });

  it("counts syscalls by id and by process", async () => {
    const obj = await loadExample("syscount", { process: { pid: 31, tgid: 30 } });
    for (const id of [0n, 1n, 1n, 257n, 1n]) obj.program("countSyscalls").run({ ctx: enter(id) });
    expect(new Map(obj.map("bySyscall").as(u32, u64).entries())).toEqual(
      new Map([
        [0, 1n],
        [1, 3n],
        [257, 1n],
      ]),
    );
    expect(obj.map("byPid").as(u32, u64).entries()).toEqual([[30, 5n]]);
  });
});

describe("runqlat", () => {
  const WAKEUP = struct({ ...TRACE_ENTRY, comm: cStr(16), pid: i32, prio: i32, target_cpu: i32 });
  const SWITCH = struct({
    ...TRACE_ENTRY,
    prev_comm: cStr(16),
    prev_pid: i32,
    prev_prio: i32,
    prev_state: i64,
    next_comm: cStr(16),
    next_pid: i32,
    next_prio: i32,
  });

  it("histograms wakeup-to-switch-in delay in log2 microseconds", async () => {
    const clock = manualClock();
    const obj = await loadExample("runqlat", { clock: clock.read });
    obj.program("onWakeup").run({
      ctx: WAKEUP.encode({ ...traceEntry(0), comm: "nginx", pid: 88, prio: 120, target_cpu: 0 }),
    });
    clock.now += 40_000n; // 40 µs → slot 5
    const sw = (next: number) =>
      SWITCH.encode({
        ...traceEntry(0),
        prev_comm: "swapper/0",
        prev_pid: 0,
        prev_prio: 120,
        prev_state: 0n,
        next_comm: "nginx",
        next_pid: next,
        next_prio: 120,
      });
    obj.program("onSwitch").run({ ctx: sw(88) });
    obj.program("onSwitch").run({ ctx: sw(88) }); // already consumed: no second count
    obj.program("onSwitch").run({ ctx: sw(99) }); // never woken
    const hist = obj.map("histogram").as(u32, u64);
    expect(Array.from({ length: 26 }, (_, i) => hist.get(i))).toEqual(
      Array.from({ length: 26 }, (_, i) => (i === 5 ? 1n : 0n)),
    );
  });
});

describe("xdp-counter", () => {
  it("counts IPv4 packets per protocol on the CPU that saw them and passes everything", async () => {
    const obj = await loadExample("xdp-counter", { cpus: 2 });
    const p = obj.program("countProtocols");
    const ip = (protocol: number) =>
      ethernet(0x0800, ipv4Packet({ src: "1.2.3.4", dst: "5.6.7.8", protocol }));
    expect(p.run({ packet: ip(6), cpu: 0 }).r0).toBe(2n);
    expect(p.run({ packet: ip(6), cpu: 1 }).r0).toBe(2n);
    expect(p.run({ packet: ip(17), cpu: 1 }).r0).toBe(2n);
    expect(p.run({ packet: ethernet(0x0806, new Uint8Array(28)), cpu: 0 }).r0).toBe(2n);
    const counts = obj.map("byProtocol").as(u32, u64);
    expect(counts.getAllCpus(6)).toEqual([1n, 1n]);
    expect(counts.getAllCpus(17)).toEqual([0n, 1n]);
    expect(counts.getAllCpus(0)).toEqual([0n, 0n]);
  });
});
