/**
 * The examples that read kernel objects, under tsbpf/test in the VM and on the live kernel:
 * - core-execsnoop, core-exepath, core-exitsnoop, core-tcpstate: CO-RE reads through task_struct,
 *   mm_struct/file/dentry and struct sock. In the VM the structs are built by KernelHeap at the
 *   offsets of this machine's /sys/kernel/btf/vmlinux (the BTF the VM resolves the relocations
 *   against), so the records carry exactly the values the test wrote; on the kernel the programs are
 *   attached while the test execs, exits and connects, and the records carry the real values.
 * - lsm-fileopen: the VM counts opens by uid and passes on an earlier verdict; this kernel refuses
 *   LSM programs with EPERM before the verifier, and that refusal is what its kernel case checks.
 * - tasklist: an iterator; the kernel's listing has this process with its parent and comm; the VM
 *   walks the tasks a test gives (one line per process, threads skipped), and fed this process as
 *   /proc shows it, prints the same line for it as the kernel.
 * - ucalls: the VM counts calls by the function address in pt_regs; on the kernel a child shell's
 *   calls land on the file offsets of libc's str* functions that the loader attached to.
 */
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchBinaryFunctions, resolveBinaryPath } from "../../runtime/loader/index.ts";
import {
  hostTasks,
  ipv4Word,
  KernelHeap,
  loadProbe,
  tracepointContext,
} from "../../testing/index.ts";
import { manualClock, withLocalServer } from "./support.ts";

type Lsm = typeof import("../../examples/lsm-fileopen.ts");
type Ucalls = typeof import("../../examples/ucalls.ts");
type Tasklist = typeof import("../../examples/tasklist.ts");

const kernel = "kernel" as const;
/** One heap (and one parse of vmlinux's BTF) for every VM case. */
const heap = new KernelHeap();
const vmKernel = () => ({ coreBtf: heap.btf, kernelMemory: heap.ranges() });
const htons = (n: number) => ((n & 0xff) << 8) | (n >> 8);

/** Runs a command to its end; resolves with its pid and exit code. */
function run(cmd: string, args: string[]): Promise<{ pid: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => resolve({ pid: child.pid!, code }));
  });
}

/**
 * Runs a copy of /bin/true named `name` in a fresh directory while `p`'s programs are attached;
 * resolves with the copy's pid and the directory's name (removed by then).
 */
async function execCopy(
  p: { trigger(action: () => unknown): Promise<void> },
  name: string,
): Promise<{ pid: number; dirName: string }> {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-exec-"));
  const bin = join(dir, name);
  copyFileSync("/bin/true", bin);
  chmodSync(bin, 0o755);
  let pid = 0;
  try {
    await p.trigger(async () => {
      pid = (await run(bin, [])).pid;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { pid, dirName: basename(dir) };
}

describe("core-execsnoop", () => {
  it("VM: the parent's tgid and in_execve come from the task structs at vmlinux's offsets", async () => {
    const parent = heap.struct("task_struct", { tgid: 77, pid: 77 });
    const task = heap.struct("task_struct", {
      tgid: 42,
      pid: 42,
      real_parent: parent,
      in_execve: 1,
    });
    const p = await loadProbe("examples/core-execsnoop.ts", {
      ...vmKernel(),
      process: { task, pid: 42, tgid: 42, comm: "true" },
    });
    const ctx = tracepointContext("sched/sched_process_exec", { pid: 42, old_pid: 42 });
    expect(p.program("onExec").run({ ctx }).ret).toBe(0);
    expect(p.events("events")).toEqual([{ pid: 42, ppid: 77, in_execve: 1, comm: "true" }]);
  });

  it("kernel: a child's exec carries this process as parent and in_execve = 1", async (test) => {
    const p = await loadProbe("examples/core-execsnoop.ts", { target: kernel, test });
    const comm = `tx${process.pid % 100000}`;
    const { pid } = await execCopy(p, comm);
    const mine = (p.events("events") as { pid: number }[]).filter((e) => e.pid === pid);
    expect(mine).toEqual([{ pid, ppid: process.pid, in_execve: 1, comm }]);
  });
});

describe("core-exepath", () => {
  it("VM: walks task → mm → exe_file → f_path.dentry to the file's and its directory's names", async () => {
    const dirEntry = heap.struct("dentry", { "d_name.name": heap.string("sbin") });
    const fileEntry = heap.struct("dentry", {
      "d_name.name": heap.string("sshd"),
      d_parent: dirEntry,
    });
    const file = heap.struct("file", { "f_path.dentry": fileEntry });
    const mm = heap.struct("mm_struct", { exe_file: file });
    const task = heap.struct("task_struct", { mm });
    const p = await loadProbe("examples/core-exepath.ts", {
      ...vmKernel(),
      process: { task, pid: 500, tgid: 500 },
    });
    p.program("onExec").run({ ctx: tracepointContext("sched/sched_process_exec", { pid: 500 }) });
    expect(p.events("events")).toEqual([{ pid: 500, name: "sshd", dir: "sbin" }]);
  });

  it("kernel: a copied binary's exec reports its file name and directory name", async (test) => {
    const p = await loadProbe("examples/core-exepath.ts", { target: kernel, test });
    const { pid, dirName } = await execCopy(p, "exe-probe");
    const mine = (p.events("events") as { pid: number }[]).filter((e) => e.pid === pid);
    expect(mine).toEqual([{ pid, name: "exe-probe", dir: dirName }]);
  });
});

describe("core-exitsnoop", () => {
  it("VM: exit status, signal, age and parent from the task; threads are skipped", async () => {
    const clock = manualClock(10_000_000_000n);
    const parent = heap.struct("task_struct", { tgid: 1 });
    // Wait status 0x0300 | 0 (exit 3) and, for a second task, killed by signal 9.
    const exited = heap.struct("task_struct", {
      real_parent: parent,
      start_time: 4_000_000_000n,
      exit_code: 3 << 8,
    });
    const killed = heap.struct("task_struct", {
      real_parent: parent,
      start_time: 9_500_000_000n,
      exit_code: 9,
    });
    const p = await loadProbe("examples/core-exitsnoop.ts", { ...vmKernel(), clock: clock.read });
    const ctx = tracepointContext("sched/sched_process_exit", {});
    const onExit = p.program("onExit");
    onExit.run({ ctx, process: { task: exited, pid: 60, tgid: 60 } });
    onExit.run({ ctx, process: { task: killed, pid: 61, tgid: 61 } });
    onExit.run({ ctx, process: { task: killed, pid: 62, tgid: 61 } }); // a thread of 61
    expect(p.events("events")).toEqual([
      { duration_ns: 6_000_000_000, pid: 60, ppid: 1, exit_code: 3, sig: 0 },
      { duration_ns: 500_000_000, pid: 61, ppid: 1, exit_code: 0, sig: 9 },
    ]);
  });

  it("kernel: a child's exit 7 with this process as parent and a plausible age", async (test) => {
    const p = await loadProbe("examples/core-exitsnoop.ts", { target: kernel, test });
    let child = { pid: 0, code: null as number | null };
    await p.trigger(async () => {
      child = await run("sh", ["-c", "sleep 0.2; exit 7"]);
    });
    expect(child.code).toBe(7);
    const mine = (p.events("events") as { pid: number; duration_ns: number }[]).filter(
      (e) => e.pid === child.pid,
    );
    expect(mine).toEqual([
      { pid: child.pid, ppid: process.pid, exit_code: 7, sig: 0, duration_ns: expect.any(Number) },
    ]);
    expect(mine[0]!.duration_ns).toBeGreaterThan(150_000_000);
    expect(mine[0]!.duration_ns).toBeLessThan(30_000_000_000);
  });
});

describe("core-tcpstate", () => {
  const SYN_SENT = 2;
  const record = (skaddr: bigint, newstate = SYN_SENT, protocol = 6) =>
    tracepointContext("sock/inet_sock_set_state", { skaddr, newstate, protocol, family: 2 });

  it("VM: the destination comes from struct sock, not the record; only IPv4 TCP SYN_SENT", async () => {
    const sock = (family: number) =>
      heap.struct("sock", {
        "__sk_common.skc_family": family,
        "__sk_common.skc_daddr": ipv4Word("93.184.216.34"),
        "__sk_common.skc_rcv_saddr": ipv4Word("10.0.0.5"),
        "__sk_common.skc_dport": htons(443),
      });
    const v4 = sock(2);
    const v6 = sock(10);
    const p = await loadProbe("examples/core-tcpstate.ts", {
      ...vmKernel(),
      process: { pid: 300, tgid: 300 },
    });
    const run1 = (ctx: Uint8Array) => p.program("onStateChange").run({ ctx });
    run1(record(v4));
    run1(record(v4, 1)); // ESTABLISHED: not a connect
    run1(record(v4, SYN_SENT, 17)); // not TCP
    run1(record(v6)); // the socket's own family is IPv6
    expect(p.events("events")).toEqual([
      {
        pid: 300,
        daddr: ipv4Word("93.184.216.34"),
        saddr: ipv4Word("10.0.0.5"),
        dport: htons(443),
        family: 2,
      },
    ]);
  });

  it("kernel: this process's connect to a local port, read from its struct sock", async (test) => {
    const p = await loadProbe("examples/core-tcpstate.ts", { target: kernel, test });
    const port = await withLocalServer((connectOnce) => p.trigger(connectOnce));
    const mine = (p.events("events") as { dport: number }[]).filter((e) => e.dport === htons(port));
    expect(mine).toEqual([
      {
        pid: process.pid,
        daddr: ipv4Word("127.0.0.1"),
        saddr: ipv4Word("127.0.0.1"),
        dport: htons(port),
        family: 2,
      },
    ]);
  });
});

describe("lsm-fileopen", () => {
  const FILE = 0xffff888000123000n;
  it("VM: counts opens per uid, ignores a null file, passes an earlier denial on", async () => {
    const p = await loadProbe<Lsm>("examples/lsm-fileopen.ts", { process: { uid: 1000 } });
    const open = p.program("onFileOpen");
    expect(open.run({ args: [FILE, 0] }).ret).toBe(0);
    expect(open.run({ args: [FILE, 0] }).ret).toBe(0);
    expect(open.run({ args: [FILE, 0], process: { uid: 0, gid: 0 } }).ret).toBe(0);
    expect(open.run({ args: [0, 0] }).ret).toBe(0);
    // An earlier LSM program's -EACCES is returned as it is, and not counted.
    expect(open.run({ args: [FILE, -13] }).ret).toBe(2 ** 32 - 13);
    expect(new Map(p.map("opensByUid").entries())).toEqual(
      new Map([
        [1000, 2],
        [0, 1],
      ]),
    );
  });

  it("kernel: the load is refused with EPERM before the verifier", async (test) => {
    const err = await loadProbe("examples/lsm-fileopen.ts", { target: kernel, test }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/EPERM/);
    expect(String((err as Error).message)).toMatch(/LSM/);
  });
});

describe("tasklist", () => {
  it("VM: one `pid ppid comm` line per process of the tasks given, threads skipped", async () => {
    const p = await loadProbe<Tasklist>("examples/tasklist.ts", vmKernel());
    const tasks = [
      { task: { pid: 1, tgid: 1, comm: "init", real_parent: { tgid: 0 } } },
      { task: { pid: 300, tgid: 300, comm: "nginx", real_parent: { tgid: 1 } } },
      { task: { pid: 301, tgid: 300, comm: "nginx-worker", real_parent: { tgid: 1 } } },
      { task: { pid: 4100, tgid: 4100, comm: "fifteen-chars-x", real_parent: { tgid: 300 } } },
    ];
    expect(p.iterate("tasks", { elements: tasks }).split("\n")).toEqual([
      "       1        0 init",
      "     300        1 nginx",
      "    4100      300 fifteen-chars-x",
      "",
    ]);
    expect(() => p.iterate("tasks")).toThrow(/walks the objects a test gives/);
  });

  it("VM and kernel: the same line for this process, the VM fed it as /proc shows it", async (test) => {
    const k = await loadProbe<Tasklist>("examples/tasklist.ts", { target: kernel, test });
    const line = (text: string) =>
      text.split("\n").filter((l) => l.trim().split(/\s+/)[0] === String(process.pid));
    const onKernel = line(k.iterate("tasks"));
    await k.close();
    const vm = await loadProbe<Tasklist>("examples/tasklist.ts", vmKernel());
    const mine = hostTasks().filter((t) => (t.task as { tgid: number }).tgid === process.pid);
    expect(mine.length).toBeGreaterThan(0);
    expect(onKernel).toHaveLength(1);
    expect(line(vm.iterate("tasks", { elements: mine }))).toEqual(onKernel);
  });

  it("kernel: the listing has this process with its parent and comm, once, and no threads", async (test) => {
    const p = await loadProbe<Tasklist>("examples/tasklist.ts", { target: kernel, test });
    const rows = p
      .iterate("tasks")
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/));
    const comm = readFileSync("/proc/self/comm", "utf8").trim();
    expect(rows.filter((r) => r[0] === String(process.pid))).toEqual([
      [String(process.pid), String(process.ppid), comm],
    ]);
    // Every row is a process (its pid is a directory of /proc, not only a thread's).
    expect(rows.length).toBeGreaterThan(5);
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
  });
});

describe("ucalls", () => {
  /** x86-64 pt_regs (168 bytes) with `ip` (offset 128) set, as a uprobe sees it at entry. */
  const regs = (ip: bigint) => {
    const b = new Uint8Array(168);
    new DataView(b.buffer).setBigUint64(128, ip, true);
    return b;
  };

  it("VM: counts calls by the function address bpf_get_func_ip reads", async () => {
    const p = await loadProbe<Ucalls>("examples/ucalls.ts");
    const A = 0x7f3a_2c08_1000n;
    const B = 0x7f3a_2c08_2040n;
    for (const ip of [A, B, A, A]) p.program("onStrCall").run({ ctx: regs(ip) });
    expect(new Map(p.map("calls").entries())).toEqual(
      new Map([
        [Number(A), 3],
        [Number(B), 1],
      ]),
    );
  });

  it("kernel: a child shell's calls land on the str* functions of its libc", async (test) => {
    const p = await loadProbe<Ucalls>("examples/ucalls.ts", { target: kernel, test });
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-ucalls-"));
    const mapsFile = join(dir, "maps");
    let maps = "";
    try {
      await p.trigger(async () => {
        // The shell's own mappings (cat of /proc/<the shell>/maps), then string work.
        await run("sh", [
          "-c",
          `cat /proc/$$/maps > ${mapsFile}; X=abc; echo "\${X#a}" >/dev/null`,
        ]);
      });
      maps = readFileSync(mapsFile, "utf8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const libc = resolveBinaryPath("libc.so.6");
    const offsets = new Set(matchBinaryFunctions(libc, "str*").map((f) => f.offset));
    // The shell's executable mappings of libc: [start, end) at file offset `off`.
    const text = maps
      .split("\n")
      .map((l) => l.split(/\s+/))
      .filter((f) => f[1]?.includes("x") && f[5] && basename(f[5]) === basename(libc))
      .map((f) => {
        const [start, end] = f[0]!.split("-").map((h) => BigInt(`0x${h}`));
        return { start: start!, end: end!, off: BigInt(`0x${f[2]}`) };
      });
    expect(text.length).toBeGreaterThan(0);
    const inShell = p
      .map("calls")
      .entries()
      .map(([ip, n]) => [BigInt(ip), n] as const)
      .flatMap(([ip, n]) => {
        const m = text.find((t) => ip >= t.start && ip < t.end);
        return m ? [{ fileOffset: Number(ip - m.start + m.off), n }] : [];
      });
    expect(inShell.length).toBeGreaterThan(0);
    for (const c of inShell) {
      expect(offsets.has(c.fileOffset)).toBe(true);
      expect(c.n).toBeGreaterThan(0);
    }
  });
});
