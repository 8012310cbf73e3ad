/**
 * USDT argument specs: what a `.note.stapsdt` note's argument string says about each argument
 * (`-4@%edi`, `8@-16(%rbp)`, `-4@$5`, `8@(%rax,%rdx,8)`: x86-64 AT&T operands that gcc/clang's
 * <sys/sdt.h> asm emits), and the binary spec record the loader writes into the program's spec map
 * so the program can fetch the argument at run time, as libbpf's usdt.c / usdt.bpf.h do.
 *
 * Consumes argument strings; produces `UsdtArg` records and spec bytes. Shared by the compiler (the
 * record layout it reads), the loader (which fills the map at attach time, one spec per distinct
 * argument string, its id the attachment's bpf cookie) and the VM (which does the same for a run).
 *
 * The spec record (`struct tsbpf_usdt_spec`, little-endian), `USDT_MAX_ARGS` argument slots then
 * the count:
 * ```
 *   per argument, 24 bytes at 24*i:
 *     +0  u64 valOff      displacement (deref, SIB) or the constant (const)
 *     +8  u32 type        0 const, 1 register, 2 register dereference, 3 SIB dereference
 *     +12 i16 regOff      offset in struct pt_regs of the (base) register
 *     +14 i16 idxRegOff   offset in struct pt_regs of the index register (SIB)
 *     +16 u8  signed      1: sign-extend from the argument's size
 *     +17 u8  bitShift    64 - 8 * size: the value is (v << bitShift) >> bitShift
 *     +18 u8  scaleShift  log2 of the SIB scale
 *   +288 u32 argCount
 * ```
 * A program computes argument n as: `v = valOff` (const); `v = regs[regOff]` (register);
 * `v = *(u64 *)(regs[regOff] + valOff)` read with bpf_probe_read_user (dereference);
 * `v = *(u64 *)(regs[regOff] + (regs[idxRegOff] << scaleShift) + valOff)` (SIB); then narrows it
 * with the two shifts. Slots past argCount are zero: a const 0.
 */
import { contextOffset } from "../kernel/index.ts";

/** One argument of a probe site: how to fetch it. */
export type UsdtArg =
  | { readonly kind: "reg"; readonly size: number; readonly signed: boolean; readonly reg: string }
  | {
      readonly kind: "mem";
      readonly size: number;
      readonly signed: boolean;
      readonly reg: string;
      readonly offset: number;
    }
  | {
      readonly kind: "sib";
      readonly size: number;
      readonly signed: boolean;
      readonly reg: string;
      readonly index: string;
      readonly scale: 1 | 2 | 4 | 8;
      readonly offset: number;
    }
  | {
      readonly kind: "const";
      readonly size: number;
      readonly signed: boolean;
      readonly value: bigint;
    };

/** A malformed or unsupported argument spec. */
export class UsdtSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsdtSpecError";
  }
}

/** The name of the spec map a program that reads USDT arguments carries. */
export const USDT_SPEC_MAP = "tsbpf_usdt_specs";
/**
 * The map a program that reads USDT arguments looks a site's spec id up in by the probe's address
 * (`regs->ip`) when attachments carry no bpf cookie (libbpf's `__bpf_usdt_ip_to_spec_id`, for
 * kernels without bpf_get_attach_cookie): a hash from the u64 absolute address to the u32 spec id.
 */
export const USDT_IP_MAP = "tsbpf_usdt_ip_specs";
/** Entries of the IP map (libbpf's BPF_USDT_MAX_IP_CNT). */
export const USDT_MAX_IPS = 4 * 256;
/**
 * The one-entry array, read-only for programs and frozen by the loader before any program loads,
 * whose u32 says how a program finds its spec: `UsdtSpecLookup` (libbpf's LINUX_HAS_BPF_COOKIE
 * kconfig). The verifier sees the frozen value as a constant and drops the other path, so a kernel
 * without bpf_get_attach_cookie loads the program in IP mode.
 */
export const USDT_MODE_MAP = "tsbpf_usdt_mode";
/** The values of the mode map. */
export const UsdtSpecLookup = { cookie: 0, ip: 1 } as const;
/** The maps the loader fills for USDT argument reads (not the program's own data). */
export const USDT_LOADER_MAPS: readonly string[] = [USDT_SPEC_MAP, USDT_IP_MAP, USDT_MODE_MAP];
/** The IP map entry of a site: its absolute address (u64) → its spec id (u32), little-endian. */
export function usdtIpEntry(address: bigint, specId: number): [Uint8Array, Uint8Array] {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, address, true);
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, specId, true);
  return [key, value];
}
/** The mode map's one entry: key 0 → the lookup mode (u32). */
export function usdtModeEntry(cookies: boolean): [Uint8Array, Uint8Array] {
  const mode = cookies ? UsdtSpecLookup.cookie : UsdtSpecLookup.ip;
  return [new Uint8Array(4), Uint8Array.of(mode, 0, 0, 0)];
}
/** Argument slots of a spec (libbpf's BPF_USDT_MAX_ARG_CNT). */
export const USDT_MAX_ARGS = 12;
/** Entries of the spec map: distinct specs one program can be attached with. */
export const USDT_MAX_SPECS = 256;
/** Bytes of one argument slot. */
export const USDT_ARG_SIZE = 24;
/** Field offsets of an argument slot. */
export const USDT_ARG_FIELDS = {
  valOff: 0,
  type: 8,
  regOff: 12,
  idxRegOff: 14,
  signed: 16,
  bitShift: 17,
  scaleShift: 18,
} as const;
/** Offset of the argument count in a spec. */
export const USDT_ARG_COUNT_OFFSET = USDT_MAX_ARGS * USDT_ARG_SIZE;
/** Bytes of one spec record. */
export const USDT_SPEC_SIZE = USDT_ARG_COUNT_OFFSET + 8;
/** The `type` of an argument slot. */
export const UsdtArgType = { const: 0, reg: 1, deref: 2, sib: 3 } as const;

/**
 * x86-64 register names, every width of each, by the 64-bit register whose `struct pt_regs` field
 * holds it (AT&T names, as gcc and clang write them in sdt.h operands). The 8-bit high halves
 * (%ah ...) are left out: libbpf refuses them too, and compilers do not put probe arguments there.
 */
const X86_REGISTERS: Readonly<Record<string, readonly string[]>> = {
  rax: ["rax", "eax", "ax", "al"],
  rbx: ["rbx", "ebx", "bx", "bl"],
  rcx: ["rcx", "ecx", "cx", "cl"],
  rdx: ["rdx", "edx", "dx", "dl"],
  rsi: ["rsi", "esi", "si", "sil"],
  rdi: ["rdi", "edi", "di", "dil"],
  rbp: ["rbp", "ebp", "bp", "bpl"],
  rsp: ["rsp", "esp", "sp", "spl"],
  rip: ["rip", "eip"],
  ...Object.fromEntries(
    [8, 9, 10, 11, 12, 13, 14, 15].map((n) => [`r${n}`, [`r${n}`, `r${n}d`, `r${n}w`, `r${n}b`]]),
  ),
};
const REGISTER_OF = new Map(
  Object.entries(X86_REGISTERS).flatMap(([full, names]) => names.map((n) => [n, full] as const)),
);

/** The 64-bit register (its pt_regs field name) an AT&T register name is part of. */
export function usdtRegister(name: string): string {
  const full = REGISTER_OF.get(name.toLowerCase());
  if (!full) throw new UsdtSpecError(`"%${name}" is not an x86-64 register`);
  return full;
}

/** Offset of register `name`'s field in x86-64 `struct pt_regs` (core/kernel's layout). */
export function ptRegsOffset(name: string): number {
  return contextOffset("pt_regs", usdtRegister(name));
}

const NUM = "-?(?:0x[0-9a-f]+|\\d+)";
const REG = "%([a-z0-9]+)";
const REG_FORM = new RegExp(`^${REG}$`, "i");
const CONST_FORM = new RegExp(`^\\$(${NUM})$`, "i");
const DEREF_FORM = new RegExp(`^(${NUM})?\\(${REG}\\)$`, "i");
const SIB_FORM = new RegExp(`^(${NUM})?\\(${REG},${REG}(?:,(\\d+))?\\)$`, "i");

function parseNumber(text: string): bigint {
  return text.startsWith("-") ? -BigInt(text.slice(1)) : BigInt(text);
}

/** Parses one `[-]size@operand` argument spec (x86-64 AT&T syntax). */
export function parseUsdtArg(text: string): UsdtArg {
  const m = /^(-?)(\d+)@(.+)$/.exec(text);
  if (!m) throw new UsdtSpecError(`USDT argument "${text}" is not [-]size@operand`);
  const size = Number(m[2]);
  if (![1, 2, 4, 8].includes(size))
    throw new UsdtSpecError(`USDT argument "${text}" has size ${size}; sizes are 1, 2, 4 or 8`);
  const signed = m[1] === "-";
  const op = m[3]!;
  let r: RegExpExecArray | null;
  if ((r = REG_FORM.exec(op))) return { kind: "reg", size, signed, reg: usdtRegister(r[1]!) };
  if ((r = CONST_FORM.exec(op))) return { kind: "const", size, signed, value: parseNumber(r[1]!) };
  if ((r = DEREF_FORM.exec(op))) {
    const offset = r[1] ? Number(parseNumber(r[1])) : 0;
    return { kind: "mem", size, signed, reg: usdtRegister(r[2]!), offset };
  }
  if ((r = SIB_FORM.exec(op))) {
    const scale = r[4] ? Number(r[4]) : 1;
    if (scale !== 1 && scale !== 2 && scale !== 4 && scale !== 8)
      throw new UsdtSpecError(
        `USDT argument "${text}" has scale ${scale}; scales are 1, 2, 4 or 8`,
      );
    return {
      kind: "sib",
      size,
      signed,
      reg: usdtRegister(r[2]!),
      index: usdtRegister(r[3]!),
      scale,
      offset: r[1] ? Number(parseNumber(r[1])) : 0,
    };
  }
  throw new UsdtSpecError(
    `USDT argument "${text}": operand "${op}" is not %reg, off(%reg), off(%base,%index,scale) or $constant` +
      (/[a-z_.]\w*[+-]?\d*\(%rip\)/i.test(op)
        ? " (a symbol relative to %rip is not supported)"
        : ""),
  );
}

/** Parses a note's whole argument string (space-separated specs; empty for none). */
export function parseUsdtArgs(text: string): UsdtArg[] {
  const t = text.trim();
  return t === "" ? [] : t.split(/\s+/).map(parseUsdtArg);
}

/** The spec record of a probe site's arguments (layout above). */
export function encodeUsdtSpec(args: readonly UsdtArg[]): Uint8Array {
  if (args.length > USDT_MAX_ARGS)
    throw new UsdtSpecError(
      `a USDT probe has ${args.length} arguments; at most ${USDT_MAX_ARGS} can be read`,
    );
  const out = new Uint8Array(USDT_SPEC_SIZE);
  const v = new DataView(out.buffer);
  const F = USDT_ARG_FIELDS;
  args.forEach((a, i) => {
    const at = i * USDT_ARG_SIZE;
    const valOff = a.kind === "const" ? a.value : a.kind === "reg" ? 0n : BigInt(a.offset);
    v.setBigUint64(at + F.valOff, BigInt.asUintN(64, valOff), true);
    v.setUint32(at + F.type, a.kind === "mem" ? UsdtArgType.deref : UsdtArgType[a.kind], true);
    if (a.kind !== "const") v.setInt16(at + F.regOff, ptRegsOffset(a.reg), true);
    if (a.kind === "sib") {
      v.setInt16(at + F.idxRegOff, ptRegsOffset(a.index), true);
      v.setUint8(at + F.scaleShift, Math.log2(a.scale));
    }
    v.setUint8(at + F.signed, a.signed ? 1 : 0);
    v.setUint8(at + F.bitShift, 64 - 8 * a.size);
  });
  v.setUint32(USDT_ARG_COUNT_OFFSET, args.length, true);
  return out;
}

/** An object's spec map and the ids of the argument strings already written to it. */
export interface UsdtSpecTable {
  readonly map: { update(key: Uint8Array, value: Uint8Array): void };
  readonly ids: Map<string, number>;
  /**
   * In IP mode (`UsdtSpecLookup.ip`): the IP map, where each site's absolute address is written
   * with its spec id instead of attaching the site with a cookie.
   */
  readonly ipMap?: { update(key: Uint8Array, value: Uint8Array): void };
}

/**
 * The spec id (the attachment's bpf cookie) of a site's argument string, writing its spec into the
 * table's map the first time: sites with the same string share one spec, as in libbpf's usdt.c.
 */
export function usdtSpecId(
  table: UsdtSpecTable,
  argText: string,
  args: readonly UsdtArg[] = parseUsdtArgs(argText),
): number {
  const known = table.ids.get(argText);
  if (known !== undefined) return known;
  const id = table.ids.size;
  if (id >= USDT_MAX_SPECS)
    throw new UsdtSpecError(
      `the object's USDT spec map is full (${USDT_MAX_SPECS} distinct argument specs)`,
    );
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, id, true);
  table.map.update(key, encodeUsdtSpec(args));
  table.ids.set(argText, id);
  return id;
}
