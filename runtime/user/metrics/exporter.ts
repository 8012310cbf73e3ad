/**
 * An HTTP endpoint serving `/metrics` in the Prometheus text format (`tsbpf run --prometheus`).
 * Each scrape calls the collector, which reads the maps right then, so Prometheus sees the
 * kernel's counts as of the scrape.
 *
 * Consumes a listen address (`HOST:PORT`, port 0 = any free port) and a collector returning
 * metric families; produces a listening server. `MetricsServer.listen` resolves only once the
 * socket is bound, so a port in use is an `ExporterError` before the caller attaches anything.
 * A collector that throws answers 500 with the message; the server keeps serving.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EXPOSITION_CONTENT_TYPE, renderExposition, type MetricFamily } from "./exposition.ts";

/** A bad listen address, or one that cannot be bound. */
export class ExporterError extends Error {
  override name = "ExporterError";
}

/** Where to listen. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces); throws `ExporterError`. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new ExporterError(
      `--prometheus wants HOST:PORT (e.g. 127.0.0.1:9435, :9435 for all interfaces), got '${text}'`,
    );
  }
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

const BIND_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: "the port is already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "no such local address",
  ENOTFOUND: "unknown host",
};

/** A listening `/metrics` endpoint. */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    /** The bound address (the real port when 0 was asked). */
    readonly address: ListenAddress,
  ) {}

  /** The scrape URL. */
  get url(): string {
    const h = this.address.host.includes(":") ? `[${this.address.host}]` : this.address.host;
    return `http://${h}:${this.address.port}/metrics`;
  }

  /** Binds `addr` and serves `collect()`'s families; rejects with `ExporterError` if it cannot. */
  static listen(
    addr: ListenAddress,
    collect: () => readonly MetricFamily[],
  ): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      if (path === "/") {
        res.writeHead(200, { "content-type": "text/plain" }).end("tsbpf exporter: see /metrics\n");
        return;
      }
      if (path !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found; see /metrics\n");
        return;
      }
      let body: string;
      try {
        body = renderExposition(collect());
      } catch (e) {
        res.writeHead(500, { "content-type": "text/plain" }).end(`collect failed: ${String(e)}\n`);
        return;
      }
      res.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE }).end(body);
    });
    return new Promise((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        const why = BIND_ERRORS[e.code ?? ""] ?? e.code ?? String(e);
        reject(new ExporterError(`cannot serve metrics on ${addr.host}:${addr.port}: ${why}`));
      });
      server.listen(addr.port, addr.host, () => {
        const a = server.address() as AddressInfo;
        resolve(new MetricsServer(server, { host: a.address, port: a.port }));
      });
    });
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
