/**
 * A real Prometheus server for tests (Debian package prometheus): started on 127.0.0.1 with a
 * free port, a scrape config listing the given targets every second, and storage in a temporary
 * folder; queried through its HTTP API (`/api/v1/query`). Every wait is bounded; `stop()` always
 * ends the process (SIGTERM, then SIGKILL) and removes the folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every 250 ms until it returns a value other than undefined, or throws after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One series of an instant query. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A running Prometheus. */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** `http://127.0.0.1:PORT`. */
    readonly url: string,
    private readonly log: () => string,
  ) {}

  /** Starts Prometheus scraping `targets` (`host:port`) every second; resolves once it is ready. */
  static async start(targets: readonly string[]): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-prometheus-"));
    const port = await freePort();
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: tsbpf",
        "    static_configs:",
        `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
        "",
      ].join("\n"),
    );
    const child = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`, () => log);
    try {
      await waitFor("Prometheus to be ready", 30_000, async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        const r = await fetch(`${server.url}/-/ready`);
        return r.ok ? true : undefined;
      });
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** The result of an instant query (vector results only). */
  async query(q: string): Promise<PromSeries[]> {
    const r = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
    };
    if (body.status !== "success" || !body.data) throw new Error(`query ${q}: ${body.error}`);
    if (body.data.resultType !== "vector") throw new Error(`query ${q}: not a vector`);
    return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  }

  /** What Prometheus logged (for failure messages). */
  get output(): string {
    return this.log();
  }

  /** Ends Prometheus (SIGTERM, SIGKILL after 5 s) and removes its folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
