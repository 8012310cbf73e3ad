/**
 * A bpfman ClusterBpfApplication manifest (bpfman-operator CRD `bpfman.io/v1alpha1`) for the
 * programs of a bytecode image: `kubectl apply -f` it and the operator loads the image on every
 * node the `nodeSelector` picks and attaches each program.
 *
 * Consumes the programs from bpfman.ts and the image reference; produces plain data (and YAML
 * through the `yaml` package). Field names are the CRD's:
 *
 *   spec.nodeSelector                   label selector; `{}` selects every node
 *   spec.byteCode.image.url             the pushed image; imagePullPolicy IfNotPresent
 *   spec.programs[].name / .type        function name; XDP, TC, TCX, TracePoint, KProbe,
 *                                       KRetProbe, UProbe, URetProbe, FEntry, FExit
 *   spec.programs[].<field>.links[]     where to attach, per type:
 *     tracepoint  { name: "group/event" }           kprobe/kretprobe  { function, offset }
 *     uprobe/uretprobe { target, function, offset }  fentry/fexit  function + [{ mode: Attach }]
 *     xdp  { interfaceSelector }                     tc/tcx  { interfaceSelector, direction }
 *
 * Attach points come from the section (`tracepoint/sched/sched_switch`, `uretprobe//bin/bash:
 * readline`, `tc/egress`); network programs attach to each node's primary interface, tc and tcx
 * on ingress unless the section says egress. Edit the links to attach elsewhere.
 */
import { stringify } from "yaml";
import type { BpfmanProgram } from "./bpfman.ts";

/** Options of `clusterBpfApplication`. */
export interface ManifestOptions {
  /** metadata.name (made DNS-1123: lower case, digits and '-'). */
  readonly name: string;
  /** spec.byteCode.image.url. */
  readonly imageUrl: string;
}

/** `func+0x10` → function and offset. */
function splitOffset(text: string): { function: string; offset: number } {
  const m = /^(.*)\+(0x[0-9a-fA-F]+|\d+)$/.exec(text);
  return m ? { function: m[1]!, offset: Number(m[2]) } : { function: text, offset: 0 };
}

/** `/bin/bash:readline+4` → target binary, function, offset. */
function uprobeLink(target: string): Record<string, unknown> {
  const colon = target.lastIndexOf(":");
  if (colon < 0) return { target, offset: 0 };
  const { function: fn, offset } = splitOffset(target.slice(colon + 1));
  return { target: target.slice(0, colon), ...(fn ? { function: fn } : {}), offset };
}

const primaryInterface = { interfaceSelector: { primaryNodeInterface: true } };

/** The attach block (`programs[].<crdField>`) of one program. */
function attachInfo(p: BpfmanProgram): Record<string, unknown> {
  switch (p.kind.label) {
    case "tracepoint":
      return { links: [{ name: p.target }] };
    case "kprobe":
    case "kretprobe":
      return { links: [splitOffset(p.target)] };
    case "uprobe":
    case "uretprobe":
      return { links: [uprobeLink(p.target)] };
    case "fentry":
    case "fexit":
      return { function: p.target, links: [{ mode: "Attach" }] };
    case "xdp":
      return { links: [primaryInterface] };
    case "tc":
    case "tcx":
      return {
        links: [{ ...primaryInterface, direction: p.target === "egress" ? "Egress" : "Ingress" }],
      };
    default:
      return { links: [] };
  }
}

/** `metadata.name`: RFC 1123 label from a file or probe name (`xdp_firewall` → `xdp-firewall`). */
export function manifestName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return name || "tsbpf-probe";
}

/** The ClusterBpfApplication for `programs`, as plain data. */
export function clusterBpfApplication(
  programs: readonly BpfmanProgram[],
  o: ManifestOptions,
): Record<string, unknown> {
  const name = manifestName(o.name);
  return {
    apiVersion: "bpfman.io/v1alpha1",
    kind: "ClusterBpfApplication",
    metadata: { name, labels: { "app.kubernetes.io/name": name } },
    spec: {
      nodeSelector: {},
      byteCode: { image: { url: o.imageUrl, imagePullPolicy: "IfNotPresent" } },
      programs: programs.map((p) => ({
        name: p.name,
        type: p.kind.crdType,
        [p.kind.crdField]: attachInfo(p),
      })),
    },
  };
}

/** The manifest as YAML text. */
export function clusterBpfApplicationYaml(
  programs: readonly BpfmanProgram[],
  o: ManifestOptions,
): string {
  return stringify(clusterBpfApplication(programs, o));
}
