/**
 * Loading a whole BPF object file into the kernel, libbpf-style, with no libbpf:
 * read the ELF (core/object) → load its BTF → create every map (BTF-defined, legacy, and the
 * `.bss` / `.data` / `.rodata` global-data arrays with their initial bytes; `.rodata` frozen) →
 * for each program: resolve the section (core/kernel sections table), link subprograms and patch map
 * references (link-program.ts), attach func_info / line_info (btf-records.ts), load it. struct_ops
 * maps (struct-ops.ts) are planned against the kernel's BTF first: their programs load with the
 * ops struct as attach_btf_id and the member index as expected attach type, and
 * `registerStructOps` registers a map with its subsystem.
 *
 * Consumes: ELF bytes or an already-read `BpfObject`. Produces: a `LoadedObject` owning every fd.
 * Invariant: on any failure part-way, everything created so far is closed before the error
 * propagates (FdScope), so a failed load leaves nothing behind in the kernel.
 *
 * Fallbacks as libbpf: BTF the kernel rejects is dropped with a warning (programs then load without
 * func/line info); a map whose BTF key/value ids are rejected is created again without them.
 */
import { USDT_IP_MAP, USDT_MODE_MAP, USDT_SPEC_MAP, usdtModeEntry } from "../../core/usdt/index.ts";
import {
  BtfError,
  btfExtStrings,
  BtfStringReader,
  encodeBtf,
  splitBtf,
  type LazyBtf,
} from "../../core/btf/index.ts";
import { openBtfFile } from "../../core/btf/file.ts";
import {
  applyCoreRelocations,
  describeUnresolved,
  hasCoreRelocations,
  type AppliedCoreRelo,
} from "../../core/object/core-apply.ts";
import { vmlinuxBtf } from "./kernel-btf.ts";
import { mapKindById, resolveSection } from "../../core/kernel/index.ts";
import {
  ObjectError,
  internalMapName,
  readBpfObject,
  type BpfMapDef,
  type BpfObject,
  type BpfProgram,
} from "../../core/object/index.ts";
import {
  attachBySection,
  hookForSection,
  type AttachOptions,
  type KernelLink,
} from "./attach/index.ts";
import { BtfLoadError, loadBtf, type KernelBtf } from "./btf-load.ts";
import { sanitizeBtf } from "./btf-sanitize.ts";
import { programBtfRecords } from "./btf-records.ts";
import { defaultUsdtCookies } from "./usdt-mode.ts";
import { KernelError, LoaderError, VerifierError } from "./errors.ts";
import { FdScope } from "./fd.ts";
import { freplaceTargetId } from "./freplace-target.ts";
import { linkProgram } from "./link-program.ts";
import { createMap, KernelMap } from "./map.ts";
import { mapInfo } from "./info.ts";
import { DEFAULT_PIN_ROOT, LIBBPF_PIN_BY_NAME, pinnedByName } from "./pin.ts";
import { loadProgram, type KernelProgram, type LoadOptions } from "./program.ts";
import { MapType, PROG_F_SLEEPABLE, PROG_F_XDP_HAS_FRAGS } from "./sys/constants.ts";
import { possibleCpus } from "./sys/cpus.ts";
import {
  createStructOpsMap,
  planStructOps,
  registerStructOps,
  structOpsAttach,
  type StructOpsPlan,
} from "./struct-ops.ts";

/** Options for `loadObject`. */
export interface ObjectLoadOptions {
  /** Verifier log level for every program (see `LoadOptions.logLevel`). */
  readonly logLevel?: number;
  readonly logSize?: number;
  /** Load only these programs (by function name); default all. */
  readonly programs?: readonly string[];
  /** Do not load the object's BTF even if present. */
  readonly noBtf?: boolean;
  /**
   * The BTF CO-RE relocations are resolved against (a reader or a file path); default the running
   * kernel's /sys/kernel/btf/vmlinux, read only when the object has CO-RE relocations.
   */
  readonly coreBtf?: LazyBtf | string;
  /**
   * The object's name, as libbpf's `object_name` open option: global data maps are created as
   * `<first 8 characters>.bss` (core/object internalMapName). Use `objectNameOf(path)` for a file.
   */
  readonly objectName?: string;
  /**
   * Where maps with `pinning` LIBBPF_PIN_BY_NAME are pinned and looked for (libbpf's
   * `pin_root_path`); default /sys/fs/bpf.
   */
  readonly pinRoot?: string;
  /**
   * BPF_F_* program load flags added to every program's (`BPF_F_STRICT_ALIGNMENT`: the verifier
   * checks packet and stack alignment as on an architecture without efficient unaligned access).
   */
  readonly progFlags?: number;
  /**
   * freplace programs (by function name): the fd of the loaded program whose function (the
   * section's `freplace/<function>`) each replaces, as libbpf's bpf_program__set_attach_target.
   */
  readonly freplaceTargets?: Readonly<Record<string, number>>;
  /**
   * How usdt programs that read arguments find their site's spec (core/usdt `USDT_MODE_MAP`):
   * true, by the attachment's bpf cookie; false, by the probe's address in the IP map, as libbpf
   * does on kernels without bpf_get_attach_cookie (sites in a shared object then need a pid).
   * Default: cookies when this kernel gives kprobe programs bpf_get_attach_cookie, unless the
   * environment's `TSBPF_USDT_COOKIES` is `0` or `1` (usdt-mode.ts).
   */
  readonly usdtCookies?: boolean;
}

/** One loaded program with the facts it was loaded from. */
export interface LoadedProgram {
  readonly program: KernelProgram;
  readonly section: string;
  readonly def: BpfProgram;
  /** Slot → `source line @ file:line`, from line_info (absent without BTF line info). */
  readonly sourceOf?: (slot: number) => string | undefined;
}

/** Everything an object put in the kernel. `close()` releases all of it. */
export class LoadedObject {
  readonly #links: KernelLink[] = [];
  /** Spec ids of the USDT argument strings written into the spec map so far (attach/usdt.ts). */
  readonly #usdtSpecIds = new Map<string, number>();
  /** How usdt programs find their spec (`ObjectLoadOptions.usdtCookies`). */
  #usdtCookies = true;

  constructor(
    readonly maps: ReadonlyMap<string, KernelMap>,
    readonly programs: ReadonlyMap<string, LoadedProgram>,
    readonly btf: KernelBtf | undefined,
    /** Non-fatal problems (e.g. BTF dropped). */
    readonly warnings: readonly string[],
    /** The CO-RE relocations applied (with their values for this kernel), in object order. */
    readonly coreRelocations: readonly AppliedCoreRelo[] = [],
    /** The struct_ops maps, by map name (struct-ops.ts). */
    readonly structOps: ReadonlyMap<string, StructOpsPlan> = new Map(),
  ) {}

  /** The map named `name` (`counts`, `.bss`, ...). */
  map(name: string): KernelMap {
    const m = this.maps.get(name);
    if (!m)
      throw new LoaderError(
        `no map named "${name}" (maps: ${[...this.maps.keys()].join(", ") || "none"})`,
      );
    return m;
  }

  /** The program named `name` (its function name). */
  program(name: string): KernelProgram {
    const p = this.programs.get(name);
    if (!p) {
      throw new LoaderError(
        `no program named "${name}" (programs: ${[...this.programs.keys()].join(", ") || "none"})`,
      );
    }
    return p.program;
  }

  /** Attaches program `name` according to its section; the link is released by `close()` too. */
  attach(name: string, opts: AttachOptions = {}): KernelLink {
    const prog = this.program(name);
    const sockMap = typeof opts.sockMap === "string" ? this.map(opts.sockMap).fd : opts.sockMap;
    const specMap = this.maps.get(USDT_SPEC_MAP);
    const ipMap = this.#usdtCookies ? undefined : this.maps.get(USDT_IP_MAP);
    const usdtSpecs = specMap && { map: specMap, ids: this.#usdtSpecIds, ...(ipMap && { ipMap }) };
    const link = attachBySection(prog, this.programs.get(name)!.section, {
      ...opts,
      ...(sockMap !== undefined ? { sockMap } : {}),
      ...(usdtSpecs ? { usdtSpecs } : {}),
    });
    this.#links.push(link);
    return link;
  }

  /**
   * Registers struct_ops map `name` with its kernel subsystem (a TCP congestion control becomes
   * selectable, ...): its value holds the member programs; detaching (or `close()`) unregisters it.
   */
  registerStructOps(name: string): KernelLink {
    const plan = this.structOps.get(name);
    if (!plan)
      throw new LoaderError(
        `no struct_ops map named "${name}" (struct_ops maps: ${[...this.structOps.keys()].join(", ") || "none"})`,
      );
    const link = registerStructOps(plan, this.map(name), (p) => this.programs.get(p)?.program.fd);
    this.#links.push(link);
    return link;
  }

  /** Records how usdt programs find their spec (the mode `loadObject` froze into the object). */
  useUsdtCookies(cookies: boolean): this {
    this.#usdtCookies = cookies;
    return this;
  }

  /** Detaches every link, then closes programs, maps and BTF. Idempotent. */
  close(): void {
    for (const l of this.#links.splice(0)) l.detach();
    for (const p of this.programs.values()) p.program.close();
    for (const m of this.maps.values()) m.close();
    this.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Loads an object file (bytes or already read) into the kernel. */
export function loadObject(
  input: Uint8Array | BpfObject,
  opts: ObjectLoadOptions = {},
): LoadedObject {
  const read = input instanceof Uint8Array ? readBpfObject(input) : input;
  const { object: obj, relocations, targetName } = relocateCore(read, opts.coreBtf);
  const wanted = opts.programs ? new Set(opts.programs) : undefined;
  if (wanted) {
    for (const n of wanted) {
      if (!obj.programs.some((p) => p.name === n))
        throw new LoaderError(`object has no program named "${n}"`);
    }
  }
  return FdScope.run((scope) => {
    const warnings: string[] = [];
    const btf = opts.noBtf ? undefined : loadObjectBtf(obj, warnings);
    if (btf) scope.track(btf.kernel);

    const maps = new Map<string, KernelMap>();
    const mapFds: number[] = [];
    const reused = new Set<string>();
    const plans = new Map(planStructOps(obj).map((p) => [p.def.name, p]));
    for (const def of obj.maps) {
      const plan = plans.get(def.name);
      const create = () =>
        plan
          ? createStructOpsMap(plan, btf?.kernel?.fd)
          : createObjectMap(def, btf?.kernel, warnings, opts.objectName);
      let m: KernelMap;
      if (def.pinning === LIBBPF_PIN_BY_NAME) {
        const p = pinnedByName(
          { ...def, flags: def.flags ?? 0 },
          opts.pinRoot ?? DEFAULT_PIN_ROOT,
          create,
          (fd) => new KernelMap(fd, { ...def, flags: def.flags ?? 0 }),
          mapInfo,
        );
        m = scope.track(p.map);
        if (p.reused) reused.add(def.name);
      } else m = scope.track(create());
      maps.set(def.name, m);
      mapFds[def.index] = m.fd;
    }
    const mode = maps.get(USDT_MODE_MAP);
    const usdtCookies = mode ? (opts.usdtCookies ?? defaultUsdtCookies()) : true;
    if (mode) {
      // Frozen before any program loads, so the verifier reads the mode as a constant.
      mode.update(...usdtModeEntry(usdtCookies));
      mode.freeze();
    }

    const programs = new Map<string, LoadedProgram>();
    for (const def of obj.programs) {
      if (wanted && !wanted.has(def.name)) continue;
      const loaded = withCoreContext(
        () => loadObjectProgram(obj, def, mapFds, btf, opts, [...plans.values()]),
        def.name,
        relocations.filter(
          (r) =>
            r.targetValue === null &&
            (r.func === def.name || obj.subprograms.some((s) => s.name === r.func)),
        ),
        targetName,
      );
      scope.track(loaded.program);
      programs.set(def.name, loaded);
    }
    // A reused pinned map keeps the contents it has.
    for (const def of obj.maps)
      if (def.initialValues && !reused.has(def.name)) fillInitialValues(def, maps, programs);
    return new LoadedObject(
      maps,
      programs,
      btf?.kernel,
      warnings,
      relocations,
      plans,
    ).useUsdtCookies(usdtCookies);
  });
}

/** Applies CO-RE relocations for the target BTF (see `ObjectLoadOptions.coreBtf`). */
function relocateCore(
  obj: BpfObject,
  target: LazyBtf | string | undefined,
): { object: BpfObject; relocations: readonly AppliedCoreRelo[]; targetName: string } {
  if (!hasCoreRelocations(obj)) return { object: obj, relocations: [], targetName: "" };
  let btf: LazyBtf;
  try {
    btf =
      target === undefined
        ? vmlinuxBtf()
        : typeof target === "string"
          ? openBtfFile(target)
          : target;
  } catch (e) {
    if (e instanceof LoaderError) throw e;
    throw new LoaderError(
      `cannot read the BTF for CO-RE relocations (${String(target)}): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  try {
    const r = applyCoreRelocations(obj, btf);
    return { ...r, targetName: btf.source };
  } catch (e) {
    if (e instanceof ObjectError || e instanceof BtfError) throw new LoaderError(e.message);
    throw e;
  }
}

/**
 * Runs a program load; when the verifier refuses a program with unresolved (poisoned) CO-RE
 * relocations, the error names the relocation, its field chain and its source line instead.
 */
function withCoreContext<T>(
  load: () => T,
  program: string,
  poisoned: readonly AppliedCoreRelo[],
  targetName: string,
): T {
  try {
    return load();
  } catch (e) {
    if (poisoned.length === 0 || !(e instanceof VerifierError)) throw e;
    const hit = poisoned.find((r) => r.func === program && r.slot === e.insnIndex);
    const named = hit ? [hit] : poisoned;
    throw new LoaderError(
      `program "${program}": ${named.map((r) => describeUnresolved(r, targetName)).join("; ")}`,
    );
  }
}

interface ObjectBtf {
  readonly kernel: KernelBtf;
  readonly strings: BtfStringReader;
}

function loadObjectBtf(obj: BpfObject, warnings: string[]): ObjectBtf | undefined {
  if (!obj.btf) return undefined;
  // Kinds the kernel lacks (decl tags before 5.16) are replaced in place, as libbpf does.
  const bytes = encodeBtf(sanitizeBtf(obj.btf), obj.btfExt ? btfExtStrings(obj.btfExt) : []);
  try {
    return { kernel: loadBtf(bytes), strings: new BtfStringReader(splitBtf(bytes).strings) };
  } catch (e) {
    if (!(e instanceof BtfLoadError)) throw e;
    warnings.push(`kernel rejected the object's BTF; loading without it: ${e.message}`);
    return undefined;
  }
}

function createObjectMap(
  def: BpfMapDef,
  btf: KernelBtf | undefined,
  warnings: string[],
  objectName: string | undefined,
): KernelMap {
  // A map of maps is created from a template of its inner maps (libbpf: the `__array(values, ...)`
  // definition), closed again once the outer map holds its description.
  const template = def.inner && createObjectMap(def.inner, btf, warnings, objectName);
  const base = {
    ...(template ? { innerMapFd: template.fd } : {}),
    name: def.globalSection ? internalMapName(objectName, def.globalSection) : def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    // libbpf sizes a perf event array with max_entries 0 to the number of possible CPUs.
    maxEntries:
      def.type === MapType.PERF_EVENT_ARRAY && def.maxEntries === 0
        ? possibleCpus()
        : def.maxEntries,
    flags: def.flags,
  };
  // Kinds the kernel describes without BTF key/value (libbpf clears the ids for them too).
  const btfKeyValue = mapKindById(def.type)?.btfKeyValue ?? true;
  const useBtf = btf && btfKeyValue && (def.keyTypeId || def.valueTypeId);
  let map: KernelMap;
  try {
    map = useBtf
      ? createMap({
          ...base,
          btfFd: btf.fd,
          btfKeyTypeId: def.keyTypeId,
          btfValueTypeId: def.valueTypeId,
        })
      : createMap(base);
  } catch (e) {
    if (!useBtf || !(e instanceof KernelError) || e.code !== "EINVAL") throw e;
    warnings.push(`map "${def.name}": kernel rejected its BTF types; created without them`);
    map = createMap(base);
  } finally {
    template?.close();
  }
  try {
    if (def.initialValue && def.initialValue.some((b) => b !== 0)) {
      map.update(new Uint8Array(4), def.initialValue);
    }
    if (
      def.globalSection &&
      (def.globalSection === ".rodata" || def.globalSection.startsWith(".rodata."))
    ) {
      map.freeze();
    }
  } catch (e) {
    map.close();
    throw e;
  }
  return map;
}

/**
 * Writes a map's initial values (libbpf `.values`): slot i of a map of maps gets the fd of the map
 * it names, slot i of a prog array the fd of the program (skipped when that program was not loaded).
 */
function fillInitialValues(
  def: BpfMapDef,
  maps: ReadonlyMap<string, KernelMap>,
  programs: ReadonlyMap<string, LoadedProgram>,
): void {
  const outer = maps.get(def.name)!;
  def.initialValues!.forEach((name, slot) => {
    if (name === null) return;
    const fd = maps.get(name)?.fd ?? programs.get(name)?.program.fd;
    if (fd === undefined) {
      if (def.type === MapType.PROG_ARRAY) return;
      throw new LoaderError(
        `map "${def.name}": initial value ${slot} names "${name}", not a map of the object`,
      );
    }
    const key = new Uint8Array(new Uint32Array([slot]).buffer);
    outer.update(key, new Uint8Array(new Uint32Array([fd]).buffer));
  });
}

/**
 * An extension program replaces a function of another loaded program: the kernel needs that
 * program's fd (attach_prog_fd) and the function's id in its BTF (freplace-target.ts).
 */
function freplaceTarget(
  def: BpfProgram,
  func: string,
  opts: ObjectLoadOptions,
): { progFd: number; btfId: number } {
  const head = `program "${def.name}" (SEC("${def.section}"))`;
  if (!func)
    throw new LoaderError(
      `${head}: a freplace section names the function it replaces: SEC("freplace/<function>")`,
    );
  const progFd = opts.freplaceTargets?.[def.name];
  if (progFd === undefined)
    throw new LoaderError(
      `${head}: a BPF_PROG_TYPE_EXT program replaces function "${func}" of another loaded BPF ` +
        `program; give that program's fd as the load option freplaceTargets: { ${def.name}: fd }`,
    );
  try {
    return { progFd, btfId: freplaceTargetId(progFd, func) };
  } catch (e) {
    if (e instanceof LoaderError) throw new LoaderError(`${head}: ${e.message}`);
    throw e;
  }
}

function loadObjectProgram(
  obj: BpfObject,
  def: BpfProgram,
  mapFds: readonly number[],
  btf: ObjectBtf | undefined,
  opts: ObjectLoadOptions,
  structOps: readonly StructOpsPlan[],
): LoadedProgram {
  const sec = resolveSection(def.section);
  if (!sec) {
    throw new LoaderError(
      `program "${def.name}": section "${def.section}" is not a known program type (libbpf SEC() names: tracepoint/..., xdp, fentry/..., ...)`,
    );
  }
  const ext = sec.def.progType === "EXT" ? freplaceTarget(def, sec.target, opts) : undefined;
  const ops = structOpsAttach(structOps, def.name);
  if (sec.def.progType === "STRUCT_OPS" && !ops)
    throw new LoaderError(
      `program "${def.name}" (SEC("${def.section}")): a struct_ops program is loaded for the member of a struct_ops map it fills, and no map of the object holds it`,
    );
  const linked = linkProgram(obj, def, mapFds);
  const records =
    btf && obj.btfExt
      ? programBtfRecords(obj.btfExt, linked.pieces, (s) => btf.strings.find(s) ?? 0)
      : undefined;
  const attachBtfId = ext
    ? ext.btfId
    : ops
      ? ops.attachBtfId
      : sec.def.btfTarget
        ? hookForSection(def.section)?.hook.btfTargetId?.(sec.target)
        : undefined;
  const sourceOf = records?.sourceOf;
  const loadOpts: LoadOptions = { logLevel: opts.logLevel, logSize: opts.logSize, sourceOf };
  const program = loadProgram(
    {
      name: def.name,
      type: sec.progTypeId,
      insns: linked.insns,
      license: obj.license,
      kernVersion: obj.kernelVersion,
      expectedAttachType: ops ? ops.expectedAttachType : (sec.attachTypeId ?? 0),
      attachBtfId,
      attachBtfObjFd: ext?.progFd,
      flags:
        (sec.def.sleepable ? PROG_F_SLEEPABLE : 0) |
        (sec.def.frags ? PROG_F_XDP_HAS_FRAGS : 0) |
        (opts.progFlags ?? 0),
      btf: btf && {
        btfFd: btf.kernel.fd,
        funcInfo: records?.funcInfo,
        lineInfo: records?.lineInfo,
      },
    },
    loadOpts,
  );
  return { program, section: def.section, def, sourceOf };
}
