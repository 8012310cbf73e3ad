/**
 * The VM's object loader: `BpfObject` → maps created in a fresh address space and programs ready for
 * an engine, doing what libbpf and the kernel do at load time (tools/lib/bpf/libbpf.c
 * `bpf_object__relocate`, kernel/bpf/verifier.c `resolve_pseudo_ldimm64`).
 *
 * Consumes a `BpfObject` (core/object/model.ts) and `LoadOptions`; produces a `LoadedObject`:
 * - every map, including the implicit .bss/.data/.rodata maps, whose single value holds the section's
 *   initial bytes (.rodata and BPF_F_RDONLY_PROG maps are read-only to programs);
 * - per program, an `EngineProgram` in which:
 *   - BPF-to-BPF calls are linked as libbpf does: each called function (from .text or the program's
 *     own section) is appended once after the program, recursively, and every call's imm becomes the
 *     slot distance to its callee (an lddw of a function address gets the same distance, src 4);
 *   - `lddw rX, map` holds the address of the map's handle region (the VM's BPF_PSEUDO_MAP_FD);
 *   - `lddw rX, global + off` holds the address of the global data value plus `off`
 *     (BPF_PSEUDO_MAP_VALUE);
 *   - for packet programs (XDP, tc, socket filters, ...), 32-bit loads of the context's pointer fields
 *     read the context's 64-bit VM slots (ctx-rewrite.ts).
 * A program that references an extern (kfunc/ksym) cannot be resolved by the VM; it still loads, and
 * `unresolved` says why it cannot run.
 *
 * Errors: `LoadError` with a message naming the program and the problem; map definition problems
 * surface as `MapError` (runtime/maps).
 */
import { CallSrc, PseudoSrc, slotOffsets, splitImm64, type Insn } from "../../core/isa/index.ts";
import {
  BPF_CONSTANTS,
  BPF_MAP_TYPE,
  helperRecordById,
  resolveSection,
  type SectionInfo,
} from "../../core/kernel/index.ts";
import type { BpfMapDef, BpfObject, BpfProgram } from "../../core/object/model.ts";
import {
  createHelperEnv,
  buildHelperTable,
  VM_HELPER_NAMES,
  whyNotInVm,
  type HelperEnv,
  type HelperEnvOptions,
} from "../helpers/index.ts";
import { MapRegistry, createMap, type CpuState, type MapSpec, type VmMap } from "../maps/index.ts";
import type { EngineProgram, HelperTable } from "./contract.ts";
import { packetContextFor, pointerFields } from "./contexts.ts";
import { rewriteContextLoads } from "./ctx-rewrite.ts";
import { createMemory, type VmMemory } from "./memory.ts";

/** A load-time problem: unresolvable relocation, bad call target, bad option. */
export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadError";
  }
}

/** Options of `loadBpfObject`. */
export interface LoadOptions extends HelperEnvOptions {
  /** Number of simulated CPUs (default 1). */
  readonly cpus?: number;
}

/** One loaded program. */
export interface LoadedProgram {
  /** 1-based id: what user space writes into a prog array to install this program. */
  readonly id: number;
  readonly name: string;
  readonly section: string;
  /** What the section name selects under libbpf's rules (undefined: no rule matched). */
  readonly sectionInfo: SectionInfo | undefined;
  /** Program type name without prefix (`XDP`), or undefined. */
  readonly progType: string | undefined;
  /** Linked and relocated instructions. */
  readonly program: EngineProgram;
  /** Why the VM cannot run it (extern references), or undefined. */
  readonly unresolved: string | undefined;
  /** Context pointer-field loads rewritten (packet programs). */
  readonly ctxLoadsRewritten: number;
}

/** An object loaded into one VM address space. */
export interface LoadedObject {
  readonly memory: VmMemory;
  readonly cpus: CpuState;
  readonly maps: MapRegistry;
  /** Maps by `BpfMapDef.index`. */
  readonly mapsByIndex: readonly VmMap[];
  readonly programs: readonly LoadedProgram[];
  readonly env: HelperEnv;
  readonly helpers: HelperTable;
  readonly license: string;
}

function mapSpec(def: BpfMapDef): MapSpec {
  const rodata = def.globalSection?.startsWith(".rodata") === true;
  return {
    name: def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    flags: def.flags | (rodata ? BPF_CONSTANTS.BPF_F_RDONLY_PROG : 0),
  };
}

function byteLength(fn: BpfProgram): number {
  return slotOffsets(fn.insns)[fn.insns.length]! * 8;
}

interface Patch {
  readonly at: number;
  readonly reloc: BpfProgram["relocs"][number];
  /** For call relocs: index of the callee's first instruction in the linked program. */
  readonly target?: number;
}

/** Appends every function `main` reaches by calls; returns the instructions and the patches to apply. */
function link(
  main: BpfProgram,
  functions: readonly BpfProgram[],
): { insns: Insn[]; patches: Patch[] } {
  const insns: Insn[] = [];
  const patches: Patch[] = [];
  const start = new Map<BpfProgram, number>();
  const queue: BpfProgram[] = [main];
  let queuedLength = main.insns.length;
  const place = (fn: BpfProgram) => {
    if (!start.has(fn)) {
      start.set(fn, queuedLength);
      queuedLength += fn.insns.length;
      queue.push(fn);
    }
    return start.get(fn)!;
  };
  start.set(main, 0);
  for (let q = 0; q < queue.length; q++) {
    const fn = queue[q]!;
    const base = insns.length;
    insns.push(...fn.insns);
    for (const r of fn.relocs) {
      if (r.kind !== "call") {
        patches.push({ at: base + r.insnIndex, reloc: r });
        continue;
      }
      const callee = functions.find(
        (f) =>
          f.section === r.targetSection &&
          r.targetOffset >= f.sectionOffset &&
          r.targetOffset < f.sectionOffset + byteLength(f),
      );
      if (!callee || callee.sectionOffset !== r.targetOffset) {
        throw new LoadError(
          `program ${main.name}: call at instruction ${r.insnIndex} of ${fn.name} targets ` +
            `${r.targetSection}+${r.targetOffset}, which is not the start of a function`,
        );
      }
      patches.push({ at: base + r.insnIndex, reloc: r, target: place(callee) });
    }
  }
  return { insns, patches };
}

function setLddw(insn: Insn, value: bigint, src = 0): Insn {
  return { ...insn, src, ...splitImm64(value) };
}

/**
 * Why a program cannot run in the VM because it calls a helper the VM does not implement (naming the
 * first such helper and the reason), or undefined.
 */
function missingHelper(name: string, insns: readonly Insn[]): string | undefined {
  for (const i of insns) {
    if (i.spec.kind !== "call" || i.src !== CallSrc.HELPER) continue;
    const rec = helperRecordById(i.imm);
    if (rec && VM_HELPER_NAMES.has(rec.name)) continue;
    if (!rec) return `program ${name} calls helper ${i.imm}, which the kernel does not define`;
    return `program ${name} calls bpf_${rec.name} (helper ${rec.id}), which the VM does not implement: ${whyNotInVm(rec)}`;
  }
  return undefined;
}

function relocate(
  prog: BpfProgram,
  all: readonly BpfProgram[],
  handles: readonly bigint[],
  valueAddress: (mapIndex: number) => bigint,
): { insns: Insn[]; unresolved: string | undefined } {
  const { insns, patches } = link(prog, all);
  const slotOf = slotOffsets(insns);
  const externs: string[] = [];
  for (const p of patches) {
    const insn = insns[p.at]!;
    const r = p.reloc;
    if (r.kind === "call") {
      const distance = slotOf[p.target!]! - slotOf[p.at]! - 1;
      insns[p.at] =
        insn.spec.kind === "lddw"
          ? setLddw(insn, BigInt(distance), PseudoSrc.FUNC)
          : { ...insn, src: CallSrc.LOCAL, imm: distance };
    } else if (r.kind === "map") {
      if (insn.spec.kind !== "lddw")
        throw new LoadError(`program ${prog.name}: map reloc on non-lddw`);
      insns[p.at] = setLddw(insn, handles[r.mapIndex]!);
    } else if (r.kind === "global") {
      if (insn.spec.kind !== "lddw")
        throw new LoadError(`program ${prog.name}: global reloc on non-lddw`);
      insns[p.at] = setLddw(insn, valueAddress(r.mapIndex) + BigInt(r.offset));
    } else {
      externs.push(r.symbol);
    }
  }
  const unresolved =
    externs.length > 0
      ? `program ${prog.name} references ${[...new Set(externs)].join(", ")} (kfuncs/ksyms), which the VM cannot resolve`
      : undefined;
  return { insns, unresolved };
}

/** Loads an object into a fresh VM address space. */
export function loadBpfObject(obj: BpfObject, options: LoadOptions = {}): LoadedObject {
  const cpuCount = options.cpus ?? 1;
  if (!Number.isInteger(cpuCount) || cpuCount < 1 || cpuCount > 1024) {
    throw new LoadError(`cpus must be an integer from 1 to 1024, got ${cpuCount}`);
  }
  const memory = createMemory();
  const cpus: CpuState = { count: cpuCount, current: 0 };
  const maps = new MapRegistry({ memory, cpus });
  const loaded: LoadedProgram[] = [];
  const resolveProgram = (id: number) => {
    const p = loaded[id - 1];
    return p ? { id, program: p.program } : undefined;
  };
  const mapsByIndex: VmMap[] = [];
  const handles: bigint[] = [];
  for (const def of obj.maps) {
    const m = createMap(mapSpec(def), { memory, cpus }, resolveProgram);
    if (def.initialValue && def.initialValue.length > 0) {
      if (
        def.type !== BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY ||
        def.initialValue.length !== def.valueSize
      ) {
        throw new LoadError(
          `map ${def.name}: initial value does not fit a ${def.valueSize}-byte array value`,
        );
      }
      m.update(new Uint8Array(4), def.initialValue, BPF_CONSTANTS.BPF_ANY);
    }
    mapsByIndex[def.index] = m;
    handles[def.index] = maps.add(m);
  }
  const valueAddress = (i: number) => {
    const m = mapsByIndex[i];
    const addr = m?.lookupAddress(new Uint8Array(4)) ?? 0n;
    if (addr === 0n) throw new LoadError(`global data reloc against map ${i}, which has no value`);
    return addr;
  };
  const functions = [...obj.programs, ...obj.subprograms];
  obj.programs.forEach((prog, i) => {
    const info = resolveSection(prog.section);
    const progType = info?.def.progType;
    const relocated = relocate(prog, functions, handles, valueAddress);
    let insns = relocated.insns;
    const unresolved = relocated.unresolved ?? missingHelper(prog.name, insns);
    let rewritten = 0;
    const layout = packetContextFor(progType);
    if (layout) ({ insns, rewritten } = rewriteContextLoads(insns, pointerFields(layout)));
    loaded.push({
      id: i + 1,
      name: prog.name,
      section: prog.section,
      sectionInfo: info,
      progType,
      program: { name: prog.name, insns },
      unresolved,
      ctxLoadsRewritten: rewritten,
    });
  });
  const env = createHelperEnv(maps, cpus, options);
  return {
    memory,
    cpus,
    maps,
    mapsByIndex,
    programs: loaded,
    env,
    helpers: buildHelperTable(env),
    license: obj.license,
  };
}
