/**
 * perf_event programs (SEC("perf_event"), BPF_PROG_TYPE_PERF_EVENT): one sampling perf event per
 * online CPU, each linked to the program. Default: software cpu-clock at 99 Hz, the usual profiler
 * setting (odd frequency avoids lockstep with timers).
 */
import { FdScope, type OwnedFd } from "../fd.ts";
import { onlineCpus } from "../sys/cpus.ts";
import { PerfSwConfig, PerfType, perfEventOpen } from "../sys/perf.ts";
import { LoaderError } from "../errors.ts";
import { KernelLink } from "./link.ts";
import { linkPerfEvent, type AttachableProgram } from "./perf-link.ts";

/** Which event to sample and how often. */
export interface PerfEventOptions {
  /** PERF_TYPE_* (default software). */
  readonly type?: number;
  /** Event config (default PERF_COUNT_SW_CPU_CLOCK). */
  readonly config?: number;
  /** Samples per second (default 99); ignored when `period` is set. */
  readonly frequency?: number;
  /** Sample every `period` events instead (for cpu-clock: nanoseconds). */
  readonly period?: number;
  /** CPUs to sample (default all online). */
  readonly cpus?: readonly number[];
}

/** Attaches a perf_event program to a sampling event on each CPU. */
export function attachPerfEvent(prog: AttachableProgram, opts: PerfEventOptions = {}): KernelLink {
  const cpus = opts.cpus ?? onlineCpus();
  if (cpus.length === 0) throw new LoaderError("perf_event attach needs at least one CPU");
  const byPeriod = opts.period !== undefined;
  const rate = byPeriod ? opts.period! : (opts.frequency ?? 99);
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new LoaderError(
      `perf_event ${byPeriod ? "period" : "frequency"} must be a positive integer`,
    );
  }
  const label = `${opts.type ?? PerfType.SOFTWARE}:${opts.config ?? PerfSwConfig.CPU_CLOCK}`;
  return FdScope.run((scope) => {
    const links: OwnedFd[] = [];
    const perfs: OwnedFd[] = [];
    for (const cpu of cpus) {
      const what = `attaching "${prog.name}" to perf event ${label} on cpu ${cpu}`;
      const perf = scope.track(
        perfEventOpen(
          {
            type: opts.type ?? PerfType.SOFTWARE,
            config: opts.config ?? PerfSwConfig.CPU_CLOCK,
            samplePeriod: rate,
            frequency: !byPeriod,
            pid: -1,
            cpu,
          },
          what,
        ),
      );
      perfs.push(perf);
      const link = linkPerfEvent(prog, perf, what);
      if (link) links.push(scope.track(link));
    }
    return new KernelLink("perf_event", label, links, perfs);
  });
}
