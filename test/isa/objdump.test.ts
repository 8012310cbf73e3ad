/**
 * Differential check of the disassembler against llvm-objdump-19: the C fixtures in
 * test/isa/fixtures/ are compiled with clang-19 (-mcpu=v3 and v4) into a temp dir, every executable
 * section is disassembled by `llvm-objdump-19 -d --no-show-raw-insn` and by our hex style, and the
 * two must agree line by line, in both objdump register styles (default and `--mattr=+alu32`).
 *
 * Two documented differences are mapped before comparing:
 * - objdump appends `<sym+0x10>` to jump lines (it knows symbols; bare bytecode has none): stripped;
 * - objdump prints a local call like a helper call (`call -0x1`); we print `call pc-0x1` so the text
 *   says what the instruction is and assembles back to the same bytes.
 * Without +alu32, objdump cannot decode most 32-bit atomics (`<unknown>`), so those lines are only
 * compared in the alu32 run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  assemble,
  decodeProgram,
  encodeProgram,
  formatInsn,
  slotOffsets,
} from "../../core/isa/index.ts";
import { capability, hasCommand } from "../support/env.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const SHF_EXECINSTR = 0x4;

/** Minimal ELF64 little-endian section finder: name → bytes of every executable, non-empty section. */
function executableSections(elf: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const header = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      name: v.getUint32(at, true),
      flags: Number(v.getBigUint64(at + 8, true)),
      offset: Number(v.getBigUint64(at + 24, true)),
      size: Number(v.getBigUint64(at + 32, true)),
    };
  };
  const strtab = header(shstrndx);
  const nameAt = (off: number) => {
    let end = strtab.offset + off;
    while (elf[end] !== 0) end++;
    return Buffer.from(elf.subarray(strtab.offset + off, end)).toString("latin1");
  };
  const out = new Map<string, Uint8Array>();
  for (let i = 1; i < shnum; i++) {
    const h = header(i);
    if (h.flags & SHF_EXECINSTR && h.size > 0) {
      out.set(nameAt(h.name), elf.subarray(h.offset, h.offset + h.size));
    }
  }
  return out;
}

/** objdump's disassembly: section → slot → text (symbol annotation stripped). */
function objdump(file: string, alu32: boolean): Map<string, Map<number, string>> {
  const args = ["-d", "--no-show-raw-insn", ...(alu32 ? ["--mattr=+alu32"] : []), file];
  const text = execFileSync("llvm-objdump-19", args, { encoding: "utf8" });
  const out = new Map<string, Map<number, string>>();
  let current: Map<number, string> | undefined;
  for (const line of text.split("\n")) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) out.set(sec[1]!, (current = new Map()));
    const insn = /^\s*([0-9]+):\t(.*)$/.exec(line);
    if (insn && current) current.set(Number(insn[1]), insn[2]!.replace(/\s+<[^<>\s]+>$/, ""));
  }
  return out;
}

const available = hasCommand("clang-19") && hasCommand("llvm-objdump-19");
const run = capability("clang-19", available, "isa: llvm-objdump-19 comparison");
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".bpf.c"));
const work = run ? mkdtempSync(join(tmpdir(), "tsbpf-isa-")) : "";
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});
const seen = new Set<string>();

describe.runIf(run)("disassembly matches llvm-objdump-19", () => {
  const cases = fixtures.flatMap((f) => (["v3", "v4"] as const).map((cpu) => [f, cpu] as const));
  it.each(cases)("%s -mcpu=%s", (fixture, cpu) => {
    const obj = join(work, `${fixture}.${cpu}.o`);
    execFileSync("clang-19", [
      ...["-O2", "-g", "-target", "bpf", `-mcpu=${cpu}`],
      ...["-I/usr/include/x86_64-linux-gnu", "-c", join(FIXTURES, fixture), "-o", obj],
    ]);
    const sections = executableSections(new Uint8Array(readFileSync(obj)));
    expect(sections.size).toBeGreaterThan(0);
    for (const alu32 of [false, true]) {
      const theirs = objdump(obj, alu32);
      for (const [name, bytes] of sections) {
        const insns = decodeProgram(bytes);
        const slots = slotOffsets(insns);
        const lines = theirs.get(name);
        expect(lines, `section ${name}`).toBeDefined();
        expect(lines!.size, `section ${name}: line count`).toBe(insns.length);
        insns.forEach((insn, i) => {
          seen.add(insn.spec.name);
          const expected = lines!.get(slots[i]!);
          if (!alu32 && insn.spec.kind === "atomic" && insn.spec.width === 32) return;
          const ours = formatInsn(insn, { hex: true, alu32 });
          const mapped =
            insn.spec.op === "call_local" ? ours.replace(/^call pc\+?/, "call ") : ours;
          expect(mapped, `${name} slot ${slots[i]} (${insn.spec.name}, alu32=${alu32})`).toBe(
            expected,
          );
        });
        // And our text of objdump's instructions assembles back to the section's bytes.
        const text = insns.map((i) => formatInsn(i, { hex: true, alu32 })).join("\n");
        expect(encodeProgram(assemble(text))).toEqual(bytes);
      }
    }
  });

  it("the fixtures cover the interesting rows", () => {
    const wanted = [
      ...[
        "add32_reg",
        "add64_imm",
        "sub32_reg",
        "mul64_imm",
        "div32_reg",
        "mod64_imm",
        "arsh64_imm",
      ],
      ...["neg32", "neg64", "mov32_reg", "movsx32_8", "movsx64_16", "movsx64_32"],
      ...["sdiv32_reg", "sdiv64_reg", "smod32_reg", "smod64_imm", "ldxsb", "ldxsh", "ldxsw"],
      ...[
        "jsgt64_imm",
        "jeq32_reg",
        "jeq32_imm",
        "jle64_reg",
        "jlt64_reg",
        "jsge32_reg",
        "ja",
        "ja32",
      ],
      ...["atomic_add32", "atomic_add64", "atomic_fetch_add32", "atomic_fetch_or64"],
      ...["atomic_fetch_xor32", "atomic_xchg32", "atomic_xchg64", "atomic_cmpxchg32"],
      ...["atomic_cmpxchg64", "bswap16", "bswap32", "bswap64", "call_helper", "call_local"],
      ...["callx", "lddw", "ldabsb", "ldabsh", "ldabsw", "ldindb", "stdw", "stxw", "exit"],
    ];
    expect(wanted.filter((n) => !seen.has(n))).toEqual([]);
  });
});
