/**
 * The disassembler: decoded instructions to text in the syntax of `llvm-objdump -d` (and, with decimal
 * numbers, close to the kernel verifier log).
 *
 * Consumes `Insn` records (insn.ts) and fills each row's `syntax` template (syntax.ts); produces one
 * line per instruction. It has no per-opcode code: what an operand looks like depends only on the
 * placeholder and on the row's width/kind. The assembler (asm.ts) reads this output back exactly, for
 * every valid instruction (fields outside the row's `fields` are zero).
 *
 * Example, hex style: `r0 = *(u32 *)(r1 + 0xc)`, `if r1 > r2 goto +0x21`, `r2 += -0x4`, `call 0x1`,
 * `r1 = 0x0 ll`; decimal style: `r2 += -4`, `if r1 > r2 goto +33`.
 */
import type { Insn } from "./insn.ts";
import { decodeProgram, encodeInsn, lddwValue, slotOffsets } from "./insn.ts";
import {
  TEMPLATES,
  formatNumber,
  formatSigned,
  pseudoSyntax,
  registerPrefix,
  type TemplatePart,
} from "./syntax.ts";

/** How to print instructions. */
export interface DisasmOptions {
  /** Numbers in llvm-objdump-19's signed hex (`-0x4`); default false: decimal, verifier-log style. */
  readonly hex?: boolean;
  /** Print the value register of sub-64-bit loads/stores as `wN`, like `llvm-objdump --mattr=+alu32`. */
  readonly alu32?: boolean;
  /** disassemble(): prefix each line with its slot number, right-aligned like objdump (`      12:`). */
  readonly slots?: boolean;
  /** disassemble(): add the raw bytes column (8 or 16 bytes), like objdump without --no-show-raw-insn. */
  readonly bytes?: boolean;
}

function formatHole(
  insn: Insn,
  part: TemplatePart & { kind: "hole" },
  opts: DisasmOptions,
): string {
  const hex = opts.hex ?? false;
  const spec = insn.spec;
  switch (part.name) {
    case "dst":
    case "src":
      return registerPrefix(spec, part.isAddress, opts.alu32 ?? false) + String(insn[part.name]);
    case "imm":
      return formatNumber(insn.imm, hex);
    case "off":
      return insn.off < 0
        ? ` - ${formatNumber(-insn.off, hex)}`
        : ` + ${formatNumber(insn.off, hex)}`;
    case "immoff":
      if (insn.imm === 0) return "";
      return insn.imm < 0
        ? ` - ${formatNumber(-insn.imm, hex)}`
        : ` + ${formatNumber(insn.imm, hex)}`;
    case "target":
      return formatSigned(spec.target === "off" ? insn.off : insn.imm, hex);
    case "pctarget":
      return `pc${formatSigned(insn.imm, hex)}`;
    case "imm64":
      return formatImm64(insn, hex);
  }
}

/**
 * The lddw operand: the signed 64-bit constant (`-0x1`, like llvm-objdump), or for a pseudo source
 * `name(imm)` plus `+imm2` (`map_fd(3)`, `map_value(3)+16`, `btf_id(7)`, `func(+5)`, `map_idx(0)`).
 */
function formatImm64(insn: Insn, hex: boolean): string {
  if (insn.src === 0) return formatNumber(BigInt.asIntN(64, lddwValue(insn)), hex);
  const p = pseudoSyntax(insn.src);
  const arg = p.isPcRelative ? formatSigned(insn.imm, hex) : formatNumber(insn.imm, hex);
  const suffix = p.hasValueOffset || insn.imm2 !== 0 ? formatSigned(insn.imm2, hex) : "";
  return `${p.name}(${arg})${suffix}`;
}

/** Formats one instruction, e.g. `r1 = *(u32 *)(r6 + 4)` (no slot number or bytes). */
export function formatInsn(insn: Insn, opts: DisasmOptions = {}): string {
  let out = "";
  for (const part of TEMPLATES[insn.spec.id]!) {
    out += part.kind === "lit" ? part.text : formatHole(insn, part, opts);
  }
  return out;
}

function hexBytes(insn: Insn): string {
  return Array.from(encodeInsn(insn), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/**
 * Formats a program, one line per instruction, each ending in a newline. With `slots`/`bytes` the
 * lines look like objdump's: `      12:\tbf 16 00 00 00 00 00 00\tr6 = r1`.
 */
export function disassemble(insns: readonly Insn[], opts: DisasmOptions = {}): string {
  const slots = slotOffsets(insns);
  let out = "";
  insns.forEach((insn, i) => {
    let line = "";
    if (opts.slots) line += `${String(slots[i]).padStart(8)}:\t`;
    if (opts.bytes) line += `${hexBytes(insn)}\t`;
    out += `${line}${formatInsn(insn, opts)}\n`;
  });
  return out;
}

/** Decodes raw bytecode and disassembles it; throws `BytecodeError` for malformed bytes. */
export function disassembleBytes(bytes: Uint8Array, opts: DisasmOptions = {}): string {
  return disassemble(decodeProgram(bytes), opts);
}
