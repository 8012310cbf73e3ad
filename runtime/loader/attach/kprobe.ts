/**
 * kprobe / kretprobe attachment through the kprobe PMU (perf_event_open with the dynamic PMU type
 * from /sys/bus/event_source/devices/kprobe/type, config1 = function name, config2 = offset; the
 * `retprobe` format bit selects a return probe: Documentation/trace/kprobetrace.rst and
 * kernel/trace/trace_event_perf.c, perf_kprobe_init).
 *
 * Kernels built without CONFIG_KPROBE_EVENTS (or with kprobes disabled) have no kprobe PMU; then
 * attaching fails up front with a LoaderError that points at fentry/fexit, which attach to the same
 * kernel functions through BTF and trampolines.
 */
import { LoaderError } from "../errors.ts";
import { FdScope } from "../fd.ts";
import { programKindOnKernel } from "../kind-refusal.ts";
import { kernelConfig } from "../trampoline-refusal.ts";
import { perfEventOpen, readProbePmu, type ProbePmu } from "../sys/perf.ts";
import { KernelLink } from "./link.ts";
import { linkPerfEvent, type AttachableProgram } from "./perf-link.ts";

const PMU = "/sys/bus/event_source/devices/kprobe";

/** The kprobe PMU's perf type and retprobe config bit, or undefined when this kernel has none. */
export function kprobePmu(): ProbePmu | undefined {
  return readProbePmu(PMU);
}

/** Attaches a kprobe program to kernel function `func` (`kretprobe` when `retprobe`). */
export function attachKprobe(prog: AttachableProgram, func: string, retprobe = false): KernelLink {
  const kind = retprobe ? "kretprobe" : "kprobe";
  const pmu = kprobePmu();
  if (!pmu) {
    const config = kernelConfig("CONFIG_KPROBES") === "n" ? ", built without CONFIG_KPROBES" : "";
    throw new LoaderError(
      `${kind} program "${prog.name}" (${kind}/${func}): ` +
        `${programKindOnKernel(prog.type, 0)} cannot attach: kprobes are not available on this ` +
        `kernel (no kprobe PMU at ${PMU}${config}); use ${retprobe ? "fexit" : "fentry"}/` +
        `${func || "<function>"} instead, which attaches to the same kernel function through BTF`,
    );
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.]*(\+\d+)?$/.test(func)) {
    throw new LoaderError(`${kind} target must be a kernel function name, got "${func}"`);
  }
  const [name, offset] = func.split("+");
  return FdScope.run((scope) => {
    const what = `attaching "${prog.name}" to ${kind} ${func}`;
    const perf = scope.track(
      perfEventOpen(
        {
          type: pmu.type,
          config: retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
          config1: new TextEncoder().encode(`${name}\0`),
          config2: Number(offset ?? 0),
          samplePeriod: 1,
          pid: -1,
          cpu: 0,
        },
        what,
      ),
    );
    const link = linkPerfEvent(prog, perf, what);
    return new KernelLink(kind, func, link ? [link] : [], [perf]);
  });
}
