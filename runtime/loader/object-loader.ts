/**
 * Loading a whole BPF object file into the kernel, libbpf-style, with no libbpf:
 * read the ELF (core/object) → load its BTF → create every map (object-maps.ts: BTF-defined,
 * legacy, and the `.bss` / `.data` / `.rodata` global-data arrays with their initial bytes;
 * `.rodata` frozen) → load each program (object-programs.ts: section, linking, func/line info,
 * attach target) → fill the initial values that name maps and programs. struct_ops
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
import { BtfError, type LazyBtf } from "../../core/btf/index.ts";
import { openBtfFile } from "../../core/btf/file.ts";
import {
  applyCoreRelocations,
  hasCoreRelocations,
  type AppliedCoreRelo,
} from "../../core/object/core-apply.ts";
import { vmlinuxBtf } from "./kernel-btf.ts";
import { ObjectError, readBpfObject, type BpfObject } from "../../core/object/index.ts";
import { attachBySection, type AttachOptions, type KernelLink } from "./attach/index.ts";
import type { KernelBtf } from "./btf-load.ts";
import { defaultUsdtCookies } from "./usdt-mode.ts";
import { LoaderError } from "./errors.ts";
import { FdScope } from "./fd.ts";
import { createObjectMap, fillInitialValues } from "./object-maps.ts";
import {
  loadObjectBtf,
  loadObjectProgram,
  withCoreContext,
  type LoadedProgram,
  type ProgramLoadOptions,
} from "./object-programs.ts";
import { KernelMap } from "./map.ts";
import { mapInfo } from "./info.ts";
import { DEFAULT_PIN_ROOT, LIBBPF_PIN_BY_NAME, pinnedByName } from "./pin.ts";
import type { KernelProgram } from "./program.ts";
import {
  createStructOpsMap,
  planStructOps,
  registerStructOps,
  type StructOpsPlan,
} from "./struct-ops.ts";

export type { LoadedProgram } from "./object-programs.ts";

/** Options for `loadObject` (with those of each program's load, object-programs.ts). */
export interface ObjectLoadOptions extends ProgramLoadOptions {
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
   * How usdt programs that read arguments find their site's spec (core/usdt `USDT_MODE_MAP`):
   * true, by the attachment's bpf cookie; false, by the probe's address in the IP map, as libbpf
   * does on kernels without bpf_get_attach_cookie (sites in a shared object then need a pid).
   * Default: cookies when this kernel gives kprobe programs bpf_get_attach_cookie, unless the
   * environment's `TSBPF_USDT_COOKIES` is `0` or `1` (usdt-mode.ts).
   */
  readonly usdtCookies?: boolean;
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
