/**
 * Loading one program of an object (object-loader.ts): resolve its section (core/kernel sections
 * table), link its subprograms and patch map references (link-program.ts), attach func_info /
 * line_info (btf-records.ts), find what it attaches to (the struct_ops member, the function an
 * extension replaces, the BTF target of a tracing section), and load it; a verifier refusal of a
 * program with unresolved CO-RE relocations names the relocation instead. Also the object's own
 * BTF, loaded once for every program (dropped with a warning when the kernel rejects it).
 */
import { btfExtStrings, BtfStringReader, encodeBtf, splitBtf } from "../../core/btf/index.ts";
import { describeUnresolved, type AppliedCoreRelo } from "../../core/object/core-apply.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import type { BpfObject, BpfProgram } from "../../core/object/index.ts";
import { hookForSection } from "./attach/index.ts";
import { BtfLoadError, loadBtf, type KernelBtf } from "./btf-load.ts";
import { sanitizeBtf } from "./btf-sanitize.ts";
import { programBtfRecords } from "./btf-records.ts";
import { LoaderError, VerifierError } from "./errors.ts";
import { freplaceTargetId } from "./freplace-target.ts";
import { linkProgram } from "./link-program.ts";
import { loadProgram, type KernelProgram, type LoadOptions } from "./program.ts";
import { PROG_F_SLEEPABLE, PROG_F_XDP_HAS_FRAGS } from "./sys/constants.ts";
import { structOpsAttach, type StructOpsPlan } from "./struct-ops.ts";

/** Options of each program's load (`loadObject` takes them for every program). */
export interface ProgramLoadOptions {
  /** Verifier log level for every program (see `LoadOptions.logLevel`). */
  readonly logLevel?: number;
  readonly logSize?: number;
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
}

/** One loaded program with the facts it was loaded from. */
export interface LoadedProgram {
  readonly program: KernelProgram;
  readonly section: string;
  readonly def: BpfProgram;
  /** Slot → `source line @ file:line`, from line_info (absent without BTF line info). */
  readonly sourceOf?: (slot: number) => string | undefined;
}

/** The object's BTF in the kernel, and its strings (func/line info name them by offset). */
export interface ObjectBtf {
  readonly kernel: KernelBtf;
  readonly strings: BtfStringReader;
}

/** Loads the object's BTF, or warns and returns undefined when the kernel rejects it. */
export function loadObjectBtf(obj: BpfObject, warnings: string[]): ObjectBtf | undefined {
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

/**
 * Runs a program load; when the verifier refuses a program with unresolved (poisoned) CO-RE
 * relocations, the error names the relocation, its field chain and its source line instead.
 */
export function withCoreContext<T>(
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

/**
 * An extension program replaces a function of another loaded program: the kernel needs that
 * program's fd (attach_prog_fd) and the function's id in its BTF (freplace-target.ts).
 */
function freplaceTarget(
  def: BpfProgram,
  func: string,
  opts: ProgramLoadOptions,
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

/** Links and loads program `def` (see the header); `mapFds` by the object's map index. */
export function loadObjectProgram(
  obj: BpfObject,
  def: BpfProgram,
  mapFds: readonly number[],
  btf: ObjectBtf | undefined,
  opts: ProgramLoadOptions,
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
