/**
 * Saying precisely that the running kernel lacks a program or map kind, in one shape for every
 * refusal: the kind as the kernel names it (`a BPF_PROG_TYPE_LIRC_MODE2 program (attach type
 * BPF_LIRC_MODE2)`, `a BPF_MAP_TYPE_ARENA map`), the kernel release (`on Linux 6.18.44`), then why,
 * from evidence the system gives. The caller's `KernelError` adds which program or map (and its source
 * line) and what the kernel returned (command and errno).
 *
 * Evidence, read only when a refusal happens:
 * - the kernel's own BTF (/sys/kernel/btf/vmlinux): `enum bpf_prog_type` / `bpf_attach_type` /
 *   `bpf_map_type` hold every kind this kernel knows (a newer kind is missing); `struct
 *   bpf_ctx_convert` has a `<TYPE>_prog` member for every program type compiled in (its rows come from
 *   include/linux/bpf_types.h, each under the `CONFIG_*` that builds the type);
 * - for EPERM as root: kernel policy, and for programs that need a BPF trampoline the detailed
 *   explanation of trampoline-refusal.ts.
 *
 * Consumes kind numbers and an errno; produces one line of text, or undefined when the errno says
 * nothing about the kind (a bad size, a missing file ...), so the generic errno hint stays.
 */
import { release } from "node:os";
import { ATTACH_TYPE_RECORDS, mapKindById, programTypeById } from "../../core/kernel/index.ts";
import { vmlinuxBtf } from "./kernel-btf.ts";
import { ERRNO } from "./sys/errno.ts";

/** The running kernel's release (`uname -r`), which every refusal is about. */
export function kernelRelease(): string {
  return release();
}

/** `a BPF_PROG_TYPE_X program (attach type BPF_Y)`: a program kind as the kernel names it. */
export function describeProgramKind(progType: number, attachType: number): string {
  const prog = programTypeById(progType)?.name ?? `program type ${progType}`;
  const attach = attachType ? attachTypeName(attachType) : undefined;
  return `a ${prog} program${attach ? ` (attach type ${attach})` : ""}`;
}

/** `a BPF_MAP_TYPE_X map`: a map kind as the kernel names it. */
export function describeMapKind(mapType: number): string {
  return `a ${mapKindById(mapType)?.name ?? `map type ${mapType}`} map`;
}

/** `a BPF_PROG_TYPE_X program (attach type BPF_Y) on Linux <release>`. */
export function programKindOnKernel(progType: number, attachType: number): string {
  return `${describeProgramKind(progType, attachType)} on Linux ${kernelRelease()}`;
}

function attachTypeName(id: number): string {
  return ATTACH_TYPE_RECORDS.find((r) => r.id === id)?.name ?? `attach type ${id}`;
}

/** Members of an enum of the running kernel's BTF, or undefined when the BTF cannot be read. */
function kernelEnum(enumName: string): { name: string; value: bigint }[] | undefined {
  try {
    const btf = vmlinuxBtf();
    const id = btf.find("enum", enumName);
    return id === undefined ? undefined : btf.enumValues(id);
  } catch {
    return undefined;
  }
}

/** Program types compiled into the running kernel (`struct bpf_ctx_convert`), or undefined. */
function builtProgramTypes(): ReadonlySet<string> | undefined {
  try {
    const btf = vmlinuxBtf();
    const id = btf.find("struct", "bpf_ctx_convert");
    if (id === undefined) return undefined;
    const names = btf.fields(id).map((f) => f.name);
    return new Set(names.filter((n) => n.endsWith("_prog")).map((n) => n.slice(0, -5)));
  } catch {
    return undefined;
  }
}

/**
 * "does not know" text when the kernel's enum `enumName` has no member numbered `id` (a kind newer
 * than the kernel), or undefined when it has one (or the BTF cannot say).
 */
function unknownTo(enumName: string, id: number, name: string): string | undefined {
  const members = kernelEnum(enumName);
  if (!members || members.some((m) => m.value === BigInt(id) && !m.name.startsWith("__MAX")))
    return undefined;
  return `this kernel does not know ${name} (number ${id} is not a member of its BTF enum ${enumName}: the kind is newer than the kernel)`;
}

/**
 * Why BPF_PROG_LOAD refused a program before the verifier ran (no verifier log), when the answer is
 * about its kind: unknown or not compiled-in program type, unknown attach type, or kernel policy.
 * `trampoline` explains EPERM for the kinds that need a BPF trampoline (trampoline-refusal.ts).
 */
export function programKindRefusal(
  progType: number,
  attachType: number,
  errno: number,
  trampoline?: () => string,
): string | undefined {
  const head = programKindOnKernel(progType, attachType);
  if (errno === ERRNO.EPERM && process.getuid?.() === 0) {
    if (trampoline) return trampoline();
    return `${head} is refused even as root, before verification: kernel lockdown or an LSM forbids it`;
  }
  if (errno !== ERRNO.EINVAL && errno !== ERRNO.EOPNOTSUPP && errno !== ERRNO.ENOTSUPP)
    return undefined;
  const progName = programTypeById(progType)?.name;
  const unknown =
    unknownTo("bpf_prog_type", progType, progName ?? `program type ${progType}`) ??
    (attachType ? unknownTo("bpf_attach_type", attachType, attachTypeName(attachType)) : undefined);
  if (unknown) return `${head}: ${unknown}`;
  const built = builtProgramTypes();
  if (progName && built && !built.has(progName)) {
    return (
      `${head}: this kernel is built without ${progName} (struct bpf_ctx_convert in its BTF, ` +
      "which lists the program types compiled in, has no such member)"
    );
  }
  return `${head}: refused before verification (no verifier log): this kernel does not accept the program type with this expected attach type and these load flags`;
}

/** Why BPF_MAP_CREATE refused a map, when the answer is about its kind (unknown type, policy). */
export function mapKindRefusal(mapType: number, errno: number): string | undefined {
  const head = `${describeMapKind(mapType)} on Linux ${kernelRelease()}`;
  if (errno === ERRNO.EPERM && process.getuid?.() === 0)
    return `${head} is refused even as root: kernel lockdown or an LSM forbids it`;
  if (errno !== ERRNO.EINVAL && errno !== ERRNO.EOPNOTSUPP && errno !== ERRNO.ENOTSUPP)
    return undefined;
  const name = mapKindById(mapType)?.name ?? `map type ${mapType}`;
  const unknown = unknownTo("bpf_map_type", mapType, name);
  return unknown && `${head}: ${unknown}`;
}
