/**
 * perf_event programs (SEC("perf_event"), BPF_PROG_TYPE_PERF_EVENT): one sampling perf event per
 * online CPU, each linked to the program. Default: software cpu-clock at 99 Hz, the usual profiler
 * setting (odd frequency avoids lockstep with timers).
 */
import { existsSync, readdirSync } from "node:fs";
import { release } from "node:os";
import { KernelError } from "../errors.ts";
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

/**
 * Events by the names perf(1) uses: PERF_TYPE_HARDWARE counters (enum perf_hw_id) and the
 * software clocks.
 */
export const PERF_EVENTS: Readonly<Record<string, { type: number; config: number }>> = {
  cycles: { type: PerfType.HARDWARE, config: 0 },
  instructions: { type: PerfType.HARDWARE, config: 1 },
  "cache-misses": { type: PerfType.HARDWARE, config: 3 },
  "branch-misses": { type: PerfType.HARDWARE, config: 5 },
  "cpu-clock": { type: PerfType.SOFTWARE, config: PerfSwConfig.CPU_CLOCK },
  "task-clock": { type: PerfType.SOFTWARE, config: PerfSwConfig.TASK_CLOCK },
};

/** The hardware PMUs sysfs lists (`cpu`, `cpu_core`, ...): none in most VMs. */
function hardwarePmus(): string[] {
  const dir = "/sys/bus/event_source/devices";
  return existsSync(dir) ? readdirSync(dir).filter((d) => /^cpu(_|$)/.test(d)) : [];
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
      const open = () =>
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
        );
      let fd: OwnedFd;
      try {
        fd = open();
      } catch (e) {
        const hw = (opts.type ?? PerfType.SOFTWARE) === PerfType.HARDWARE;
        if (hw && e instanceof KernelError && ["ENOENT", "EOPNOTSUPP"].includes(e.code))
          throw new KernelError(
            "perf_event_open",
            e.errno,
            what,
            hardwarePmus().length === 0
              ? `this machine (Linux ${release()}) has no hardware PMU: /sys/bus/event_source/devices lists no cpu PMU, so hardware counters (cycles, instructions) cannot be sampled; use cpu-clock`
              : `Linux ${release()}'s CPU PMU does not count hardware event ${opts.config}`,
          );
        throw e;
      }
      const perf = scope.track(fd);
      perfs.push(perf);
      const link = linkPerfEvent(prog, perf, what);
      if (link) links.push(scope.track(link));
    }
    return new KernelLink("perf_event", label, links, perfs);
  });
}
