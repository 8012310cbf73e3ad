/**
 * What `tsbpf run` shares between its live and VM paths: the flags, the one-line user error, stdout
 * writes (event lines batched per event-loop turn), map printing, and the `--set` texts.
 */
import { readInputBytes } from "../object-input.ts";
import { parseHexText } from "../../runtime/user/hex.ts";
import {
  CodecError,
  formatEventJson,
  formatEventText,
  parseMapAssignment,
  renderMapJson,
  renderMapText,
  type MapAssignment,
  type MapSnapshot,
  type SessionEvent,
} from "../../runtime/user/index.ts";

export interface RunFlags {
  duration?: string;
  json?: boolean;
  vm?: boolean;
  prog?: string[];
  iface?: string;
  tcDirection?: string;
  cgroup?: string;
  netns?: string;
  sockmap?: string;
  netfilter?: string;
  packet?: string;
  packetHex?: string;
  ctx?: string;
  ctxHex?: string;
  repeat: string;
  cpus?: string;
  set?: string[];
  prometheus?: string;
  perfEvent?: string;
}

/** A mistake in the command line, the input, or the environment: one line, exit 1. */
export class RunError extends Error {
  override name = "RunError";
}

export function write(text: string): void {
  try {
    process.stdout.write(text);
  } catch {
    // stdout closed (piped into head): keep running so cleanup still happens
  }
}

export function number(
  text: string,
  what: string,
  min: number,
  max: number,
  integer = true,
): number {
  const n = Number(text);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new RunError(
      `${what} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got '${text}'`,
    );
  }
  return n;
}

export function parseHex(text: string, what: string): Uint8Array {
  const bytes = parseHexText(text);
  if (bytes === undefined)
    throw new RunError(`${what}: not a hex byte string: ${JSON.stringify(text)}`);
  return bytes;
}

export function readBytes(path: string, what: string): Uint8Array {
  return readInputBytes(path, what, (m) => new RunError(m));
}

export function printMaps(snapshots: readonly MapSnapshot[], json: boolean): void {
  for (const s of snapshots) {
    if (json) {
      const doc = renderMapJson(s);
      if (doc !== undefined) write(JSON.stringify(doc) + "\n");
    } else write(renderMapText(s));
  }
}

export function emitEvent(e: SessionEvent, json: boolean): void {
  emitEvents([e], json);
  flushEvents();
}

/**
 * Event lines wait here and go to stdout in one write when the event loop next turns (the live
 * stream lets it turn whenever it waits for the kernel, and every few ms while records pour in),
 * or once 64 KiB are pending: one write per burst rather than per record.
 */
let pending = "";
let flushScheduled = false;

export function flushEvents(): void {
  flushScheduled = false;
  if (pending) write(pending);
  pending = "";
}

/** Events, in order (text mode: lost counts go to stderr at once). */
export function emitEvents(events: readonly SessionEvent[], json: boolean): void {
  for (const e of events) {
    if (!json && e.kind === "lost") process.stderr.write(formatEventText(e) + "\n");
    else pending += (json ? formatEventJson(e) : formatEventText(e)) + "\n";
  }
  if (pending.length >= 65536) flushEvents();
  else if (pending && !flushScheduled) {
    flushScheduled = true;
    setImmediate(flushEvents);
  }
}

/** The `--set` texts, split (a malformed one is a RunError before anything is loaded). */
export function assignments(texts: readonly string[]): MapAssignment[] {
  return texts.map((t) => {
    try {
      return parseMapAssignment(t);
    } catch (e) {
      if (e instanceof CodecError) throw new RunError(`--set: ${e.message}`);
      throw e;
    }
  });
}
