/**
 * uprobe / uretprobe attachment through the uprobe PMU (Documentation/trace/uprobetracer.rst;
 * kernel/trace/trace_event_perf.c, perf_uprobe_init): perf_event_open with the dynamic PMU type from
 * /sys/bus/event_source/devices/uprobe/type, config1 = address of the binary's path, config2 = file
 * offset of the probed instruction, and the `retprobe` format bit (format/retprobe, "config:0")
 * selecting a return probe. The program is then bound with BPF_LINK_CREATE (perf-link.ts).
 *
 * Targets use libbpf's forms: SEC("uprobe/<path>:<function>[+<offset>]"), SEC("uretprobe/...") and
 * `<path>:<file offset>`; or the `UprobeTarget` record. A function name is turned into a file offset
 * by reading the binary's ELF symbol tables (elf-symbols.ts). A bare binary name (`bash`,
 * `libc.so.6`) is looked up in PATH or the usual library directories.
 *
 * Scope: without `pid` the probe fires in every process that maps the file (perf event opened with
 * pid -1 on CPU 0, which for uprobes means "all tasks": the program hangs off the trace event).
 */
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { readBinaryImage, resolveSymbolOffset } from "../elf-symbols.ts";
import { LoaderError } from "../errors.ts";
import { FdScope } from "../fd.ts";
import { perfEventOpen, readProbePmu, type ProbePmu } from "../sys/perf.ts";
import { KernelLink } from "./link.ts";
import { linkPerfEvent, type AttachableProgram } from "./perf-link.ts";

const PMU = "/sys/bus/event_source/devices/uprobe";

/** What to probe: a binary plus a function name and/or a file offset, optionally one process. */
export interface UprobeTarget {
  /** Executable or shared library: a path, or a bare name looked up in PATH / library dirs. */
  readonly path: string;
  /** Function to probe (from .symtab or .dynsym); `name@VERSION` is accepted. */
  readonly symbol?: string;
  /** With `symbol`: bytes past the function's start. Without: the file offset to probe. */
  readonly offset?: number;
  /** Only this process (default: every process using the binary). */
  readonly pid?: number;
}

/** The uprobe PMU's perf type and retprobe config bit, or undefined when this kernel has none. */
export function uprobePmu(): ProbePmu | undefined {
  return readProbePmu(PMU);
}

/**
 * Parses the part of a uprobe section after `uprobe/`: `<path>:<function>`, `<path>:<function>+<n>`
 * or `<path>:<offset>` (decimal or 0x-hex), as libbpf does.
 */
export function parseUprobeTarget(text: string): Omit<UprobeTarget, "pid"> {
  const colon = text.lastIndexOf(":");
  const path = colon < 0 ? "" : text.slice(0, colon);
  const spec = colon < 0 ? "" : text.slice(colon + 1);
  const form = `"<binary>:<function>", "<binary>:<function>+<offset>" or "<binary>:<file offset>"`;
  if (!path || !spec) {
    throw new LoaderError(
      `uprobe target must be ${form} (e.g. "/bin/bash:readline"), got "${text}"`,
    );
  }
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(spec)) return { path, offset: Number(spec) };
  const m = /^([A-Za-z_][A-Za-z0-9_.]*(?:@@?[A-Za-z0-9_.]+)?)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(
    spec,
  );
  if (!m) throw new LoaderError(`uprobe target must be ${form}; "${spec}" is not a function name`);
  return { path, symbol: m[1]!, offset: m[2] === undefined ? undefined : Number(m[2]) };
}

const LIB_DIRS = [
  "/lib/x86_64-linux-gnu",
  "/usr/lib/x86_64-linux-gnu",
  "/lib64",
  "/usr/lib64",
  "/lib",
  "/usr/lib",
];

/** The absolute path of a binary named by path or bare name, or a LoaderError. */
export function resolveBinaryPath(name: string): string {
  if (!name) throw new LoaderError("uprobe needs a binary path");
  if (name.includes("/")) {
    const abs = isAbsolute(name) ? name : resolve(name);
    if (!existsSync(abs)) throw new LoaderError(`binary not found: ${abs}`);
    return abs;
  }
  const isLib = /\.so(\.|$)/.test(name);
  const env = isLib ? process.env.LD_LIBRARY_PATH : process.env.PATH;
  const dirs = [...(env ? env.split(delimiter).filter(Boolean) : []), ...(isLib ? LIB_DIRS : [])];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, isLib ? constants.R_OK : constants.X_OK);
      return resolve(p);
    } catch {
      // not here; keep looking
    }
  }
  throw new LoaderError(
    `binary not found: "${name}" is not in ${isLib ? "LD_LIBRARY_PATH or the library directories" : "PATH"}; give its full path`,
  );
}

/** Where a probe goes: the binary's absolute path and the file offset. */
export function resolveUprobe(target: Omit<UprobeTarget, "pid">): {
  path: string;
  offset: number;
} {
  const path = resolveBinaryPath(target.path);
  const extra = target.offset ?? 0;
  if (!Number.isSafeInteger(extra) || extra < 0) {
    throw new LoaderError(`uprobe offset must be a non-negative integer, got ${target.offset}`);
  }
  const image = readBinaryImage(path);
  if (image.type !== 2 && image.type !== 3) {
    throw new LoaderError(
      `${path} is not an executable or shared library (ELF type ${image.type}); uprobes need one`,
    );
  }
  if (target.symbol === undefined && target.offset === undefined) {
    throw new LoaderError(`uprobe on ${path} needs a function name or a file offset`);
  }
  const offset =
    (target.symbol === undefined ? 0 : resolveSymbolOffset(image, target.symbol)) + extra;
  if (offset >= image.fileSize) {
    throw new LoaderError(`uprobe offset 0x${offset.toString(16)} is past the end of ${path}`);
  }
  return { path, offset };
}

/** Attaches a kprobe-type program as a uprobe (or uretprobe when `retprobe`) on `target`. */
export function attachUprobe(
  prog: AttachableProgram,
  target: UprobeTarget,
  retprobe = false,
): KernelLink {
  const kind = retprobe ? "uretprobe" : "uprobe";
  const pmu = uprobePmu();
  if (!pmu) {
    throw new LoaderError(
      `uprobes are not available on this kernel (no uprobe PMU at ${PMU}; it needs CONFIG_UPROBE_EVENTS)`,
    );
  }
  const pid = target.pid;
  if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}`))) {
    throw new LoaderError(`${kind}: no process with pid ${pid}`);
  }
  const { path, offset } = resolveUprobe(target);
  const label =
    target.symbol !== undefined
      ? `${path}:${target.symbol}${target.offset ? `+${target.offset}` : ""}`
      : `${path}:0x${offset.toString(16)}`;
  return FdScope.run((scope) => {
    const what = `attaching "${prog.name}" to ${kind} ${label}${pid ? ` (pid ${pid})` : ""}`;
    const perf = scope.track(
      perfEventOpen(
        {
          type: pmu.type,
          config: retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
          config1: new TextEncoder().encode(`${path}\0`),
          config2: offset,
          samplePeriod: 1,
          pid: pid ?? -1,
          cpu: pid === undefined ? 0 : -1,
        },
        what,
      ),
    );
    const link = linkPerfEvent(prog, perf, what);
    return new KernelLink(kind, label, link ? [link] : [], [perf]);
  });
}
