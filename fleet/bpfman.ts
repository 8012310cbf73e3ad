/**
 * What bpfman needs to know about a BPF object, read from the object itself: each program's bpfman
 * type and attach point, each map's kind, as the `io.ebpf.programs` / `io.ebpf.maps` labels of a
 * bytecode image (bpfman's "backwards compatible OCI compliant" image spec), and as a
 * ClusterBpfApplication manifest (bpfman-operator CRD `bpfman.io/v1alpha1`).
 *
 * Consumes a `BpfObject` (core/object); produces plain records, label strings and manifest data.
 * Program kinds and map spellings come from core/kernel/bpfman.ts (one home for both). Internal
 * maps (global data `.bss`/`.data`/`.rodata`, `.kconfig`) are not listed, as bpfman's own image
 * builder leaves them out.
 *
 * Errors (`PackageError`, one line each): an object without programs; a program whose section
 * bpfman cannot load, naming the program, its section and the types bpfman knows.
 */
import {
  bpfmanMapType,
  bpfmanProgramKind,
  bpfmanProgramLabels,
  type BpfmanProgramKind,
} from "../core/kernel/bpfman.ts";
import { resolveSection } from "../core/kernel/index.ts";
import type { BpfObject } from "../core/object/index.ts";

/** A user mistake while packaging: printed as one line, exit 1. */
export class PackageError extends Error {
  override name = "PackageError";
}

/** One program as bpfman sees it. */
export interface BpfmanProgram {
  readonly name: string;
  readonly section: string;
  readonly kind: BpfmanProgramKind;
  /** Text after the section's first `/`: `sched/sched_switch`, `/bin/bash:readline`, "". */
  readonly target: string;
}

/** Label keys of bpfman's bytecode image spec. */
export const PROGRAMS_LABEL = "io.ebpf.programs";
export const MAPS_LABEL = "io.ebpf.maps";

/** Every program of `obj` with its bpfman kind; throws `PackageError` for none or an unknown one. */
export function bpfmanPrograms(obj: BpfObject, what = "the object"): BpfmanProgram[] {
  if (obj.programs.length === 0) {
    throw new PackageError(`${what} has no programs: nothing for bpfman to load`);
  }
  return obj.programs.map((p) => {
    const kind = bpfmanProgramKind(p.section);
    if (!kind) {
      throw new PackageError(
        `program "${p.name}" (section "${p.section}") has a type bpfman cannot load; ` +
          `bpfman knows ${bpfmanProgramLabels().join(", ")}`,
      );
    }
    return { name: p.name, section: p.section, kind, target: resolveSection(p.section)!.target };
  });
}

/** Map name → bpfman map kind, for every map bpfman lists (not global data or `.kconfig`). */
export function bpfmanMaps(obj: BpfObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of obj.maps) {
    if (m.globalSection !== undefined || m.name.startsWith(".")) continue;
    out[m.name] = bpfmanMapType(m.type) ?? `type_${m.type}`;
  }
  return out;
}

const sortedJson = (r: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))));

/** The two image labels of `obj`: program name → bpfman type, map name → kind, as JSON text. */
export function imageLabels(obj: BpfObject, what?: string): Record<string, string> {
  const programs = Object.fromEntries(bpfmanPrograms(obj, what).map((p) => [p.name, p.kind.label]));
  return { [PROGRAMS_LABEL]: sortedJson(programs), [MAPS_LABEL]: sortedJson(bpfmanMaps(obj)) };
}
