/**
 * The textual instruction syntax shared by the disassembler (disasm.ts) and the assembler (asm.ts).
 *
 * Consumes the `syntax` template of each `INSNS` row; produces the parsed templates (`TEMPLATES`), the
 * register-naming rule (`registerPrefix`), number formatting, and the names of lddw pseudo sources.
 * Both directions read these, so printing and parsing cannot drift apart.
 *
 * Invariants: every row's template parses (unknown placeholders throw at load time); a register
 * placeholder directly followed by `{off}` or `{immoff}` is an address and always prints `rN`.
 */
import { PseudoSrc } from "./opcode.ts";
import { INSNS, type InsnSpec } from "./table.ts";

/** The placeholders a template may contain (see `InsnSpec.syntax`). */
export type Placeholder =
  "dst" | "src" | "imm" | "off" | "target" | "pctarget" | "immoff" | "imm64";

/** One piece of a parsed template: literal text, or a placeholder. */
export type TemplatePart =
  | { readonly kind: "lit"; readonly text: string }
  | {
      readonly kind: "hole";
      readonly name: Placeholder;
      /** Register holes only: the register is a memory address (followed by an offset). */
      readonly isAddress: boolean;
    };

const PLACEHOLDERS: ReadonlySet<string> = new Set([
  "dst",
  "src",
  "imm",
  "off",
  "target",
  "pctarget",
  "immoff",
  "imm64",
]);

/** Splits a syntax template into literal and placeholder parts; throws on an unknown placeholder. */
export function parseTemplate(syntax: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const re = /\{([a-z0-9]+)\}/g;
  let last = 0;
  for (let m = re.exec(syntax); m; m = re.exec(syntax)) {
    if (m.index > last) parts.push({ kind: "lit", text: syntax.slice(last, m.index) });
    const name = m[1]!;
    if (!PLACEHOLDERS.has(name)) throw new Error(`unknown placeholder {${name}} in "${syntax}"`);
    const next = syntax.slice(m.index + m[0].length);
    parts.push({
      kind: "hole",
      name: name as Placeholder,
      isAddress: next.startsWith("{off}") || next.startsWith("{immoff}"),
    });
    last = m.index + m[0].length;
  }
  if (last < syntax.length) parts.push({ kind: "lit", text: syntax.slice(last) });
  return parts;
}

/** Parsed template of every row, indexed by row id. */
export const TEMPLATES: readonly (readonly TemplatePart[])[] = INSNS.map((s) =>
  Object.freeze(parseTemplate(s.syntax)),
);

/**
 * True for rows whose value register llvm prints as `wN` only under `--mattr=+alu32`: sub-64-bit loads
 * (not the sign-extending ones) and stores, and 32-bit atomics (which llvm also accepts with `rN`).
 */
export function hasAlu32Variant(spec: InsnSpec): boolean {
  if (spec.kind === "ldx") return spec.extBits === 0 && spec.memSize < 8;
  if (spec.kind === "stx") return spec.memSize < 8;
  return spec.kind === "atomic" && spec.width === 32;
}

/**
 * The register letter a placeholder prints with: `r` for addresses and 64-bit operands, `w` for
 * 32-bit operands; with `alu32`, also `w` for the value of sub-64-bit loads and stores, as
 * `llvm-objdump --mattr=+alu32` prints them.
 */
export function registerPrefix(spec: InsnSpec, isAddress: boolean, alu32: boolean): "r" | "w" {
  if (isAddress) return "r";
  if (spec.width === 32) return "w";
  return alu32 && hasAlu32Variant(spec) ? "w" : "r";
}

/** Formats an integer as decimal or as llvm-style signed hex (`-0x4`, `0x1f`). */
export function formatNumber(value: number | bigint, hex: boolean): string {
  const v = BigInt(value);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  return (neg ? "-" : "") + (hex ? `0x${abs.toString(16)}` : abs.toString(10));
}

/** Formats a signed quantity with an explicit sign: `+3`, `-2`, `+0x21` (jump targets). */
export function formatSigned(value: number, hex: boolean): string {
  return value < 0 ? formatNumber(value, hex) : `+${formatNumber(value, hex)}`;
}

/** Parses an unsigned decimal or `0x` hex literal (no sign); undefined if it is not one. */
export function parseNumber(text: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text) || /^[0-9]+$/.test(text)) return BigInt(text);
  return undefined;
}

/** How an lddw pseudo source is spelled: `name(imm)`, then `+imm2` when it carries an offset. */
export interface PseudoSyntax {
  readonly src: number;
  readonly name: string;
  /** imm2 is an offset into a map value, always printed (`map_value(3)+16`). */
  readonly hasValueOffset: boolean;
  /** imm is a pc-relative slot offset (`func(+5)`), so it may also be written as a label. */
  readonly isPcRelative: boolean;
}

/** The named lddw pseudo sources (kernel uapi `BPF_PSEUDO_*`, RFC 9669 §5.4). */
export const PSEUDO_SYNTAX: readonly PseudoSyntax[] = [
  { src: PseudoSrc.MAP_FD, name: "map_fd", hasValueOffset: false, isPcRelative: false },
  { src: PseudoSrc.MAP_VALUE, name: "map_value", hasValueOffset: true, isPcRelative: false },
  { src: PseudoSrc.BTF_ID, name: "btf_id", hasValueOffset: false, isPcRelative: false },
  { src: PseudoSrc.FUNC, name: "func", hasValueOffset: false, isPcRelative: true },
  { src: PseudoSrc.MAP_IDX, name: "map_idx", hasValueOffset: false, isPcRelative: false },
  {
    src: PseudoSrc.MAP_IDX_VALUE,
    name: "map_idx_value",
    hasValueOffset: true,
    isPcRelative: false,
  },
];

/**
 * The spelling of lddw source value `src`: a named pseudo source, or `pseudoN` for values the kernel
 * does not define (printed so that such bytecode still round-trips; the validator reports it).
 */
export function pseudoSyntax(src: number): PseudoSyntax {
  return (
    PSEUDO_SYNTAX.find((p) => p.src === src) ?? {
      src,
      name: `pseudo${src}`,
      hasValueOffset: false,
      isPcRelative: false,
    }
  );
}

/** Finds a pseudo source by its spelling (`map_fd`, `pseudo9`, ...). */
export function pseudoByName(name: string): PseudoSyntax | undefined {
  const known = PSEUDO_SYNTAX.find((p) => p.name === name);
  if (known) return known;
  const m = /^pseudo([0-9]+)$/.exec(name);
  return m && Number(m[1]) < 16 ? pseudoSyntax(Number(m[1])) : undefined;
}
