/**
 * The VM's object loader: `BpfObject` → maps created in a fresh address space and programs ready for
 * an engine, doing what libbpf and the kernel do at load time (tools/lib/bpf/libbpf.c
 * `bpf_object__relocate`, kernel/bpf/verifier.c `resolve_pseudo_ldimm64`).
 *
 * Consumes a `BpfObject` (core/object/model.ts) and `LoadOptions`; produces a `LoadedObject`:
 * - every map, including the implicit .bss/.data/.rodata maps, whose single value holds the section's
 *   initial bytes (.rodata and BPF_F_RDONLY_PROG maps are read-only to programs);
 * - per program, an `EngineProgram` in which:
 *   - BPF-to-BPF calls are linked by core/object's static linker (the kernel loader's too): each
 *     called function is appended once after the program, recursively, and every call's imm becomes
 *     the slot distance to its callee; an lddw of a function address (src 4, a callback) then holds
 *     the address of the callee's first slot in the object's zero-byte "code" region;
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
import { openBtfFile } from "../../core/btf/file.ts";
import type { LazyBtf } from "../../core/btf/index.ts";
import {
  applyCoreRelocations,
  describeUnresolved,
  hasCoreRelocations,
} from "../../core/object/core-apply.ts";
import {
  CallSrc,
  PseudoSrc,
  checkSubprograms,
  splitImm64,
  type Insn,
} from "../../core/isa/index.ts";
import {
  BPF_CONSTANTS,
  BPF_MAP_TYPE,
  helperRecordById,
  resolveSection,
  type SectionInfo,
} from "../../core/kernel/index.ts";
import {
  linkProgram,
  type BpfMapDef,
  type BpfObject,
  type BpfProgram,
} from "../../core/object/index.ts";
import {
  createHelperEnv,
  buildHelperTable,
  VM_HELPER_NAMES,
  whyNotInVm,
  type HelperEnv,
  type HelperEnvOptions,
} from "../helpers/index.ts";
import {
  MapOfMaps,
  MapRegistry,
  ProgArrayMap,
  createMap,
  type CpuState,
  type MapSpec,
  type VmMap,
} from "../maps/index.ts";
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

/** Applies CO-RE relocations for `target` (core/object/core-apply.ts), as the kernel loader does. */
function relocateCore(obj: BpfObject, target: LazyBtf | string | undefined): BpfObject {
  if (!hasCoreRelocations(obj)) return obj;
  if (target === undefined)
    throw new LoadError(
      "the object has CO-RE relocations (kernel struct reads): give the VM a kernel BTF to resolve them against (coreBtf, or --btf FILE)",
    );
  try {
    const btf = typeof target === "string" ? openBtfFile(target) : target;
    const r = applyCoreRelocations(obj, btf);
    const bad = r.relocations.find((x) => x.targetValue === null);
    if (bad) throw new LoadError(describeUnresolved(bad, btf.source));
    return r.object;
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(e instanceof Error ? e.message : String(e));
  }
}

/** Options of `loadBpfObject`. */
export interface LoadOptions extends HelperEnvOptions {
  /** Number of simulated CPUs (default 1). */
  readonly cpus?: number;
  /**
   * The kernel BTF the object's CO-RE relocations are resolved against (a reader, or a file path
   * such as a copy of some kernel's /sys/kernel/btf/vmlinux). Required when the object has any.
   */
  readonly coreBtf?: LazyBtf | string;
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
    ...(def.inner ? { inner: mapSpec(def.inner) } : {}),
    name: def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    flags: def.flags | (rodata ? BPF_CONSTANTS.BPF_F_RDONLY_PROG : 0),
  };
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

/** Links `prog` (core/object's static linker) and points its map and global references into memory. */
function relocate(
  obj: BpfObject,
  prog: BpfProgram,
  handles: readonly bigint[],
  valueAddress: (mapIndex: number) => bigint,
  code: bigint,
): { insns: Insn[]; unresolved: string | undefined } {
  const linked = linkProgram(obj, prog, (m) => new LoadError(m));
  const insns = linked.insns.slice();
  // A function's address (BPF_PSEUDO_FUNC, for callback helpers): its first slot in the code region.
  insns.forEach((insn, at) => {
    if (insn.spec.kind === "lddw" && insn.src === PseudoSrc.FUNC)
      insns[at] = setLddw(insn, code + BigInt(linked.slotOf[at]! + 1 + insn.imm));
  });
  const externs: string[] = [];
  for (const { at, reloc: r } of linked.dataRelocs) {
    const insn = insns[at]!;
    if (r.kind === "extern") {
      externs.push(r.symbol);
      continue;
    }
    if (insn.spec.kind !== "lddw")
      throw new LoadError(`program ${prog.name}: ${r.kind} reloc on non-lddw`);
    insns[at] =
      r.kind === "map"
        ? setLddw(insn, handles[r.mapIndex]!)
        : setLddw(insn, valueAddress(r.mapIndex) + BigInt(r.offset));
  }
  const unresolved =
    externs.length > 0
      ? `program ${prog.name} references ${[...new Set(externs)].join(", ")} (kfuncs/ksyms), which the VM cannot resolve`
      : undefined;
  return { insns, unresolved };
}

/** Stores the maps a map of maps' initial values name (slot i at key i, as libbpf does). */
function fillMapSlots(def: BpfMapDef, outer: MapOfMaps, maps: MapRegistry): void {
  def.initialValues!.forEach((name, slot) => {
    if (name === null) return;
    const inner = maps.get(name);
    const r = inner
      ? outer.setMap(new Uint8Array(new Uint32Array([slot]).buffer), maps.idOf(inner))
      : 0;
    if (!inner || r !== 0)
      throw new LoadError(
        `map ${def.name}: initial value ${slot} names ${name}, ${inner ? `which the map refuses (${r}: it does not match the inner map template)` : "not a map of the object"}`,
      );
  });
}

/** Loads an object into a fresh VM address space. */
export function loadBpfObject(input: BpfObject, options: LoadOptions = {}): LoadedObject {
  const obj = relocateCore(input, options.coreBtf);
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
    return p
      ? { id, program: p.program, attachType: p.sectionInfo?.attachTypeId ?? null }
      : undefined;
  };
  const mapsByIndex: VmMap[] = [];
  const handles: bigint[] = [];
  for (const def of obj.maps) {
    const m = createMap(mapSpec(def), { memory, cpus }, resolveProgram, (id) => maps.byId(id));
    if (def.initialValue && def.initialValue.length > 0) {
      const oneValue =
        def.type === BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY ||
        def.type === BPF_MAP_TYPE.BPF_MAP_TYPE_STRUCT_OPS;
      if (!oneValue || def.initialValue.length !== def.valueSize) {
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
  // Zero bytes: a load or store through a function address faults; callbacks run by slot.
  const code = memory.map(new Uint8Array(0), { writable: false, kind: "code", name: "code" }).base;
  obj.programs.forEach((prog, i) => {
    const info = resolveSection(prog.section);
    const progType = info?.def.progType;
    const relocated = relocate(obj, prog, handles, valueAddress, code);
    let insns = relocated.insns;
    const unresolved = relocated.unresolved ?? missingHelper(prog.name, insns);
    // As the kernel (check_subprogs) and ubpf do, before anything runs: no jump between functions.
    const bad = checkSubprograms(insns)[0];
    if (bad) throw new LoadError(`program ${prog.name}: instruction ${bad.slot}: ${bad.message}`);
    let rewritten = 0;
    const layout = packetContextFor(progType);
    if (layout)
      ({ insns, rewritten } = rewriteContextLoads(insns, pointerFields(layout), layout.narrow));
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
  // Initial values (libbpf `.values`): a prog array's slot gets the program it names, a map of
  // maps' slot the map (refused as the kernel would when it does not match the inner template).
  for (const def of obj.maps) {
    const m = mapsByIndex[def.index];
    if (def.initialValues && m instanceof MapOfMaps) fillMapSlots(def, m, maps);
    if (!def.initialValues || !(m instanceof ProgArrayMap)) continue;
    def.initialValues.forEach((name, slot) => {
      const p = name === null ? undefined : loaded.find((x) => x.name === name);
      if (name !== null && !p)
        throw new LoadError(`map ${def.name}: initial value ${slot} names ${name}, not a program`);
      if (p) m.setProgram(slot, { id: p.id, program: p.program });
    });
  }
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
