/**
 * Tracepoint attachment (SEC("tracepoint/<category>/<name>"), BPF_PROG_TYPE_TRACEPOINT): opens the
 * tracepoint as a perf event (PERF_TYPE_TRACEPOINT, config = tracefs id) and links the program to it.
 * A tracepoint program runs on every CPU whichever CPU the perf event was opened on, since it hangs
 * off the tracepoint itself (kernel/trace/bpf_trace.c, perf_event_attach_bpf_prog).
 */
import { FdScope } from "../fd.ts";
import { PerfType, perfEventOpen } from "../sys/perf.ts";
import { KernelLink } from "./link.ts";
import { linkPerfEvent, type AttachableProgram } from "./perf-link.ts";
import { tracepointId } from "./tracefs.ts";

/** Attaches a tracepoint program to `category/name`. */
export function attachTracepoint(prog: AttachableProgram, target: string): KernelLink {
  const id = tracepointId(target);
  return FdScope.run((scope) => {
    const what = `attaching "${prog.name}" to tracepoint ${target}`;
    const perf = scope.track(
      perfEventOpen(
        { type: PerfType.TRACEPOINT, config: id, samplePeriod: 1, pid: -1, cpu: 0 },
        what,
      ),
    );
    const link = linkPerfEvent(prog, perf, what);
    return new KernelLink("tracepoint", target, link ? [link] : [], [perf]);
  });
}
