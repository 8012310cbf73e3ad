/**
 * Attach kinds as records of hooks (one row per family of SEC() prefixes), so the object loader and
 * the CLI attach a program from its section name without a switch: each row says how to find a
 * load-time BTF target id (tracing kinds) and how to attach a loaded program.
 *
 * Section shapes follow libbpf: `tracepoint/<category>/<name>`, `raw_tp/<name>`, `tp_btf/<name>`,
 * `fentry/<func>`, `lsm/<hook>`, `kprobe/<func>`, `xdp` (the interface comes from the caller),
 * `perf_event` (sampling options from the caller).
 */
import { LoaderError } from "../errors.ts";
import { kernelFuncId, kernelTracepointTypeId } from "../kernel-btf.ts";
import { attachKprobe } from "./kprobe.ts";
import type { KernelLink } from "./link.ts";
import { attachPerfEvent, type PerfEventOptions } from "./perf-event.ts";
import type { AttachableProgram } from "./perf-link.ts";
import { attachRawTracepoint, attachTracing } from "./raw-tracepoint.ts";
import { attachTracepoint } from "./tracepoint.ts";
import { attachXdp, type XdpMode } from "./xdp.ts";

/** Caller-supplied details some kinds need (interface for XDP, sampling for perf_event). */
export interface AttachOptions {
  /** XDP: interface name or index. */
  readonly iface?: string | number;
  readonly xdpMode?: XdpMode;
  readonly perf?: PerfEventOptions;
}

/** One attach kind. */
export interface AttachHook {
  /** Kind name (used in link labels and messages). */
  readonly kind: string;
  /** SEC() prefixes (text before the first `/`) this hook handles. */
  readonly prefixes: readonly string[];
  /** For BTF-targeted kinds: the vmlinux BTF id the program must be loaded with. */
  readonly btfTargetId?: (target: string) => number;
  /** Attaches a loaded program; `target` is the section text after the first `/`. */
  readonly attach: (prog: AttachableProgram, target: string, opts: AttachOptions) => KernelLink;
}

function needTarget(kind: string, target: string): string {
  if (!target) throw new LoaderError(`${kind} section needs a target: "${kind}/<target>"`);
  return target;
}

/** Every attach kind. */
export const ATTACH_HOOKS: readonly AttachHook[] = [
  {
    kind: "tracepoint",
    prefixes: ["tracepoint", "tp"],
    attach: (p, t) => attachTracepoint(p, needTarget("tracepoint", t)),
  },
  {
    kind: "raw_tracepoint",
    prefixes: ["raw_tracepoint", "raw_tp", "raw_tracepoint.w", "raw_tp.w"],
    attach: (p, t) => attachRawTracepoint(p, needTarget("raw_tp", t)),
  },
  {
    kind: "tp_btf",
    prefixes: ["tp_btf"],
    btfTargetId: (t) => kernelTracepointTypeId(needTarget("tp_btf", t)),
    attach: (p, t) => attachTracing(p, "tp_btf", t),
  },
  {
    kind: "fentry",
    prefixes: ["fentry", "fexit", "fmod_ret", "fentry.s", "fexit.s", "fmod_ret.s"],
    btfTargetId: (t) => kernelFuncId(needTarget("fentry", t)),
    attach: (p, t) => attachTracing(p, "fentry", t),
  },
  {
    kind: "lsm",
    prefixes: ["lsm", "lsm.s"],
    btfTargetId: (t) => kernelFuncId(`bpf_lsm_${needTarget("lsm", t)}`),
    attach: (p, t) => attachTracing(p, "lsm", t),
  },
  {
    kind: "xdp",
    prefixes: ["xdp", "xdp.frags"],
    attach: (p, _t, o) => {
      if (o.iface === undefined)
        throw new LoaderError(`XDP program "${p.name}" needs an interface to attach to`);
      return attachXdp(p, o.iface, o.xdpMode);
    },
  },
  {
    kind: "perf_event",
    prefixes: ["perf_event"],
    attach: (p, _t, o) => attachPerfEvent(p, o.perf),
  },
  {
    kind: "kprobe",
    prefixes: ["kprobe"],
    attach: (p, t) => attachKprobe(p, t, false),
  },
  {
    kind: "kretprobe",
    prefixes: ["kretprobe"],
    attach: (p, t) => attachKprobe(p, t, true),
  },
];

/** The hook for a section name and the target part of it, or undefined for unattachable kinds. */
export function hookForSection(section: string): { hook: AttachHook; target: string } | undefined {
  const slash = section.indexOf("/");
  const prefix = slash < 0 ? section : section.slice(0, slash);
  const target = slash < 0 ? "" : section.slice(slash + 1);
  const hook = ATTACH_HOOKS.find((h) => h.prefixes.includes(prefix));
  return hook && { hook, target };
}

/** Attaches a program by its section name (`tracepoint/syscalls/sys_enter_getppid`, `xdp`, ...). */
export function attachBySection(
  prog: AttachableProgram,
  section: string,
  opts: AttachOptions = {},
): KernelLink {
  const found = hookForSection(section);
  if (!found) {
    throw new LoaderError(`don't know how to attach a program from section "${section}"`);
  }
  return found.hook.attach(prog, found.target, opts);
}

export { KernelLink } from "./link.ts";
export type { AttachableProgram } from "./perf-link.ts";
export { attachTracepoint } from "./tracepoint.ts";
export { attachRawTracepoint, attachTracing } from "./raw-tracepoint.ts";
export { attachXdp, resolveInterface, type XdpMode } from "./xdp.ts";
export { attachPerfEvent, type PerfEventOptions } from "./perf-event.ts";
export { attachKprobe, kprobePmu } from "./kprobe.ts";
