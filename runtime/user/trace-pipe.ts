/**
 * bpf_trace_printk output, read from tracefs' `trace_pipe` (kernel Documentation/trace/ftrace.rst,
 * "trace_pipe"), mounting tracefs first when it is missing.
 *
 * Consumes the trace_pipe text; produces `PrintkLine`s for the lines the `bpf_trace_printk` event
 * wrote (bpf_trace_printk and bpf_trace_vprintk both use it), skipping every other tracer's output.
 * A line looks like
 *
 *   `           <...>-1234    [001] d..31  5678.901234: bpf_trace_printk: opened 3`
 *
 * The pipe is opened O_NONBLOCK and read when `poll()` is called, so nothing ever blocks the event
 * loop and closing is immediate. Reading trace_pipe consumes lines: another reader (a second
 * `tsbpf run`, `bpftool prog tracelog`) would see only the lines we did not take.
 * Invariant: a partial last line is kept until its newline arrives.
 */
import { execFileSync } from "node:child_process";
import { closeSync, constants, existsSync, openSync, readSync } from "node:fs";

/** One printk line. */
export interface PrintkLine {
  /** Task name as the tracer shows it (may be `<...>`). */
  readonly task: string;
  readonly pid: number;
  readonly cpu: number;
  /** Seconds since boot, as printed. */
  readonly time: number;
  readonly message: string;
}

const TRACEFS_DIRS = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
const LINE = /^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(?:\S+\s+)?([\d.]+):\s+bpf_trace_printk:\s?(.*)$/;

/** Parses one trace_pipe line; undefined for lines other tracers wrote. */
export function parsePrintkLine(line: string): PrintkLine | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return {
    task: m[1]!.trim(),
    pid: Number(m[2]),
    cpu: Number(m[3]),
    time: Number(m[4]),
    message: m[5]!,
  };
}

/** The trace_pipe path, mounting tracefs at /sys/kernel/tracing when no mount exists. */
export function findTracePipe(): string {
  for (const d of TRACEFS_DIRS) if (existsSync(`${d}/trace_pipe`)) return `${d}/trace_pipe`;
  try {
    execFileSync("mount", ["-t", "tracefs", "nodev", TRACEFS_DIRS[0]!], { stdio: "ignore" });
  } catch {
    // reported below
  }
  const pipe = `${TRACEFS_DIRS[0]}/trace_pipe`;
  if (!existsSync(pipe)) {
    throw new Error(
      `tracefs is not mounted and mounting it failed; run: mount -t tracefs nodev ${TRACEFS_DIRS[0]}`,
    );
  }
  return pipe;
}

/** A non-blocking reader of trace_pipe. */
export class TracePipeReader {
  #fd: number;
  #partial = "";
  readonly #buf = Buffer.alloc(64 * 1024);

  constructor(path = findTracePipe()) {
    this.#fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** Every complete printk line available now. */
  poll(): PrintkLine[] {
    const out: PrintkLine[] = [];
    while (this.#fd >= 0) {
      let n: number;
      try {
        n = readSync(this.#fd, this.#buf, 0, this.#buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") break;
        throw e;
      }
      if (n <= 0) break;
      const text = this.#partial + this.#buf.toString("utf8", 0, n);
      const lines = text.split("\n");
      this.#partial = lines.pop()!;
      for (const l of lines) {
        const p = parsePrintkLine(l);
        if (p) out.push(p);
      }
    }
    return out;
  }

  /** Closes the pipe (idempotent). */
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
