/**
 * Finding tracefs and tracepoint ids (Documentation/trace/events.rst: each event directory
 * `events/<category>/<name>/` has an `id` file, the perf_event_attr.config for PERF_TYPE_TRACEPOINT).
 */
import { existsSync, readFileSync } from "node:fs";
import { LoaderError } from "../errors.ts";

const MOUNTS = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/** The tracefs mount point, or a LoaderError explaining how to mount it. */
export function tracefsRoot(): string {
  const root = MOUNTS.find((m) => existsSync(`${m}/events`));
  if (!root) {
    throw new LoaderError(
      "tracefs is not mounted; mount it with: mount -t tracefs nodev /sys/kernel/tracing",
    );
  }
  return root;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Splits `category/name` and checks both parts, or throws a LoaderError naming the problem. */
export function parseTracepoint(target: string): { category: string; name: string } {
  const parts = target.split("/");
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p))) {
    throw new LoaderError(
      `tracepoint target must be "category/name" (e.g. "syscalls/sys_enter_openat"), got "${target}"`,
    );
  }
  return { category: parts[0]!, name: parts[1]! };
}

/** The perf config id of tracepoint `category/name`. */
export function tracepointId(target: string): number {
  const { category, name } = parseTracepoint(target);
  const file = `${tracefsRoot()}/events/${category}/${name}/id`;
  if (!existsSync(file)) {
    throw new LoaderError(
      `no tracepoint "${category}/${name}" on this kernel (see ${tracefsRoot()}/available_events)`,
    );
  }
  return Number(readFileSync(file, "utf8").trim());
}
