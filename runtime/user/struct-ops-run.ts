/**
 * Which programs a live run attaches and which struct_ops maps it registers. A program that fills
 * a member of a struct_ops map has no hook of its own: the kernel runs it once the map is
 * registered with its subsystem (a TCP congestion control, ...), so such programs are loaded with
 * their map and the map is registered after every other program is attached.
 *
 * Consumes the object and the requested program names (`--prog`; none = all). Produces the
 * programs to attach, the programs to load (those plus every program of a chosen map) and the
 * struct_ops maps to register: every one by default, and with `--prog` the maps whose programs it
 * names.
 */
import type { BpfObject } from "../../core/object/index.ts";
import { LoaderError } from "../loader/index.ts";

/** What a live run does with an object's programs and struct_ops maps. */
export interface RunSelection {
  /** Programs attached to their hooks, in order. */
  readonly attach: readonly string[];
  /** Programs loaded: `attach`, the programs of `structOps` and the `named` ones. */
  readonly load: readonly string[];
  /** struct_ops maps registered, in object order. */
  readonly structOps: readonly string[];
}

/**
 * The selection for `requested` (default: every program and every struct_ops map). `named`: the
 * programs a `--set` value names (a prog array slot, a devmap entry's program), loaded always and
 * attached only when requested.
 */
export function selectRun(
  obj: BpfObject,
  requested?: readonly string[],
  named: readonly string[] = [],
): RunSelection {
  const owner = new Map<string, string>();
  for (const m of obj.maps) for (const f of m.structOps?.funcs ?? []) owner.set(f.program, m.name);
  for (const name of requested ?? []) {
    if (!obj.programs.some((p) => p.name === name))
      throw new LoaderError(
        `object has no program named "${name}" (programs: ${obj.programs.map((x) => x.name).join(", ") || "none"})`,
      );
  }
  const names = requested ?? obj.programs.map((p) => p.name).filter((n) => !named.includes(n));
  const attach = names.filter((n) => !owner.has(n));
  const chosen = new Set(requested ? names.flatMap((n) => owner.get(n) ?? []) : owner.values());
  const structOps = obj.maps.filter((m) => chosen.has(m.name)).map((m) => m.name);
  const owned = [...owner].filter(([, m]) => chosen.has(m)).map(([p]) => p);
  const load = [...new Set([...attach, ...owned, ...named])];
  return { attach, load, structOps };
}

/** The status line of a registered struct_ops map (`name`: its `name` member, when it has one). */
export function registeredLine(obj: BpfObject, map: string, name?: string): string {
  const ops = obj.maps.find((m) => m.name === map)!.structOps!;
  const programs = ops.funcs.map((f) => f.program).join(", ");
  const named = name ? ` "${name}"` : "";
  return `registered ${map} (struct_ops ${ops.struct}${named}${ops.link ? " through a BPF link" : ""}: ${programs})`;
}
