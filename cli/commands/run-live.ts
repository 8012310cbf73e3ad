/**
 * `tsbpf run` on the live kernel: opens a LiveSession (load, `--set`, attach), streams its events
 * until Ctrl-C, SIGTERM or `--duration`, serves `--prometheus` while it runs, then detaches and
 * prints the summary and the maps. Every exit path goes through `LiveSession.close()`.
 */
import {
  RunError,
  write,
  number,
  printMaps,
  emitEvents,
  flushEvents,
  assignments,
  type RunFlags,
} from "./run-output.ts";
import { objectNameOf } from "../../core/object/index.ts";
import {
  KernelError,
  NF_HOOK,
  NFPROTO,
  PERF_EVENTS,
  VerifierError,
  type AttachOptions,
  type NetfilterOptions,
  type TcDirection,
} from "../../runtime/loader/index.ts";
import {
  CodecError,
  ExporterError,
  isEventMap,
  LiveSession,
  mapsFamilies,
  MetricsServer,
  parseListenAddress,
  processFamilies,
  type MetricFamily,
  lostText,
  toJson,
  type SessionEvent,
} from "../../runtime/user/index.ts";

/**
 * After a live run: what each event map delivered and lost. JSON: one `{"type":"summary",...}`
 * line per event map; text: a line on stderr only when something was lost.
 */
function printSummary(session: LiveSession, json: boolean): void {
  for (const [map, c] of session.counts()) {
    const lost = c.kernelLost + c.userLost + c.probeLost;
    if (json) {
      const doc = {
        type: "summary",
        map,
        records: toJson(c.records),
        lost: toJson(lost),
        kernelLost: toJson(c.kernelLost),
        userLost: toJson(c.userLost),
        probeLost: toJson(c.probeLost),
      };
      write(JSON.stringify(doc) + "\n");
    } else if (lost > 0n) {
      process.stderr.write(
        `tsbpf run: ${map}: ${lostText(lost)} in all (${c.kernelLost} counted by the kernel, ${c.userLost} by tsbpf, ${c.probeLost} by the probe); ${c.records} delivered\n`,
      );
    }
  }
}

/**
 * True when the kernel refused for lack of privileges. As root, EPERM is kernel policy instead
 * (lockdown, trampolines refused: the loader's message explains it), not a missing `sudo`.
 */
function isPermissionError(e: unknown): boolean {
  if (process.getuid?.() === 0) return false;
  if (e instanceof VerifierError) return false; // the verifier answers EACCES for unsafe code
  if (e instanceof KernelError) return e.code === "EPERM" || e.code === "EACCES";
  return e instanceof Error && e.name === "NativeError" && /errno (1|13)\b/.test(e.message);
}

/** What `--prometheus` counts from the event stream, beside the maps read at each scrape. */
interface StreamCounts {
  readonly records: Map<string, bigint>;
  readonly lost: Map<string, bigint>;
}

function countEvent(counts: StreamCounts, e: SessionEvent): void {
  if (e.kind === "record") counts.records.set(e.map, (counts.records.get(e.map) ?? 0n) + 1n);
  if (e.kind === "lost") counts.lost.set(e.map, (counts.lost.get(e.map) ?? 0n) + e.count);
}

/** One sample per event map of the probe (0 until something comes), labelled `map`. */
function perMap(session: LiveSession | undefined, counts: ReadonlyMap<string, bigint>) {
  const names = new Set(counts.keys());
  for (const d of session?.object.maps ?? []) if (isEventMap(d)) names.add(d.name);
  return [...names].map((map) => ({
    labels: [["map", map]] as const,
    value: counts.get(map) ?? 0n,
  }));
}

/** Everything one scrape shows: the maps as of now, stream counters, process metrics. */
function scrape(session: LiveSession | undefined, counts: StreamCounts): MetricFamily[] {
  const live = session !== undefined && !session.isClosed;
  return [
    ...(live ? mapsFamilies(session.snapshots()) : []),
    {
      name: "tsbpf_events_total",
      help: "Records read from each ring buffer or perf event array.",
      type: "counter",
      samples: perMap(session, counts.records),
    },
    {
      name: "tsbpf_lost_events_total",
      help: "Records lost per event map: the kernel's count (perf buffers) plus tsbpf's own (queue full).",
      type: "counter",
      samples: perMap(session, counts.lost),
    },
    {
      name: "tsbpf_programs_attached",
      help: "Programs of the probe attached right now.",
      type: "gauge",
      samples: [{ value: live ? session.links.length : 0 }],
    },
    ...processFamilies(),
  ];
}

/** Binds the `--prometheus` endpoint; a bad or busy address is a RunError before any attach. */
async function startExporter(text: string, collect: () => MetricFamily[]): Promise<MetricsServer> {
  try {
    const server = await MetricsServer.listen(parseListenAddress(text), collect);
    process.stderr.write(`serving Prometheus metrics on ${server.url}\n`);
    return server;
  } catch (e) {
    if (e instanceof ExporterError) throw new RunError(e.message);
    throw e;
  }
}

export async function runLive(bytes: Uint8Array, o: RunFlags, file: string): Promise<number> {
  if (o.packet || o.packetHex || o.ctx || o.ctxHex) {
    throw new RunError("--packet/--ctx inputs are for --vm; live probes run on real kernel events");
  }
  const durationMs =
    o.duration !== undefined ? number(o.duration, "--duration", 0, 86400, false) * 1000 : undefined;
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.stderr.write("tsbpf run: still cleaning up, one moment\n");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A closed stdout (piped into head) must not kill us before cleanup: stop instead.
  const onPipeError = () => stop.abort();
  process.stdout.on("error", onPipeError);
  let session: LiveSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  let exporter: MetricsServer | undefined;
  const counts: StreamCounts = { records: new Map(), lost: new Map() };
  const emit = (batch: readonly SessionEvent[]) => {
    for (const e of batch) countEvent(counts, e);
    emitEvents(batch, o.json === true);
  };
  try {
    if (o.prometheus !== undefined)
      exporter = await startExporter(o.prometheus, () => scrape(session, counts));
    try {
      session = LiveSession.open(bytes, {
        objectName: objectNameOf(file),
        ...(o.prog ? { programs: o.prog } : {}),
        ...(o.set ? { set: assignments(o.set) } : {}),
        attach: liveAttachOptions(o),
        onStatus: (l) => process.stderr.write(`${l}\n`),
      });
    } catch (e) {
      if (e instanceof CodecError) throw new RunError(e.message);
      if (isPermissionError(e)) {
        throw new RunError(
          `loading BPF programs into the kernel needs root (or CAP_BPF + CAP_PERFMON): ${(e as Error).message}\n` +
            `  run it with sudo, or use --vm to run the programs in the bundled VM on inputs you give`,
        );
      }
      throw e;
    }
    if (!session.iteratorsOnly)
      process.stderr.write(
        `running ${runningWhat(session)}; ${durationMs !== undefined ? `stopping after ${durationMs / 1000}s or ` : ""}Ctrl-C to stop\n`,
      );
    if (durationMs !== undefined) timer = setTimeout(() => stop.abort(), durationMs);
    // Iterators print everything while the session opens: nothing more will come.
    if (session.iteratorsOnly) stop.abort();
    for await (const batch of session.batches(stop.signal)) emit(batch);
    session.detach();
    emit(session.poll());
    flushEvents();
    if (interrupts < 2) {
      printSummary(session, o.json === true);
      if (!o.json) write("\n");
      printMaps(session.snapshots(), o.json === true);
    }
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    await exporter?.close();
    await session?.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.stdout.off("error", onPipeError);
  }
}

/** `2 programs`, `1 struct_ops map`, `1 program and 1 struct_ops map`: what a session runs. */
function runningWhat(session: LiveSession): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const maps = session.links.filter((l) => l.kind === "struct_ops").length;
  const programs = session.links.length - maps;
  if (maps === 0) return plural(programs, "program");
  const registered = plural(maps, "struct_ops map");
  return programs === 0 ? registered : `${plural(programs, "program")} and ${registered}`;
}

/** `--netfilter ipv4:local_in:100` as attach options. */
function netfilterOption(text: string): NetfilterOptions {
  const [pf, hook, priority, extra] = text.split(":");
  if (!pf || !hook || extra !== undefined)
    throw new RunError(
      `--netfilter must be FAMILY:HOOK[:PRIORITY] (ipv4:local_in:0), got '${text}'`,
    );
  if (!(pf in NFPROTO)) throw new RunError(`--netfilter family must be ipv4 or ipv6, got '${pf}'`);
  if (!(hook in NF_HOOK))
    throw new RunError(
      `--netfilter hook must be one of ${Object.keys(NF_HOOK).join(", ")}, got '${hook}'`,
    );
  return {
    pf: pf as keyof typeof NFPROTO,
    hook: hook as keyof typeof NF_HOOK,
    ...(priority !== undefined
      ? { priority: number(priority, "--netfilter priority", -(2 ** 31) + 1, 2 ** 31 - 2) }
      : {}),
  };
}

/** `--tc-direction`: where a bare SEC("tc") program attaches. */
function tcDirectionOption(text: string): TcDirection {
  if (text !== "ingress" && text !== "egress")
    throw new RunError(`--tc-direction must be ingress or egress, got '${text}'`);
  return text;
}

/**
 * The attach options of a live run: interface, cgroup, namespace, sockmap, netfilter hook, and the
 * perf_event program's event.
 */
function liveAttachOptions(o: RunFlags): AttachOptions {
  const ev = o.perfEvent;
  if (ev !== undefined && !PERF_EVENTS[ev])
    throw new RunError(
      `--perf-event must be one of ${Object.keys(PERF_EVENTS).join(", ")}, got '${ev}'`,
    );
  return {
    ...(o.iface !== undefined ? { iface: o.iface } : {}),
    ...(ev
      ? {
          perf: {
            ...PERF_EVENTS[ev]!,
            ...(PERF_EVENTS[ev]!.type === 0 ? { period: 1_000_000 } : {}),
          },
        }
      : {}),
    ...(o.tcDirection !== undefined ? { tcDirection: tcDirectionOption(o.tcDirection) } : {}),
    ...(o.cgroup !== undefined ? { cgroup: o.cgroup } : {}),
    ...(o.netns !== undefined ? { netns: o.netns } : {}),
    ...(o.sockmap !== undefined ? { sockMap: o.sockmap } : {}),
    ...(o.netfilter !== undefined ? { netfilter: netfilterOption(o.netfilter) } : {}),
  };
}
