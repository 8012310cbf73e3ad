/**
 * One line per streamed event: text for people, JSON for scripts.
 *
 * Text: a record as `<map>: <value>` (perf records `<map>[cpu N]: <value>`), a printk line as its
 * message alone (as bpftrace prints printf output), lost records as `<map>: N events lost (why)`,
 * a frame a socket filter kept as `packet <iface>: <length> bytes <summary>`, an iterator's output
 * as it printed it (its final newline dropped).
 * JSON: `{"type":"event","map":...,"cpu"?:...,"data":...}`, `{"type":"printk","pid":...,"cpu":...,
 * "task":...,"message":...}`, `{"type":"lost","map":...,"count":...,"source":"kernel"|"user"|"probe"}`,
 * `{"type":"packet","iface":...,"length":...,"summary":...}`,
 * `{"type":"iter","program":...,"target":...,"output":...}`.
 */
import type { SessionEvent } from "../live-session.ts";
import { formatValue, toJson } from "./format-value.ts";

/** `1 event lost`, `37 events lost`. */
export function lostText(count: bigint): string {
  return `${count} event${count === 1n ? "" : "s"} lost`;
}

/** The text line for an event (no newline). */
export function formatEventText(e: SessionEvent): string {
  switch (e.kind) {
    case "record":
      return `${e.map}${e.cpu !== undefined ? `[cpu ${e.cpu}]` : ""}: ${formatValue(e.value)}`;
    case "printk":
      return e.line.message;
    case "lost":
      return `${e.map}: ${lostText(e.count)} (${
        e.source === "kernel"
          ? "the kernel's count: the perf buffer was full"
          : e.source === "probe"
            ? "the probe's count: reserve() found the ring buffer full"
            : "tsbpf's own: its queue of unread records was full"
      })`;
    case "packet":
      return `packet ${e.iface}: ${e.length} bytes ${e.summary}`;
    case "iter":
      return e.text.endsWith("\n") ? e.text.slice(0, -1) : e.text;
  }
}

/** The JSON line for an event (no newline). */
export function formatEventJson(e: SessionEvent): string {
  switch (e.kind) {
    case "record":
      return JSON.stringify({
        type: "event",
        map: e.map,
        ...(e.cpu !== undefined ? { cpu: e.cpu } : {}),
        data: toJson(e.value),
      });
    case "printk":
      return JSON.stringify({
        type: "printk",
        pid: e.line.pid,
        cpu: e.line.cpu,
        task: e.line.task,
        message: e.line.message,
      });
    case "lost":
      return JSON.stringify({
        type: "lost",
        map: e.map,
        count: toJson(e.count),
        source: e.source,
      });
    case "packet":
      return JSON.stringify({
        type: "packet",
        iface: e.iface,
        length: e.length,
        summary: e.summary,
      });
    case "iter":
      return JSON.stringify({
        type: "iter",
        program: e.program,
        target: e.target,
        output: e.text,
      });
  }
}
