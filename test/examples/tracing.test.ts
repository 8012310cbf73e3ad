/**
 * The tracing examples in the VM under tsbpf/test — opensnoop, syscount, runqlat, execsnoop,
 * exitsnoop, biolatency, tcpconnect, vfsread-latency, readline and profile — fed records built from
 * the stdlib's tracepoint structs (tracepointContext), u64 argument words or pt_regs bytes, with
 * the process, clock and user memory the helpers observe set by the test, and read back through
 * maps and events typed from the probe files. tracing-kernel.test.ts fires the same programs on the
 * live kernel.
 */
import { describe, expect, it } from "vitest";
import { jhash2 } from "../../runtime/maps/index.ts";
import { ipv4Word, loadProbe, tracepointContext, type ProbeRunInput } from "../../testing/index.ts";
import { cBytes, manualClock } from "./support.ts";

type Opensnoop = typeof import("../../examples/opensnoop.ts");
type Syscount = typeof import("../../examples/syscount.ts");
type Runqlat = typeof import("../../examples/runqlat.ts");
type Execsnoop = typeof import("../../examples/execsnoop.ts");
type Exitsnoop = typeof import("../../examples/exitsnoop.ts");
type Biolatency = typeof import("../../examples/biolatency.ts");
type Tcpconnect = typeof import("../../examples/tcpconnect.ts");
type VfsRead = typeof import("../../examples/vfsread-latency.ts");
type Readline = typeof import("../../examples/readline.ts");
type Profile = typeof import("../../examples/profile.ts");

/** Slot counts of a histogram array map, 0 for slots never written. */
const histogram = (m: { get(k: number): number | undefined }, slots: number) =>
  Array.from({ length: slots }, (_, i) => m.get(i) ?? -1);
const oneAt = (slots: number, slot: number) =>
  Array.from({ length: slots }, (_, i) => (i === slot ? 1 : 0));
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

describe("opensnoop", () => {
  const PATH_AT = 0x7ffc_1000_0000n;
  it("reports pid, uid, flags, comm and the user-space path of each openat", async () => {
    const p = await loadProbe<Opensnoop>("examples/opensnoop.ts", {
      process: { pid: 10, tgid: 10, uid: 500, gid: 500, comm: "cat" },
      userMemory: [{ address: PATH_AT, bytes: cBytes("/etc/hostname") }],
    });
    const ctx = tracepointContext("syscalls/sys_enter_openat", {
      common_pid: 10,
      __syscall_nr: 257,
      dfd: -100, // AT_FDCWD
      filename: PATH_AT,
      flags: 0o2000000, // O_CLOEXEC
    });
    expect(p.program("traceOpenat").run({ ctx }).ret).toBe(0);
    expect(p.events("events")).toEqual([
      { pid: 10, uid: 500, flags: 0o2000000, comm: "cat", filename: "/etc/hostname" },
    ]);
    expect(p.map("eventsLost").get(0)).toBe(0);
  });

  it("counts the opens a full ring had no room for in eventsLost", async () => {
    const p = await loadProbe<Opensnoop>("examples/opensnoop.ts", {
      userMemory: [{ address: PATH_AT, bytes: cBytes("/tmp/x") }],
    });
    const ctx = tracepointContext("syscalls/sys_enter_openat", { filename: PATH_AT });
    // A record takes 288 bytes + an 8-byte header: 1 MiB holds 3542 of them, undrained.
    const fit = Math.floor((1024 * 1024) / (288 + 8));
    p.program("traceOpenat").run({ ctx, repeat: fit + 100 });
    expect(p.events("events")).toHaveLength(fit);
    expect(p.map("eventsLost").get(0)).toBe(100);
    // Drained, the ring takes records again and the count stays.
    p.program("traceOpenat").run({ ctx });
    expect(p.events("events")).toHaveLength(1);
    expect(p.map("eventsLost").get(0)).toBe(100);
  });
});

describe("syscount", () => {
  it("counts syscalls by id and by process", async () => {
    const p = await loadProbe<Syscount>("examples/syscount.ts", { process: { pid: 31, tgid: 30 } });
    for (const id of [0, 1, 1, 257, 1])
      p.program("countSyscalls").run({ ctx: tracepointContext("raw_syscalls/sys_enter", { id }) });
    expect(new Map(p.map("bySyscall").entries())).toEqual(
      new Map([
        [0, 1],
        [1, 3],
        [257, 1],
      ]),
    );
    expect(p.map("byPid").entries()).toEqual([[30, 5]]);
  });
});

describe("runqlat", () => {
  it("histograms wakeup-to-switch-in delay in log2 microseconds", async () => {
    const clock = manualClock();
    const p = await loadProbe<Runqlat>("examples/runqlat.ts", { clock: clock.read });
    p.program("onWakeup").run({
      ctx: tracepointContext("sched/sched_wakeup", { comm: "nginx", pid: 88, prio: 120 }),
    });
    clock.now += 40_000n; // 40 µs → slot 5
    const sw = (next: number) =>
      tracepointContext("sched/sched_switch", {
        prev_comm: "swapper/0",
        prev_pid: 0,
        prev_prio: 120,
        next_comm: "nginx",
        next_pid: next,
        next_prio: 120,
      });
    p.program("onSwitch").run({ ctx: sw(88) });
    p.program("onSwitch").run({ ctx: sw(88) }); // already consumed: no second count
    p.program("onSwitch").run({ ctx: sw(99) }); // never woken
    expect(histogram(p.map("histogram"), 26)).toEqual(oneAt(26, 5));
  });
});

describe("execsnoop", () => {
  /** A sched_process_exec record with `path` stored `gap` bytes after the fixed part. */
  const execRecord = (path: string, pid: number, oldPid: number, gap = 0) => {
    const data = cBytes(path);
    const fixed = tracepointContext("sched/sched_process_exec", { pid, old_pid: oldPid });
    const at = fixed.length + gap;
    const withLoc = tracepointContext("sched/sched_process_exec", {
      common_pid: pid,
      filename: at | (data.length << 16),
      pid,
      old_pid: oldPid,
    });
    return concat(concat(withLoc, new Uint8Array(gap).fill(0x41)), data);
  };

  it("reports the exec'd path from the __data_loc field, with pid, old pid, uid and comm", async () => {
    const p = await loadProbe<Execsnoop>("examples/execsnoop.ts", {
      process: { pid: 900, tgid: 900, uid: 1234, gid: 1234, comm: "ls" },
    });
    expect(p.program("onExec").run({ ctx: execRecord("/usr/bin/ls", 900, 899) }).ret).toBe(0);
    expect(p.events("events")).toEqual([
      { pid: 900, old_pid: 899, uid: 1234, comm: "ls", filename: "/usr/bin/ls" },
    ]);
  });

  it("follows the offset wherever the record puts the string, and truncates at 255 bytes", async () => {
    const p = await loadProbe<Execsnoop>("examples/execsnoop.ts");
    const long = `/opt/${"x".repeat(400)}`;
    // 16 bytes of junk between the fixed part and the string: only the offset says where it is.
    p.program("onExec").run({ ctx: execRecord(long, 7, 7, 16) });
    expect(p.events("events").map((e) => e.filename)).toEqual([long.slice(0, 255)]);
  });

  it("reports one event per exec, in order", async () => {
    const p = await loadProbe<Execsnoop>("examples/execsnoop.ts");
    for (const [i, path] of ["/bin/sh", "/usr/bin/env", "/usr/bin/python3"].entries())
      p.program("onExec").run({ ctx: execRecord(path, 100 + i, 100 + i) });
    expect(p.events("events").map((e) => [e.pid, e.filename])).toEqual([
      [100, "/bin/sh"],
      [101, "/usr/bin/env"],
      [102, "/usr/bin/python3"],
    ]);
  });
});

describe("exitsnoop", () => {
  const record = (pid: number, prio: number) =>
    tracepointContext("sched/sched_process_exit", {
      common_pid: pid,
      comm: "worker",
      pid,
      prio,
      group_dead: true,
    });

  it("reports a process's main-thread exit with time, pid, uid, prio and comm", async () => {
    const clock = manualClock(5_000_000_000n);
    const p = await loadProbe<Exitsnoop>("examples/exitsnoop.ts", {
      process: { pid: 321, tgid: 321, uid: 42, gid: 42, comm: "make" },
      clock: clock.read,
    });
    expect(p.program("onExit").run({ ctx: record(321, 120) }).ret).toBe(0);
    expect(p.events("events")).toEqual([
      { timestamp_ns: 5_000_000_000, pid: 321, uid: 42, prio: 120, comm: "make" },
    ]);
  });

  it("skips threads other than the main one", async () => {
    const p = await loadProbe<Exitsnoop>("examples/exitsnoop.ts", {
      process: { pid: 322, tgid: 321, uid: 0, gid: 0, comm: "make" },
    });
    p.program("onExit").run({ ctx: record(322, 120) });
    expect(p.events("events")).toEqual([]);
  });
});

describe("biolatency", () => {
  const issue = (dev: number, sector: number) =>
    tracepointContext("block/block_rq_issue", { dev, sector, nr_sector: 8, bytes: 4096 });
  const complete = (dev: number, sector: number) =>
    tracepointContext("block/block_rq_complete", { dev, sector, nr_sector: 8 });

  it("puts issue-to-completion latency in its log2 microsecond slot and forgets the request", async () => {
    const clock = manualClock();
    const p = await loadProbe<Biolatency>("examples/biolatency.ts", { clock: clock.read });
    const dev = (8 << 20) | 1;
    p.program("onIssue").run({ ctx: issue(dev, 2048) });
    expect(p.map("start").entries()).toEqual([[{ dev, _pad: 0, sector: 2048 }, 1_000_000_000]]);
    clock.now += 5_000_000n; // 5000 µs: floor(log2(5000)) = 12
    p.program("onComplete").run({ ctx: complete(dev, 2048) });
    expect(histogram(p.map("hist"), 27)).toEqual(oneAt(27, 12));
    expect(p.map("start").entries()).toHaveLength(0);
  });

  it("matches requests by device and sector; unknown completions count nothing", async () => {
    const clock = manualClock();
    const p = await loadProbe<Biolatency>("examples/biolatency.ts", { clock: clock.read });
    p.program("onIssue").run({ ctx: issue(1, 100) });
    p.program("onIssue").run({ ctx: issue(2, 100) });
    clock.now += 3_000n; // 3 µs → slot 1
    p.program("onComplete").run({ ctx: complete(2, 100) });
    p.program("onComplete").run({ ctx: complete(1, 999) }); // never issued
    expect(histogram(p.map("hist"), 27)).toEqual(oneAt(27, 1));
    expect(
      p
        .map("start")
        .entries()
        .map(([k]) => k),
    ).toEqual([{ dev: 1, _pad: 0, sector: 100 }]);
  });

  it("clamps huge latencies into the last slot and sub-microsecond ones into slot 0", async () => {
    const clock = manualClock();
    const p = await loadProbe<Biolatency>("examples/biolatency.ts", { clock: clock.read });
    p.program("onIssue").run({ ctx: issue(1, 1) });
    clock.now += 1n << 50n;
    p.program("onComplete").run({ ctx: complete(1, 1) });
    p.program("onIssue").run({ ctx: issue(1, 2) });
    clock.now += 500n;
    p.program("onComplete").run({ ctx: complete(1, 2) });
    const h = histogram(p.map("hist"), 27);
    expect([h[0], h[26], h.reduce((a, b) => a + b, 0)]).toEqual([1, 1, 2]);
  });
});

describe("tcpconnect", () => {
  const change = (o: { newstate: number; family?: number; protocol?: number }) =>
    tracepointContext("sock/inet_sock_set_state", {
      common_pid: 555,
      skaddr: 0xffff888012345678n,
      oldstate: 7, // TCP_CLOSE
      newstate: o.newstate,
      sport: 40000,
      dport: 443,
      family: o.family ?? 2,
      protocol: o.protocol ?? 6,
      saddr: ipv4Word("192.168.1.10"),
      daddr: ipv4Word("93.184.216.34"),
    });

  it("reports an IPv4 TCP transition to SYN_SENT with the caller's pid, uid and comm", async () => {
    const p = await loadProbe<Tcpconnect>("examples/tcpconnect.ts", {
      process: { pid: 556, tgid: 555, uid: 1000, gid: 1000, comm: "curl" },
    });
    p.program("onStateChange").run({ ctx: change({ newstate: 2 }) });
    expect(p.events("events")).toEqual([
      {
        pid: 555,
        uid: 1000,
        saddr: ipv4Word("192.168.1.10"),
        daddr: ipv4Word("93.184.216.34"),
        sport: 40000,
        dport: 443,
        comm: "curl",
      },
    ]);
  });

  it("ignores other states, UDP and IPv6", async () => {
    const p = await loadProbe<Tcpconnect>("examples/tcpconnect.ts");
    p.program("onStateChange").run({ ctx: change({ newstate: 1 }) }); // ESTABLISHED
    p.program("onStateChange").run({ ctx: change({ newstate: 2, protocol: 17 }) });
    p.program("onStateChange").run({ ctx: change({ newstate: 2, family: 10 }) });
    expect(p.events("events")).toEqual([]);
  });
});

describe("vfsread-latency", () => {
  // vfs_read(file, buf, count, pos): fentry sees 4 argument words, fexit a fifth (the result).
  const entryArgs = [0xffff888000001000n, 0x7ffd0000n, 4096n, 0xffffc90000002000n];

  it("measures entry to exit per thread in log2 nanosecond slots", async () => {
    const clock = manualClock();
    const p = await loadProbe<VfsRead>("examples/vfsread-latency.ts", {
      process: { pid: 77, tgid: 70, uid: 0, gid: 0, comm: "cat" },
      clock: clock.read,
    });
    p.program("onReadEntry").run({ args: entryArgs });
    expect(p.map("start").get(77)).toBe(Number(clock.now));
    clock.now += 1500n; // floor(log2(1500)) = 10
    p.program("onReadExit").run({ args: [...entryArgs, 4096n] });
    expect(histogram(p.map("hist"), 32)).toEqual(oneAt(32, 10));
    expect(p.map("start").entries()).toHaveLength(0);
  });

  it("counts nothing for an exit without an entry", async () => {
    const p = await loadProbe<VfsRead>("examples/vfsread-latency.ts");
    p.program("onReadExit").run({ args: [...entryArgs, 0n] });
    expect(histogram(p.map("hist"), 32)).toEqual(oneAt(32, -1));
  });
});

describe("readline", () => {
  /** x86-64 pt_regs (168 bytes) with `ax` (offset 80), the return value register, set. */
  const regs = (ax: bigint) => {
    const b = new Uint8Array(168);
    new DataView(b.buffer).setBigUint64(80, ax, true);
    return b;
  };
  const LINE_AT = 0x5555_5560_0000n;

  it("copies the line readline returned from user memory", async () => {
    const p = await loadProbe<Readline>("examples/readline.ts", {
      process: { pid: 4000, tgid: 4000, uid: 1000, gid: 1000, comm: "bash" },
      userMemory: [{ address: LINE_AT, bytes: cBytes("ls -la /tmp") }],
    });
    p.program("onReadline").run({ ctx: regs(LINE_AT) });
    expect(p.events("events")).toEqual([{ pid: 4000, comm: "bash", line: "ls -la /tmp" }]);
  });

  it("truncates long lines to 79 bytes and ignores a NULL return (EOF)", async () => {
    const long = "echo " + "y".repeat(200);
    const p = await loadProbe<Readline>("examples/readline.ts", {
      userMemory: [{ address: LINE_AT, bytes: cBytes(long) }],
    });
    p.program("onReadline").run({ ctx: regs(0n) });
    p.program("onReadline").run({ ctx: regs(LINE_AT) });
    expect(p.events("events").map((e) => e.line)).toEqual([long.slice(0, 79)]);
  });
});

describe("profile", () => {
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
      const p = await loadProbe<Profile>("examples/profile.ts", {
        engine,
        process: { pid: 700, tgid: 700, comm: "worker", kernelStack: KERNEL_A, userStack: USER_A },
      });
      const run = p.program("onSample");
      const sample = (input: ProbeRunInput = {}) =>
        expect(run.run({ ctx: PERF_CTX, ...input }).ret).toBe(0);
      for (let i = 0; i < 3; i++) sample();
      const stackB = { process: { kernelStack: KERNEL_B, userStack: USER_B } };
      sample(stackB);
      sample(stackB);
      // Another process on stack A, once; an idle sample (pid 0) that is skipped; a kernel thread.
      sample({ process: { pid: 800, tgid: 800, comm: "db" } });
      sample({ process: { pid: 0, tgid: 0, comm: "swapper/0" } });
      sample({
        process: { pid: 2, tgid: 2, comm: "kthreadd", kernelStack: KERNEL_B, userStack: [] },
      });
      sample(stackB);

      const ka = stackId(KERNEL_A);
      const ua = stackId(USER_A);
      const kb = stackId(KERNEL_B);
      const ub = stackId(USER_B);
      expect(new Set([ka, ua, kb, ub]).size).toBe(4);
      const counts = p
        .map("counts")
        .entries()
        .map(([k, v]) => [k.pid, k.kern_stack_id, k.user_stack_id, k.comm, v]);
      const expected = [
        [700, ka, ua, "worker", 3],
        [700, kb, ub, "worker", 3],
        [800, ka, ua, "db", 1],
        [2, kb, -14, "kthreadd", 1], // no user stack: -EFAULT, counted as bcc does
      ];
      expect(counts).toHaveLength(expected.length);
      expect(counts).toEqual(expect.arrayContaining(expected));

      // User space resolves the ids: the frames, innermost first, zero-padded to maxDepth (127).
      const stacks = p.map("stacks"); // a stack trace map: u32 id → raw frames
      const frames = (id: number) => [
        ...new BigUint64Array((stacks.get(id) as Uint8Array).slice().buffer),
      ];
      const padded = (ips: bigint[]) => [...ips, ...Array<bigint>(127 - ips.length).fill(0n)];
      expect(frames(ka)).toEqual(padded(KERNEL_A));
      expect(frames(ua)).toEqual(padded(USER_A));
      expect(frames(kb)).toEqual(padded(KERNEL_B));
      expect(frames(ub)).toEqual(padded(USER_B));
      expect(stacks.entries().map(([k]) => k)).toEqual([ka, ua, kb, ub].sort((x, y) => x - y));
    });
  }
});
