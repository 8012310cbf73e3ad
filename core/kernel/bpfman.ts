/**
 * How bpfman (the eBPF manager behind the Kubernetes operator) names the kernel facts of this
 * folder: the program type a libbpf section selects, and the map kind of a BPF_MAP_TYPE_* number.
 * Read by `tsbpf package` (fleet/) for the `io.ebpf.programs` / `io.ebpf.maps` image labels and
 * the ClusterBpfApplication manifest; kept next to the records it maps so each fact has one home.
 *
 * Programs: bpfman infers a program's type from its ELF section name (a prefix match in its
 * loader), and its operator's CRD spells the same types in CamelCase with one attach block per
 * type. Rows are keyed by `SECTION_DEFS` patterns (sections.ts), so every spelling libbpf accepts
 * for a kind resolves through the same record; sections bpfman cannot attach (raw_tp, tp_btf,
 * socket filters, perf events, multi/session probes, ...) have no row. Note that bpfman reads
 * `tc/ingress` as its dispatcher-based `tc` (prefix `tc`), while libbpf gives it a TCX attach
 * type: bpfman's reading decides the label, since bpfman is what loads the image.
 *
 * Maps: bpfman's label spelling is the uapi kind in lower case with `percpu` written `per_cpu`
 * (`BPF_MAP_TYPE_PERCPU_ARRAY` → `per_cpu_array`, `LRU_PERCPU_HASH` → `lru_per_cpu_hash`); it is
 * derived from the map kind records (map-kinds.ts), not listed.
 *
 * Imported directly (`core/kernel/bpfman.ts`), not re-exported by index.ts.
 */
import { mapKindById } from "./kinds.ts";
import { resolveSection } from "./sections.ts";

/** One bpfman program type: its label spelling, CRD `type` value and CRD attach field. */
export interface BpfmanProgramKind {
  /** Spelling in the `io.ebpf.programs` label and bpfman's CLI (`xdp`, `tracepoint`). */
  readonly label: string;
  /** `programs[].type` of the ClusterBpfApplication CRD (`XDP`, `TracePoint`). */
  readonly crdType: string;
  /** Field holding the attach info in the CRD program entry (`xdp`, `tracepoint`). */
  readonly crdField: string;
}

const kind = (label: string, crdType: string): BpfmanProgramKind => ({
  label,
  crdType,
  crdField: label,
});

const XDP = kind("xdp", "XDP");
const TC = kind("tc", "TC");
const TCX = kind("tcx", "TCX");
const TRACEPOINT = kind("tracepoint", "TracePoint");
const KPROBE = kind("kprobe", "KProbe");
const KRETPROBE = kind("kretprobe", "KRetProbe");
const UPROBE = kind("uprobe", "UProbe");
const URETPROBE = kind("uretprobe", "URetProbe");
const FENTRY = kind("fentry", "FEntry");
const FEXIT = kind("fexit", "FExit");

/** bpfman program kind by `SECTION_DEFS` pattern. */
export const BPFMAN_PROGRAM_KINDS: Readonly<Record<string, BpfmanProgramKind>> = {
  xdp: XDP,
  "xdp.frags": XDP,
  tc: TC,
  classifier: TC,
  "tc/ingress": TC,
  "tc/egress": TC,
  "tcx/ingress": TCX,
  "tcx/egress": TCX,
  "tracepoint+": TRACEPOINT,
  "kprobe+": KPROBE,
  "kretprobe+": KRETPROBE,
  "uprobe+": UPROBE,
  "uprobe.s+": UPROBE,
  "uretprobe+": URETPROBE,
  "uretprobe.s+": URETPROBE,
  "fentry+": FENTRY,
  "fexit+": FEXIT,
};

/** The bpfman program kind of an ELF section, or undefined when bpfman cannot load it. */
export function bpfmanProgramKind(section: string): BpfmanProgramKind | undefined {
  const info = resolveSection(section);
  return info && BPFMAN_PROGRAM_KINDS[info.def.pattern];
}

/** Every label spelling bpfman knows, for error messages. */
export function bpfmanProgramLabels(): string[] {
  return [...new Set(Object.values(BPFMAN_PROGRAM_KINDS).map((k) => k.label))];
}

/** bpfman's `io.ebpf.maps` spelling of a BPF_MAP_TYPE_* number, or undefined for an unknown one. */
export function bpfmanMapType(type: number): string | undefined {
  return mapKindById(type)?.kind.replace("percpu", "per_cpu");
}
