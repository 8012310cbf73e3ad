/**
 * `tsbpf run --prometheus` scraped by a real Prometheus (Debian package prometheus) on loopback:
 * syscount's counts and runqlat's histogram arrive as series with the expected names, labels and
 * values, checked through Prometheus's HTTP API while the probe runs; then the run stops cleanly
 * and leaves nothing in the kernel. A port in use is one clear error before anything is attached.
 */
import { spawn } from "node:child_process";
import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsbpf } from "../build/support.ts";
import { capability, hasCommand } from "../support/env.ts";
import { freePort, PrometheusServer, waitFor, type PromSeries } from "../support/prometheus.ts";
import { expectNothingLeft, expectRan, liveReady, runExample } from "./support.ts";

const live = liveReady("tsbpf run --prometheus scraped by Prometheus");
const prometheus =
  live &&
  capability(
    "prometheus (Debian package, installed by scripts/setup.sh)",
    hasCommand("prometheus", ["--version"]),
    "tsbpf run --prometheus scraped by Prometheus",
  );
/** x86_64 syscall number of getppid(2). */
const SYS_GETPPID = 110;

/** Runs a command to its end. */
function runToEnd(cmd: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", () => resolve(child.pid!));
  });
}

const one = (series: readonly PromSeries[], what: string): PromSeries => {
  if (series.length !== 1) throw new Error(`${what}: ${series.length} series`);
  return series[0]!;
};

describe.runIf(prometheus)("tsbpf run --prometheus, scraped by Prometheus", () => {
  /** Runs `fn` with a Prometheus scraping `target`; always stops it. */
  async function withPrometheus<T>(target: string, fn: (p: PrometheusServer) => Promise<T>) {
    const p = await PrometheusServer.start([target]);
    try {
      return await fn(p);
    } finally {
      await p.stop();
    }
  }

  it("syscount: per-syscall and per-pid counters with a `key` label and our counts", async () => {
    const port = await freePort();
    await withPrometheus(`127.0.0.1:${port}`, async (prom) => {
      const calls = 3000;
      let seen: { bySyscall: PromSeries; byPid: PromSeries; up: PromSeries } | undefined;
      let attached: PromSeries | undefined;
      let rss: PromSeries | undefined;
      const out = await runExample(
        "syscount",
        ["--duration", "40", "--prometheus", `127.0.0.1:${port}`],
        ["countSyscalls"],
        async (pid) => {
          const childPid = await runToEnd("perl", [
            "-e",
            `syscall(${SYS_GETPPID}) for 1..${calls}`,
          ]);
          seen = await waitFor("the counts in Prometheus", 20_000, async () => {
            const bySyscall = await prom.query(`tsbpf_by_syscall_total{key="${SYS_GETPPID}"}`);
            const byPid = await prom.query(`tsbpf_by_pid_total{key="${childPid}"}`);
            const up = await prom.query('up{job="tsbpf"}');
            if (bySyscall[0] === undefined || byPid[0] === undefined) return undefined;
            if (bySyscall[0].value < calls) return undefined;
            return { bySyscall: bySyscall[0], byPid: byPid[0], up: one(up, "up") };
          });
          // The attach gauge and the process metrics are scraped too.
          attached = one(await prom.query('tsbpf_programs_attached{job="tsbpf"}'), "attached");
          rss = one(await prom.query('process_resident_memory_bytes{job="tsbpf"}'), "rss");
          process.kill(pid, "SIGINT");
        },
      );
      expectRan(out, ["countSyscalls"]);
      expect(attached!.value).toBe(1);
      expect(rss!.value).toBeGreaterThan(1e6);
      expect(out.stderr).toMatch(
        new RegExp(`serving Prometheus metrics on http://127\\.0\\.0\\.1:${port}/metrics`),
      );
      expect(seen!.up.value).toBe(1);
      expect(seen!.bySyscall.value).toBeGreaterThanOrEqual(calls);
      expect(seen!.byPid.value).toBeGreaterThanOrEqual(calls);
      expect(Object.keys(seen!.bySyscall.metric).sort()).toEqual([
        "__name__",
        "instance",
        "job",
        "key",
      ]);
      expect(seen!.bySyscall.metric.instance).toBe(`127.0.0.1:${port}`);
      // The final map print still happens after the exporter stops.
      expect(out.stdout).toMatch(new RegExp(`^@bySyscall\\[${SYS_GETPPID}\\]: \\d+$`, "m"));
      expectNothingLeft(out);
    });
  }, 90_000);

  it("runqlat: the latency map is a Prometheus histogram with cumulative log2 le buckets", async () => {
    const port = await freePort();
    await withPrometheus(`127.0.0.1:${port}`, async (prom) => {
      const sleeps = 300;
      let series: PromSeries[] = [];
      let quantile: PromSeries | undefined;
      const out = await runExample(
        "runqlat",
        ["--duration", "40", "--prometheus", `127.0.0.1:${port}`],
        ["onWakeup", "onSwitch"],
        async (pid) => {
          // Each short sleep is a wakeup followed by a switch-in: one latency sample at least.
          await runToEnd("perl", ["-e", `select(undef, undef, undef, 0.001) for 1..${sleeps}`]);
          series = await waitFor("the histogram in Prometheus", 20_000, async () => {
            const s = await prom.query(
              '{__name__=~"tsbpf_histogram_(bucket|count|sum)",job="tsbpf"}',
            );
            const count = s.find((x) => x.metric.__name__ === "tsbpf_histogram_count");
            return count && count.value >= sleeps ? s : undefined;
          });
          quantile = one(
            await prom.query('histogram_quantile(0.5, tsbpf_histogram_bucket{job="tsbpf"})'),
            "quantile",
          );
          process.kill(pid, "SIGINT");
        },
      );
      expectRan(out, ["onWakeup", "onSwitch"]);
      const buckets = series.filter((s) => s.metric.__name__ === "tsbpf_histogram_bucket");
      const count = series.find((s) => s.metric.__name__ === "tsbpf_histogram_count")!;
      // 26 log2 slots of the array map (le = 2^(k+1) - 1) plus +Inf.
      const expectedLe = [
        ...Array.from({ length: 26 }, (_, k) => String(2 ** (k + 1) - 1)),
        "+Inf",
      ];
      const byLe = new Map(buckets.map((b) => [b.metric.le!, b.value]));
      expect([...byLe.keys()].sort()).toEqual([...expectedLe].sort());
      const ordered = expectedLe.map((le) => byLe.get(le)!);
      for (let i = 1; i < ordered.length; i++)
        expect(ordered[i]!).toBeGreaterThanOrEqual(ordered[i - 1]!);
      expect(byLe.get("+Inf")).toBe(count.value);
      expect(count.value).toBeGreaterThanOrEqual(sleeps);
      expect(Number.isFinite(quantile!.value)).toBe(true);
      expect(quantile!.value).toBeGreaterThan(0);
      expectNothingLeft(out);
    });
  }, 90_000);
});

describe("tsbpf run --prometheus: bad addresses", () => {
  let busy: Server;
  let port = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    port = (busy.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => busy.close(() => r())));

  it("a port in use is one clear line, before any program is loaded or attached", () => {
    const r = tsbpf([
      "run",
      "examples/syscount.ts",
      "--prometheus",
      `127.0.0.1:${port}`,
      "-d",
      "1",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toBe(
      `tsbpf run: cannot serve metrics on 127.0.0.1:${port}: the port is already in use`,
    );
  });

  it("an address without a port is one clear line", () => {
    const r = tsbpf(["run", "examples/syscount.ts", "--prometheus", "localhost", "-d", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toBe(
      "tsbpf run: --prometheus wants HOST:PORT (e.g. 127.0.0.1:9435, :9435 for all interfaces), got 'localhost'",
    );
  });
});
