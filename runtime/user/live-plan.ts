/**
 * What a live session decides before it touches the kernel: the `--set` texts parsed against the
 * object's map types (a program a value names, such as a prog array slot or a devmap entry's
 * program, is loaded too and attached only when chosen by name), which programs are attached and
 * which struct_ops maps registered (struct-ops-run.ts), and whether the socket filters among them
 * need a packet socket on `--iface`. Every refusal here happens before anything is loaded.
 */
import { mapKindById } from "../../core/kernel/index.ts";
import type { BpfObject } from "../../core/object/index.ts";
import { hookForSection, LoaderError } from "../loader/index.ts";
import type { LiveSessionOptions } from "./live-session.ts";
import { planMapAssignments, type AssignTarget, type PlannedAssignment } from "./map-assign.ts";
import { isDataMap, mapCodecs } from "./object-codecs.ts";
import { selectRun, type RunSelection } from "./struct-ops-run.ts";

/** The decisions `LiveSession.open` acts on. */
export interface LivePlan {
  readonly planned: PlannedAssignment[];
  readonly selection: RunSelection;
  /** The socket filters among the programs attached. */
  readonly filters: readonly string[];
  /** True when the session opens the filters' packet socket itself (no `attach.socketFd`). */
  readonly needSocket: boolean;
}

/** The plan of a live run of `obj` with `opts`, or a LoaderError saying what cannot run. */
export function planLiveRun(obj: BpfObject, opts: LiveSessionOptions): LivePlan {
  // Parsed before loading: a program a value names (a prog array slot, a devmap entry's
  // program) is loaded too, and attached only when chosen by name.
  const planned = planMapAssignments(assignTargets(obj), opts.set ?? [], {
    maps: obj.maps.map((d) => d.name),
    programs: obj.programs,
  });
  const named = planned.flatMap((p) => (p.named?.kind === "program" ? [p.named.name] : []));
  const selection = selectRun(obj, opts.programs, named);
  const chosen = selection.attach;
  for (const name of chosen) {
    const p = obj.programs.find((x) => x.name === name)!;
    if (!hookForSection(p.section)) {
      throw new LoaderError(
        `program "${name}" (section "${p.section}") cannot be attached by tsbpf run; ` +
          `choose attachable programs with --prog, or run it in the VM with --vm`,
      );
    }
  }
  if (chosen.length === 0 && selection.structOps.length === 0)
    throw new LoaderError("the object has no programs to run");
  const filters = chosen.filter(
    (n) =>
      hookForSection(obj.programs.find((p) => p.name === n)!.section)!.hook.kind ===
      "socket_filter",
  );
  const needSocket = filters.length > 0 && opts.attach?.socketFd === undefined;
  if (needSocket && opts.attach?.iface === undefined) {
    throw new LoaderError(
      `socket filter "${filters[0]}" needs a network interface (--iface): it is attached to a ` +
        "raw packet socket that sees every frame of that interface",
    );
  }
  return { planned, selection, filters, needSocket };
}

/** The data maps `--set` writes into, by their types (before anything is loaded). */
function assignTargets(obj: BpfObject): AssignTarget[] {
  return obj.maps.filter(isDataMap).map((d) => {
    const c = mapCodecs(obj, d);
    return {
      name: d.name,
      kind: mapKindById(d.type)?.kind ?? "",
      keyCodec: c.key,
      valueCodec: c.value,
    };
  });
}
