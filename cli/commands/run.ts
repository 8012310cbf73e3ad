/**
 * `tsbpf run <probe.ts|obj.o>`: what bpftrace does, for TypeScript. Compiles a .ts probe (or takes
 * a BPF object), loads it, attaches every program (status lines on stderr), streams ring buffer /
 * perf records and printk lines on stdout as they come, and on Ctrl-C or `--duration` detaches,
 * prints the maps (runtime/user/print) and releases everything.
 *
 * `--vm` runs the programs in the bundled VM instead, on inputs the user gives (`--packet`,
 * `--ctx`, `--ctx-hex`, `--packet-hex`, `--repeat`), and prints the same map output.
 *
 * `--set MAP:KEY=VALUE` (repeatable) fills map entries before any program runs, live or in the VM
 * (runtime/user/map-assign.ts says how text becomes a typed key or value; a map of maps' value names
 * the object's map to store, `--set tenants:1=tenantB`). `--iface` names the
 * interface for XDP and tc programs, and for socket filters, which get a raw packet socket on it;
 * the frames a filter keeps stream as `packet` lines. `--cgroup` names the cgroup v2 directory cgroup
 * programs (cgroup_skb, cgroup/connect4, sockops, ...) attach to (default: the hierarchy's root, so
 * every process), `--netns` the network namespace of sk_lookup and flow dissector programs (default
 * this one's), `--sockmap` the object's sockmap for sk_skb / sk_msg programs and `--netfilter
 * FAMILY:HOOK[:PRIORITY]` where netfilter programs run (default ipv4:local_in:0).
 *
 * `--prometheus HOST:PORT` serves `/metrics` while a live probe runs (runtime/user/metrics): the
 * maps read at each scrape, records and lost events per buffer, process metrics. The port is
 * bound before anything is loaded, so a port in use fails before any program is attached.
 *
 * Invariants: every exit path (success, user error, verifier rejection, exception, first or
 * second Ctrl-C, SIGTERM) goes through `LiveSession.close()`, so no program, link or map is left
 * in the kernel; user mistakes are one clear line and exit 1, never a stack trace.
 */
import type { Command } from "commander";
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
import { objectBytes, readInputBytes } from "../object-input.ts";
import { parseHexText } from "../../runtime/user/hex.ts";
import {
  CodecError,
  ExporterError,
  formatEventJson,
  formatEventText,
  isEventMap,
  LiveSession,
  mapsFamilies,
  MetricsServer,
  parseListenAddress,
  parseMapAssignment,
  processFamilies,
  renderMapJson,
  renderMapText,
  VmSession,
  type MapAssignment,
  type MapSnapshot,
  type MetricFamily,
  lostText,
  toJson,
  type SessionEvent,
  type VmSessionRun,
} from "../../runtime/user/index.ts";
import type { RunInput, VmRunResult } from "../../runtime/vm/api.ts";
import { VmError } from "../../runtime/vm/contract.ts";
import { namingFile } from "../file-errors.ts";
import { collect, durationOption, progOption } from "../options.ts";

interface RunFlags {
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
class RunError extends Error {
  override name = "RunError";
}

function write(text: string): void {
  try {
    process.stdout.write(text);
  } catch {
    // stdout closed (piped into head): keep running so cleanup still happens
  }
}

function number(text: string, what: string, min: number, max: number, integer = true): number {
  const n = Number(text);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new RunError(
      `${what} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got '${text}'`,
    );
  }
  return n;
}

function parseHex(text: string, what: string): Uint8Array {
  const bytes = parseHexText(text);
  if (bytes === undefined)
    throw new RunError(`${what}: not a hex byte string: ${JSON.stringify(text)}`);
  return bytes;
}

function readBytes(path: string, what: string): Uint8Array {
  return readInputBytes(path, what, (m) => new RunError(m));
}

function printMaps(snapshots: readonly MapSnapshot[], json: boolean): void {
  for (const s of snapshots) {
    if (json) {
      const doc = renderMapJson(s);
      if (doc !== undefined) write(JSON.stringify(doc) + "\n");
    } else write(renderMapText(s));
  }
}

function emitEvent(e: SessionEvent, json: boolean): void {
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

function flushEvents(): void {
  flushScheduled = false;
  if (pending) write(pending);
  pending = "";
}

/** Events, in order (text mode: lost counts go to stderr at once). */
function emitEvents(events: readonly SessionEvent[], json: boolean): void {
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

async function runLive(bytes: Uint8Array, o: RunFlags, file: string): Promise<number> {
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
    const n = session.links.length;
    if (!session.iteratorsOnly)
      process.stderr.write(
        `running ${n} program${n === 1 ? "" : "s"}; ${durationMs !== undefined ? `stopping after ${durationMs / 1000}s or ` : ""}Ctrl-C to stop\n`,
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

function vmInput(o: RunFlags): RunInput {
  const given = [o.packet, o.packetHex, o.ctx, o.ctxHex].filter((x) => x !== undefined);
  if (given.length > 1)
    throw new RunError("give at most one of --packet, --packet-hex, --ctx, --ctx-hex");
  if (o.packet !== undefined) return { packet: readBytes(o.packet, "packet file") };
  if (o.packetHex !== undefined) return { packet: parseHex(o.packetHex, "--packet-hex") };
  if (o.ctx !== undefined) return { ctx: readBytes(o.ctx, "context file") };
  if (o.ctxHex !== undefined) return { ctx: parseHex(o.ctxHex, "--ctx-hex") };
  return {};
}

function runVm(bytes: Uint8Array, o: RunFlags, file: string): number {
  const live = [o.duration, o.iface, o.tcDirection, o.prometheus, o.cgroup, o.netns];
  if ([...live, o.sockmap, o.netfilter].some((x) => x !== undefined)) {
    throw new RunError(
      "--duration/--iface/--tc-direction/--prometheus/--cgroup/--netns/--sockmap/--netfilter are for live probes; --vm runs each program --repeat times",
    );
  }
  const repeat = number(o.repeat, "--repeat", 1, 10_000_000);
  const input = vmInput(o);
  const set = o.set ? assignments(o.set) : undefined;
  let session: VmSession;
  try {
    session = VmSession.open(bytes, {
      ...(o.prog ? { programs: o.prog } : {}),
      ...(set ? { set } : {}),
      ...(o.cpus !== undefined ? { cpus: number(o.cpus, "--cpus", 1, 1024) } : {}),
    });
  } catch (e) {
    if (e instanceof CodecError) throw new RunError(e.message);
    throw e;
  }
  try {
    const last = new Map<string, VmSessionRun>();
    try {
      for (let i = 0; i < repeat; i++) {
        for (const r of session.runAll(input)) last.set(r.program, r);
        for (const e of session.poll()) emitEvent(e, o.json === true);
      }
    } catch (e) {
      // Without an input the context is empty, so a program's first ctx read faults: say why.
      if (e instanceof VmError && input.packet === undefined && input.ctx === undefined) {
        throw new RunError(
          `${file}: ${e.message}; no input given: pass --packet/--packet-hex or --ctx/--ctx-hex`,
        );
      }
      throw e;
    }
    for (const [p, r] of last) {
      const r0 = r.result.r0;
      const named = r.retName !== undefined ? `${r.retName} (${r0})` : `${r0}`;
      process.stderr.write(
        `ran ${p} ${repeat} time${repeat === 1 ? "" : "s"} in the VM; last return value ${named}\n`,
      );
      for (const line of packetOutcome(r.result, input.packet)) process.stderr.write(`  ${line}\n`);
      if (o.json) {
        const doc = {
          type: "return",
          program: p,
          runs: repeat,
          value: toJson(r0),
          name: r.retName,
        };
        write(JSON.stringify(doc) + "\n");
      }
    }
    if (!o.json) write("\n");
    printMaps(session.snapshots(), o.json === true);
    return 0;
  } finally {
    session.close();
  }
}

/**
 * What a packet program's last run did to its packet: changed bytes, redirect, clones; and where an
 * sk_msg / sk_skb program redirected its message (the socket fd of the map entry).
 */
function packetOutcome(r: VmRunResult, packet: Uint8Array | undefined): string[] {
  const out: string[] = [];
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  if (packet && r.packet && hex(r.packet) !== hex(packet)) {
    out.push(`packet after the run (${r.packet.length} bytes): ${hex(r.packet)}`);
  }
  if (r.redirect) {
    const where = r.redirect.ingress ? "ingress of" : "out of";
    out.push(`redirected ${where} ifindex ${r.redirect.ifindex} (bpf_${r.redirect.helper})`);
  }
  if (r.socketRedirect) {
    const s = r.socketRedirect;
    const where = s.ingress ? "onto the receive queue of" : "out of";
    out.push(`redirected ${where} socket fd ${s.socket}, ${s.map}[${s.key}] (bpf_${s.helper})`);
  }
  for (const c of r.clones ?? []) {
    const where = c.ingress ? "ingress of" : "out of";
    out.push(`clone sent ${where} ifindex ${c.ifindex} (bpf_clone_redirect): ${hex(c.packet)}`);
  }
  return out;
}

/** The `--set` texts, split (a malformed one is a RunError before anything is loaded). */
function assignments(texts: readonly string[]): MapAssignment[] {
  return texts.map((t) => {
    try {
      return parseMapAssignment(t);
    } catch (e) {
      if (e instanceof CodecError) throw new RunError(`--set: ${e.message}`);
      throw e;
    }
  });
}

/** Registers `tsbpf run`. */
export function registerRun(program: Command): void {
  const run = program
    .command("run")
    .description("run a probe: load, attach, stream events and printk lines, print maps on Ctrl-C")
    .argument("<input>", "TypeScript probe (.ts) or BPF object file (.o)");
  durationOption(run, "stop after this many seconds")
    .option("--json", "JSON output: one line per event, one document per map")
    .option("--vm", "run in the bundled VM on --packet/--ctx inputs instead of the kernel");
  progOption(run, "only this program")
    .option("--iface <name>", "network interface for XDP, tc and socket filter programs")
    .option("--tc-direction <dir>", 'ingress (default) or egress, for tc programs in SEC("tc")')
    .option(
      "--cgroup <path>",
      "cgroup v2 directory for cgroup programs (cgroup_skb, cgroup/*, sockops); default the cgroup v2 root",
    )
    .option("--netns <path>", "network namespace file for sk_lookup and flow_dissector programs")
    .option("--sockmap <map>", "the object's sockmap / sockhash for sk_skb and sk_msg programs")
    .option(
      "--netfilter <family:hook[:priority]>",
      "where netfilter programs run (default ipv4:local_in:0)",
    )
    .option(
      "--perf-event <event>",
      "perf_event programs: sample cycles, instructions, cache-misses, branch-misses (hardware, every 1M) or cpu-clock / task-clock (99 Hz)",
    )
    .option(
      "--set <map:key=value>",
      "write a map entry before the programs run (repeatable; IPv4 a.b.c.d keys in network order; a map of maps takes the name of the map to store)",
      collect,
    )
    .option("--packet <file>", "--vm: packet bytes for packet programs")
    .option("--packet-hex <hex>", "--vm: packet bytes as hex")
    .option("--ctx <file>", "--vm: raw context bytes (e.g. a tracepoint record)")
    .option("--ctx-hex <hex>", "--vm: raw context bytes as hex")
    .option("--repeat <n>", "--vm: run each program this many times", "1")
    .option("--cpus <n>", "--vm: number of simulated CPUs")
    .option(
      "--prometheus <host:port>",
      "serve the maps as Prometheus metrics on http://HOST:PORT/metrics while the probe runs",
    )
    .action(async (input: string, o: RunFlags) => {
      try {
        const bytes = await objectBytes(input, (m) => new RunError(m));
        process.exitCode = await namingFile(input, () =>
          o.vm ? runVm(bytes, o, input) : runLive(bytes, o, input),
        );
      } catch (e) {
        if (!(e instanceof RunError)) throw e;
        process.stderr.write(`tsbpf run: ${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
