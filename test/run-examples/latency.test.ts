/**
 * The histogram and sampling examples under `tsbpf run` on the live kernel: runqlat (scheduler
 * wakeups we cause), biolatency (direct-I/O writes with `dd oflag=direct` to a file on the root
 * disk, a virtio disk here, whose requests pass the block_rq_issue / block_rq_complete tracepoints),
 * profile (perf_event CPU-clock samples while a child burns CPU), and vfsread-latency, which this
 * kernel refuses (fentry/fexit need BPF trampolines; EPERM even to root): the tool must say so in
 * one message, exit non-zero and leave nothing behind.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countLines,
  expectNothingLeft,
  expectRan,
  histogramRows,
  liveReady,
  ROOT,
  runExample,
  sleep,
} from "./support.ts";

const live = liveReady("latency examples under tsbpf run");

function sum(rows: Map<string, bigint>): bigint {
  return [...rows.values()].reduce((a, b) => a + b, 0n);
}

describe.runIf(live)("latency and sampling examples, live", () => {
  let dir: string;
  beforeAll(() => {
    // Not /tmp (may be tmpfs): the file must be on the root disk so writes reach the block layer.
    dir = mkdtempSync("/var/tmp/tsbpf-biolatency-");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runqlat fills a log2 histogram from wakeups we cause", async () => {
    const programs = ["onWakeup", "onSwitch"];
    const out = await runExample("runqlat", ["--duration", "3"], programs, async () => {
      // 100 sleeps: each is a wakeup followed by a switch-in of this process's thread.
      for (let i = 0; i < 100; i++) await sleep(5);
    });
    expectRan(out, programs);
    const rows = histogramRows(out.stdout, "histogram");
    expect(sum(rows)).toBeGreaterThanOrEqual(100n);
    for (const label of rows.keys()) expect(label).toMatch(/^\[(0|\d+[KMG]?), \d+[KMG]?\)$/);
    expectNothingLeft(out);
  }, 60_000);

  it("biolatency histograms the completions of our direct-I/O writes", async () => {
    const programs = ["onIssue", "onComplete"];
    const writes = 64;
    const out = await runExample("biolatency", ["--duration", "4"], programs, () => {
      execFileSync(
        "dd",
        [
          "if=/dev/zero",
          `of=${join(dir, "data")}`,
          "bs=4k",
          `count=${writes}`,
          "oflag=direct",
          "conv=fsync",
        ],
        { stdio: "ignore" },
      );
    });
    expectRan(out, programs);
    const rows = histogramRows(out.stdout, "hist");
    // Each O_DIRECT write waits for its own request: at least `writes` issue→complete pairs.
    expect(sum(rows)).toBeGreaterThanOrEqual(BigInt(writes));
    expectNothingLeft(out);
  }, 60_000);

  it("profile counts samples of a CPU-burning child under its pid, with stack ids", async () => {
    let childPid = 0;
    const out = await runExample("profile", ["--duration", "4"], ["onSample"], () => {
      const child = spawn(process.execPath, [
        "-e",
        "const end = Date.now() + 2000; while (Date.now() < end);",
      ]);
      childPid = child.pid!;
      return new Promise((r) => child.on("close", () => r()));
    });
    expectRan(out, ["onSample"]);
    const counts = countLines(out.stdout, "counts");
    const ours = [...counts].filter(([k]) => k.startsWith(`${childPid}, `));
    // 99 Hz on one CPU for 2 s is ~200 samples; leave room for a loaded machine.
    const samples = ours.reduce((a, [, n]) => a + n, 0n);
    expect(samples).toBeGreaterThanOrEqual(20n);
    const keys = ours.map(([k]) => /^\d+, (-?\d+), (-?\d+), (\S+)$/.exec(k)!);
    expect(keys.every((m) => m !== null && m[3] === "node")).toBe(true);
    // A user stack is always there for a running JS loop: a valid (non-negative) id.
    expect(keys.some((m) => Number(m[2]) >= 0)).toBe(true);
    expectNothingLeft(out);
  }, 60_000);

  it("vfsread-latency explains the kernel's refusal of fentry and leaves nothing behind", () => {
    const before = bpftoolIds();
    let code = 0;
    let stderr = "";
    let stdout = "";
    try {
      stdout = execFileSync(
        process.execPath,
        ["bin/tsbpf.js", "run", "examples/vfsread-latency.ts", "--duration", "2"],
        { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
    } catch (e) {
      const x = e as { status: number; stderr: string; stdout: string };
      code = x.status;
      stderr = x.stderr;
      stdout = x.stdout;
    }
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^tsbpf: examples\/vfsread-latency\.ts: BPF_PROG_LOAD \(program "onRead(Entry|Exit)" at examples\/vfsread-latency\.ts:\d+\) failed: EPERM/,
    );
    expect(lines[0]).toContain("does not allow BPF trampolines");
    expect(lines[0]).not.toContain("needs root");
    // Nothing new named like the example's programs or maps survived the failed load.
    // Other suites may load these examples concurrently (same names) and the kernel frees objects
    // asynchronously, so wait a little for any such survivor to go before judging.
    const fresh = (kind: "progs" | "maps", names: string[]) =>
      [...bpftoolIds()[kind]].filter(([id, n]) => !before[kind].has(id) && names.includes(n));
    const survivors = () => [
      ...fresh("progs", ["onReadEntry", "onReadExit"]),
      ...fresh("maps", ["start", "hist"]),
    ];
    let left = survivors();
    for (let i = 0; i < 50 && left.length > 0; i++) {
      execFileSync("sleep", ["0.1"]);
      left = survivors();
    }
    expect(left).toEqual([]);
  }, 60_000);
});

function bpftoolIds(): { progs: Map<number, string>; maps: Map<number, string> } {
  const list = (kind: string) =>
    new Map(
      (
        JSON.parse(execFileSync("bpftool", ["-j", kind, "show"], { encoding: "utf8" }) || "[]") as {
          id: number;
          name?: string;
        }[]
      ).map((x) => [x.id, x.name ?? ""]),
    );
  return { progs: list("prog"), maps: list("map") };
}
