/**
 * struct_ops maps in the kernel, as libbpf does it (bpf_map__init_kern_struct_ops,
 * bpf_object__create_map, bpf_map__attach_struct_ops) with no libbpf:
 * 1. the kernel's ids from the running kernel's BTF: the ops struct (`tcp_congestion_ops`, the
 *    attach_btf_id of every program filling it) and its wrapper `bpf_struct_ops_tcp_congestion_ops`
 *    (the map's btf_vmlinux_value_type_id; its `data` member is the ops struct);
 * 2. each member of the object's struct found by name in the kernel's: a function pointer holding a
 *    program gives that program expected_attach_type = the kernel member's index; data is copied
 *    from the object's layout into the kernel's (sizes must agree);
 * 3. the map: BPF_MAP_TYPE_STRUCT_OPS, key u32, value the wrapper, max_entries 1, BPF_F_LINK for
 *    `.struct_ops.link`;
 * 4. registering: the value (program fds in the function slots, the data, the rest zero) is written
 *    with one update; a plain map is then registered (unregistered by deleting the element), a
 *    link map is registered by BPF_LINK_CREATE on the map fd (unregistered by closing the link).
 *
 * A kernel without the ops struct (or without its wrapper) is a LoaderError in kind-refusal.ts's
 * shape: the map kind, the kernel release and what its BTF lacks.
 */
import type { BpfMapDef, BpfObject } from "../../core/object/index.ts";
import { btfSizeof, btfType, resolveType, type Btf } from "../../core/btf/index.ts";
import { BPF_MAP_TYPE } from "../../core/kernel/index.ts";
import { KernelLink } from "./attach/link.ts";
import { KernelError, LoaderError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { VMLINUX_BTF, vmlinuxBtf } from "./kernel-btf.ts";
import { describeMapKind, kernelRelease } from "./kind-refusal.ts";
import { createMap, type KernelMap } from "./map.ts";
import { tryBpf } from "./sys/bpf.ts";
import { AttachType, BpfCmd, MapFlag } from "./sys/constants.ts";
import { ERRNO } from "./sys/errno.ts";
import { LINK_CREATE, MAP_ELEM } from "./sys/layouts.ts";

/** What one struct_ops map needs from the kernel, resolved before its programs load. */
export interface StructOpsPlan {
  readonly def: BpfMapDef;
  /** vmlinux id of the ops struct: every member program's attach_btf_id. */
  readonly structId: number;
  /** vmlinux id of `bpf_struct_ops_<struct>`, the map's value type. */
  readonly wrapperId: number;
  readonly valueSize: number;
  /** The value with the data members copied and the function slots zero. */
  readonly value: Uint8Array;
  /** Per program of the map: its member's index and the byte offset of its slot in `value`. */
  readonly programs: ReadonlyMap<string, { readonly member: number; readonly slot: number }>;
  /** The text of its `name` member (a char array: tcp_congestion_ops, sched_ext_ops ...), if any. */
  readonly name?: string;
}

const isStructOps = (def: BpfMapDef) => def.type === BPF_MAP_TYPE.BPF_MAP_TYPE_STRUCT_OPS;

/** The plans of every struct_ops map of `obj` (empty when it has none). */
export function planStructOps(obj: BpfObject): StructOpsPlan[] {
  const defs = obj.maps.filter(isStructOps);
  if (defs.length === 0) return [];
  if (!obj.btf) throw new LoaderError("struct_ops maps need the object's BTF (its ops structs)");
  const kernel = vmlinuxBtf();
  return defs.map((def) => plan(def, obj.btf!, kernel));
}

function plan(def: BpfMapDef, btf: Btf, kernel: ReturnType<typeof vmlinuxBtf>): StructOpsPlan {
  const ops = def.structOps;
  if (!ops) throw new LoaderError(`map "${def.name}": a STRUCT_OPS map outside .struct_ops`);
  const head = `map "${def.name}" (struct ${ops.struct})`;
  const lacks = (what: string) =>
    new LoaderError(
      `${head}: ${describeMapKind(def.type)} of struct ${ops.struct} on Linux ${kernelRelease()}: ` +
        `this kernel does not have it (${what} in ${VMLINUX_BTF})`,
    );
  const structId = kernel.find("struct", ops.struct);
  if (structId === undefined) throw lacks(`no struct ${ops.struct}`);
  const wrapperId = kernel.find("struct", `bpf_struct_ops_${ops.struct}`);
  if (wrapperId === undefined)
    throw lacks(`no struct bpf_struct_ops_${ops.struct}, so it is not a struct_ops type here`);
  const data = kernel.fields(wrapperId).find((f) => f.name === "data");
  if (!data || kernel.resolve(data.type) !== structId)
    throw lacks(`bpf_struct_ops_${ops.struct} has no member data of struct ${ops.struct}`);
  const dataOff = data.bitOffset / 8;
  const valueSize = kernel.sizeOf(wrapperId);
  const value = new Uint8Array(valueSize);
  const local = btfType(btf, resolveType(btf, def.valueTypeId));
  if (local.kind !== "struct") throw new LoaderError(`${head}: its BTF type is not a struct`);
  const kfields = kernel.fields(structId);
  const funcAt = new Map(ops.funcs.map((f) => [f.offset, f.program]));
  const programs = new Map<string, { member: number; slot: number }>();
  const init = def.initialValue ?? new Uint8Array(def.valueSize);
  for (const m of local.members) {
    const off = m.bitOffset / 8;
    const index = kfields.findIndex((k) => k.name === m.name);
    const program = funcAt.get(off);
    const size = btfSizeof(btf, m.type);
    const bytes = init.subarray(off, off + size);
    if (index < 0) {
      // libbpf: a member the kernel lacks is fine as long as the object leaves it zero.
      if (program !== undefined || bytes.some((b) => b !== 0))
        throw new LoaderError(
          `${head}: member ${m.name} is not in this kernel's struct ${ops.struct} (Linux ${kernelRelease()})`,
        );
      continue;
    }
    const k = kfields[index]!;
    if (k.bitfieldSize || m.bitfieldSize)
      throw new LoaderError(`${head}: member ${m.name} is a bitfield, which struct_ops cannot set`);
    const kOff = dataOff + k.bitOffset / 8;
    if (program !== undefined) {
      programs.set(program, { member: index, slot: kOff });
      continue;
    }
    if (bytes.every((b) => b === 0)) continue;
    const kSize = kernel.sizeOf(k.type);
    if (kSize !== size)
      throw new LoaderError(
        `${head}: member ${m.name} is ${size} bytes in the object but ${kSize} in this kernel`,
      );
    value.set(bytes, kOff);
  }
  const named = local.members.find((m) => m.name === "name");
  const name = named && textOf(btf, named.type, init.subarray(named.bitOffset / 8));
  return { def, structId, wrapperId, valueSize, value, programs, ...(name ? { name } : {}) };
}

/** The NUL-terminated text of a char-array member, or undefined for any other type. */
function textOf(btf: Btf, type: number, bytes: Uint8Array): string | undefined {
  const t = btfType(btf, resolveType(btf, type));
  if (t.kind !== "array" || btfSizeof(btf, t.type) !== 1) return undefined;
  const raw = bytes.subarray(0, t.nelems);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end)) || undefined;
}

/** The attach facts of program `name` when it fills a struct_ops member, else undefined. */
export function structOpsAttach(
  plans: readonly StructOpsPlan[],
  name: string,
): { readonly attachBtfId: number; readonly expectedAttachType: number } | undefined {
  for (const p of plans) {
    const hit = p.programs.get(name);
    if (hit) return { attachBtfId: p.structId, expectedAttachType: hit.member };
  }
  return undefined;
}

/**
 * Creates the map of a plan (its value is written when it is registered). The kernel wants the
 * object's BTF fd with it even though the value type is vmlinux's (kernel/bpf/syscall.c,
 * map_create: a btf_vmlinux_value_type_id without a valid btf_fd is EINVAL).
 */
export function createStructOpsMap(p: StructOpsPlan, btfFd: number | undefined): KernelMap {
  if (btfFd === undefined)
    throw new LoaderError(
      `map "${p.def.name}" (struct ${p.def.structOps!.struct}): a struct_ops map is created with the object's BTF, and it was not loaded`,
    );
  return createMap({
    name: p.def.name,
    type: p.def.type,
    keySize: 4,
    valueSize: p.valueSize,
    maxEntries: 1,
    flags: p.def.flags | (p.def.structOps!.link ? MapFlag.LINK : 0),
    btfFd,
    btfVmlinuxValueTypeId: p.wrapperId,
  });
}

/** A registered struct_ops map: detaching unregisters it (closing its link, or deleting it). */
class StructOpsRegistration extends KernelLink {
  constructor(
    target: string,
    links: readonly OwnedFd[],
    private readonly map: KernelMap,
  ) {
    super("struct_ops", target, links);
  }

  override detach(): void {
    if (this.isDetached) return;
    // A plain struct_ops map is unregistered by deleting its one element (libbpf
    // bpf_link__detach_struct_ops); a link map by closing the link.
    if (this.links.length === 0 && !this.map.handle.isClosed) this.map.delete(new Uint8Array(4));
    super.detach();
  }
}

/**
 * Registers struct_ops map `map` of plan `p` with the kernel subsystem: writes the value with
 * the fd of each member's program, then (link maps) creates the BPF link.
 */
export function registerStructOps(
  p: StructOpsPlan,
  map: KernelMap,
  programFd: (name: string) => number | undefined,
): KernelLink {
  const value = p.value.slice();
  const view = new DataView(value.buffer);
  for (const [name, { slot }] of p.programs) {
    const fd = programFd(name);
    if (fd === undefined)
      throw new LoaderError(
        `map "${p.def.name}": program ${name} fills one of its members but was not loaded`,
      );
    view.setBigUint64(slot, BigInt(fd), true);
  }
  const struct = p.def.structOps!.struct;
  const link = p.def.structOps!.link;
  const what = `registering struct_ops map "${p.def.name}" (struct ${struct}${p.name ? ` "${p.name}"` : ""})`;
  const update = tryBpf(BpfCmd.MAP_UPDATE_ELEM, MAP_ELEM, {
    map_fd: map.fd,
    key: new Uint8Array(4),
    value,
    flags: 0,
  });
  // A plain map registers on this update; a link map only checks and stores the value here.
  if (update.errno !== 0)
    throw registrationError("BPF_MAP_UPDATE_ELEM", update.errno, what, struct, p.name);
  const target = `${struct} ${p.def.name}`;
  if (!link) return new StructOpsRegistration(target, [], map);
  const r = tryBpf(BpfCmd.LINK_CREATE, LINK_CREATE, {
    prog_fd: map.fd,
    attach_type: AttachType.STRUCT_OPS,
  });
  if (r.errno !== 0)
    throw registrationError(
      "BPF_LINK_CREATE",
      r.errno,
      `${what} through a BPF link`,
      struct,
      p.name,
    );
  return new StructOpsRegistration(target, [new OwnedFd(r.ret)], map);
}

/**
 * What a refused registration means: the subsystem's own checks run in it (the ops struct's
 * validate / reg callbacks), and they answer EEXIST for a name it already holds and EINVAL for a
 * value it does not take.
 */
function registrationError(
  command: string,
  errno: number,
  what: string,
  struct: string,
  name: string | undefined,
): KernelError {
  const hint =
    errno === ERRNO.EEXIST
      ? `the kernel already has a struct ${struct} registered${name ? ` under the name "${name}"` : " with this identity"} (another registration of this object, or the kernel's own; \`bpftool struct_ops show\` lists the BPF ones)`
      : errno === ERRNO.EINVAL
        ? `the kernel's checks of struct ${struct} refused the value: a member it requires is missing, or a data member is out of range (each subsystem's validate callback decides; for tcp_congestion_ops see net/ipv4/tcp_cong.c, tcp_validate_congestion_control)`
        : undefined;
  return new KernelError(command, errno, what, hint);
}
