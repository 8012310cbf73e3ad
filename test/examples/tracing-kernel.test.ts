/**
 * The tracing examples on the live kernel under tsbpf/test: each probe is loaded (the verifier
 * judges it), its programs are attached while `trigger`'s action does the traced thing (an open, an
 * exec, a child exiting, a TCP connect, syscalls, sleeping, direct disk writes, CPU work, a line
 * typed into bash), and the test reads the same typed maps and events as the VM tests
 * (tracing.test.ts). The kernel traces every process, so assertions pick the test's own.
 * vfsread-latency's fentry/fexit are refused by this kernel before the verifier (EPERM); that
 * refusal is what its case checks. Without root every case is skipped with a SKIPPED line.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ipv4Word, loadProbe } from "../../testing/index.ts";
import { hasCommand } from "../support/env.ts";
import { withLocalServer } from "./support.ts";

type Opensnoop = typeof import("../../examples/opensnoop.ts");
type Syscount = typeof import("../../examples/syscount.ts");
type Runqlat = typeof import("../../examples/runqlat.ts");
type Execsnoop = typeof import("../../examples/execsnoop.ts");
type Exitsnoop = typeof import("../../examples/exitsnoop.ts");
type Biolatency = typeof import("../../examples/biolatency.ts");
type Tcpconnect = typeof import("../../examples/tcpconnect.ts");
type Readline = typeof import("../../examples/readline.ts");
type Profile = typeof import("../../examples/profile.ts");

const target = "kernel" as const;
const SYS_GETPPID = 110; // x86-64

/** Runs a command to its end; resolves with its pid. */
function run(cmd: string, args: string[], input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input ? "pipe" : "ignore", "ignore", "ignore"] });
    if (input) child.stdin!.end(input);
    child.on("error", reject);
    child.on("close", () => resolve(child.pid!));
  });
}
const sum = (entries: [unknown, number][]) => entries.reduce((s, [, v]) => s + v, 0);

describe("tracing examples on the kernel", () => {
  it("opensnoop reports this process's open of a uniquely named file", async (test) => {
    const p = await loadProbe<Opensnoop>("examples/opensnoop.ts", { target, test });
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-opensnoop-"));
    const path = join(dir, "marker");
    try {
      await p.trigger(() => closeSync(openSync(path, "w")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const mine = p.events("events").filter((e) => e.filename === path);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ pid: process.pid, uid: process.getuid!() });
  });

  it("syscount counts a child's getppid calls by syscall and by process", async (test) => {
    const p = await loadProbe<Syscount>("examples/syscount.ts", { target, test });
    let pid = 0;
    await p.trigger(async () => {
      pid = await run("perl", ["-e", `syscall(${SYS_GETPPID}) for 1..500`]);
    });
    expect(p.map("bySyscall").get(SYS_GETPPID)).toBeGreaterThanOrEqual(500);
    expect(p.map("byPid").get(pid)).toBeGreaterThanOrEqual(500);
  });

  it("execsnoop reports a child's exec with its pid and path", async (test) => {
    const p = await loadProbe<Execsnoop>("examples/execsnoop.ts", { target, test });
    const bin = "/bin/sh"; // the path given to execve is the one the record carries
    let pid = 0;
    await p.trigger(async () => {
      pid = await run(bin, ["-c", "exit 0"]);
    });
    const mine = p.events("events").filter((e) => e.pid === pid);
    expect(mine).toEqual([
      expect.objectContaining({
        pid,
        old_pid: pid,
        filename: bin,
        uid: process.getuid!(),
        comm: "sh",
      }),
    ]);
  });

  it("exitsnoop reports a child's exit with its pid and comm", async (test) => {
    const p = await loadProbe<Exitsnoop>("examples/exitsnoop.ts", { target, test });
    let pid = 0;
    await p.trigger(async () => {
      pid = await run("sh", ["-c", "exit 7"]);
    });
    const mine = p.events("events").filter((e) => e.pid === pid);
    expect(mine).toEqual([expect.objectContaining({ pid, comm: "sh" })]);
    expect(mine[0]!.timestamp_ns).toBeGreaterThan(0);
  });

  it("tcpconnect reports this process's connect to a local port", async (test) => {
    const p = await loadProbe<Tcpconnect>("examples/tcpconnect.ts", { target, test });
    const port = await withLocalServer((connectOnce) => p.trigger(connectOnce));
    const mine = p.events("events").filter((e) => e.dport === port);
    expect(mine).toEqual([
      expect.objectContaining({
        pid: process.pid,
        daddr: ipv4Word("127.0.0.1"),
        saddr: ipv4Word("127.0.0.1"),
      }),
    ]);
  });

  it("runqlat histograms the run-queue delay of tasks woken while it runs", async (test) => {
    const p = await loadProbe<Runqlat>("examples/runqlat.ts", { target, test });
    await p.trigger(async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    });
    expect(sum(p.map("histogram").entries())).toBeGreaterThan(0);
  });

  it("biolatency histograms the latency of direct disk writes", async (test) => {
    const p = await loadProbe<Biolatency>("examples/biolatency.ts", { target, test });
    const dir = mkdtempSync(join(process.cwd(), ".tsbpf-bio-"));
    try {
      await p.trigger(async () => {
        await run("dd", [
          "if=/dev/zero",
          `of=${join(dir, "data")}`,
          "bs=4096",
          "count=64",
          "oflag=direct",
          "conv=fsync",
        ]);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(sum(p.map("hist").entries())).toBeGreaterThan(0);
  });

  it("profile counts CPU samples of this process with their stacks", async (test) => {
    const p = await loadProbe<Profile>("examples/profile.ts", { target, test });
    await p.trigger(
      () => {
        // Half arithmetic, half system calls: samples land in user and in kernel mode (a sample
        // taken in user mode has no kernel stack).
        const end = Date.now() + 300;
        let x = 0;
        while (Date.now() < end) {
          for (let i = 0; i < 1000; i++) x += Math.sqrt(x + 1);
          statSync("/");
        }
        return x;
      },
      { attach: { perf: { frequency: 999 } } },
    );
    const mine = p
      .map("counts")
      .entries()
      .filter(([k]) => k.pid === process.pid);
    expect(sum(mine)).toBeGreaterThan(10);
    // The kernel stack of a sample is stored under its id.
    const withStack = mine.find(([k]) => k.kern_stack_id >= 0);
    expect(withStack).toBeDefined();
    const frames = p.map("stacks").get(withStack![0].kern_stack_id) as Uint8Array;
    expect(new BigUint64Array(frames.slice().buffer)[0]).toBeGreaterThan(0xffff000000000000n);
  });

  it("readline reports a line typed into an interactive bash", async (test) => {
    if (!hasCommand("script", ["--version"])) test.skip("needs script(1)");
    const p = await loadProbe<Readline>("examples/readline.ts", { target, test });
    const tag = `tsbpf_readline_${process.pid}`;
    await p.trigger(async () => {
      await run("script", ["-qc", "bash --norc -i", "/dev/null"], `echo ${tag}\nexit\n`);
    });
    const mine = p.events("events").filter((e) => e.line === `echo ${tag}`);
    expect(mine).toEqual([expect.objectContaining({ comm: "bash" })]);
  });

  it("vfsread-latency: the kernel refuses fentry/fexit before the verifier (EPERM)", async (test) => {
    const err = await loadProbe("examples/vfsread-latency.ts", { target, test }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/EPERM/);
  });
});
