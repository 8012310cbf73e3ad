/**
 * The standard process metrics every Prometheus client library exports (names as in the Go and
 * Node clients): CPU seconds, resident and virtual memory, open and maximum file descriptors,
 * start time, plus the Node heap. Read from `process` and Linux /proc/self at scrape time; a
 * /proc file that cannot be read leaves its metric out rather than failing the scrape.
 *
 * Consumes nothing; produces metric families (exposition.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import type { MetricFamily } from "./exposition.ts";

const startSeconds = (Date.now() - performance.now()) / 1000;

function tryRead<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

const gauge = (name: string, help: string, value: number | undefined): MetricFamily[] =>
  value === undefined ? [] : [{ name, help, type: "gauge", samples: [{ value }] }];

/** The process metric families. */
export function processFamilies(): MetricFamily[] {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const vsize = tryRead(() => {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the parenthesised command name; vsize is field 23 (index 20 after it).
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[20]);
  });
  const openFds = tryRead(() => readdirSync("/proc/self/fd").length);
  const maxFds = tryRead(() => {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  });
  return [
    {
      name: "process_cpu_seconds_total",
      help: "Total user and system CPU time spent in seconds.",
      type: "counter",
      samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
    },
    ...gauge("process_resident_memory_bytes", "Resident memory size in bytes.", mem.rss),
    ...gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", vsize),
    ...gauge("process_open_fds", "Number of open file descriptors.", openFds),
    ...gauge("process_max_fds", "Maximum number of open file descriptors.", maxFds),
    ...gauge(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      Math.round(startSeconds * 1000) / 1000,
    ),
    ...gauge(
      "nodejs_heap_size_used_bytes",
      "Process heap size used from Node.js in bytes.",
      mem.heapUsed,
    ),
  ];
}
