/**
 * Every example, built with `tsbpf build`, checked by the real tools instead of by our own readers:
 *
 * - `bpftool btf dump file` lists each struct used by a map or ring buffer, with the TypeScript
 *   interface's name and field names in order;
 * - `llvm-objdump-19 -d -S --mattr=+alu32` and `tsbpf objdump --hex` print the same text, line by line
 *   (instructions and the interleaved TypeScript source lines from .BTF.ext), and every source line
 *   objdump shows is a line of the example;
 * - as root: `bpftool prog loadall` loads the object; `bpftool prog dump xlated ... linum` shows, through
 *   the kernel's copy of the line info, the example's file name and lines whose text matches the
 *   source; after `bpftool map update`, `bpftool map lookup` pretty-prints the entry through BTF (struct
 *   fields by name, integers decoded). Pins live under /sys/fs/bpf/tsbpf-build-<pid> and are removed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slotTotal, type Insn } from "../../core/isa/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { UNKNOWN_TO_BPFTOOL, loadWithOwnLoader } from "../support/own-loader.ts";
import {
  EXAMPLES,
  exampleSource,
  parseBpftoolJson,
  run,
  sourceMaps,
  sourceStructs,
  tool,
  tsbpf,
} from "./support.ts";

const out = mkdtempSync(join(tmpdir(), "tsbpf-real-tools-"));
const pinRoot = `/sys/fs/bpf/tsbpf-build-${process.pid}`;
const hasBpftool = hasCommand("bpftool", ["version"]);
const hasLlvm = hasCommand("llvm-objdump-19", ["--version"]);
const canLoad = hasKernelBpf() && hasBpftool;

beforeAll(() => {
  for (const ex of EXAMPLES) {
    const r = tsbpf(["build", `examples/${ex}.ts`, "-o", join(out, `${ex}.o`)]);
    if (r.code !== 0) throw new Error(`tsbpf build examples/${ex}.ts failed:\n${r.stderr}`);
  }
}, 120_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
});

const INT_TYPES = /^(u|i)(8|16|32|64)$/;

/** The little-endian integer in `bytes`, signed for `i` types. */
function decodeInt(bytes: readonly number[], type: string): bigint {
  let v = 0n;
  bytes.forEach((b, k) => (v |= BigInt(b) << BigInt(8 * k)));
  return type.startsWith("i") ? BigInt.asIntN(bytes.length * 8, v) : v;
}

/** Checks one bpftool-formatted value against the TypeScript type it was declared with. */
function expectFormatted(
  formatted: unknown,
  type: string,
  bytes: readonly number[],
  structs: ReturnType<typeof sourceStructs>,
): void {
  const struct = structs.get(type);
  if (struct) {
    expect(Object.keys(formatted as object)).toEqual(struct.fields);
  } else {
    expect(type).toMatch(INT_TYPES);
    expect(BigInt(formatted as string | number)).toBe(decodeInt(bytes, type));
  }
}

/** Bytes 1, 2, 3, ... (or a small index for array maps), as bpftool's `hex` arguments. */
function pattern(n: number, start: number): number[] {
  return Array.from({ length: n }, (_, k) => (start + k * 3) & 0xff);
}
const hex = (bytes: readonly number[]): string[] =>
  bytes.map((b) => b.toString(16).padStart(2, "0"));

describe.each(EXAMPLES)("%s: real tools", (ex) => {
  const source = exampleSource(ex);
  const sourceLines = source.split("\n");
  const structs = sourceStructs(source);
  const obj = () => join(out, `${ex}.o`);

  it("bpftool btf dump lists the map and ring-buffer structs with their TypeScript field names", (ctx) => {
    if (!capability("bpftool", hasBpftool, `${ex}: btf dump`)) return ctx.skip();
    const dump = tool("bpftool", ["btf", "dump", "file", obj()]);
    const used = new Set(sourceMaps(source).flatMap((m) => m.typeArgs));
    const expected = [...structs.values()].filter((s) => used.has(s.name));
    for (const s of expected) {
      const m = new RegExp(
        `^\\[\\d+\\] STRUCT '${s.name}' size=\\d+ vlen=(\\d+)\\n((?:\\t.*\\n)*)`,
        "m",
      ).exec(dump);
      expect(m, `STRUCT '${s.name}' in bpftool btf dump`).not.toBeNull();
      const members = [...m![2]!.matchAll(/^\t'(\w+)' type_id=/gm)].map((x) => x[1]);
      expect(members).toEqual(s.fields);
      expect(Number(m![1])).toBe(s.fields.length);
    }
  });

  it("llvm-objdump -d -S and tsbpf objdump print the same instructions and source lines", (ctx) => {
    if (!capability("llvm-objdump-19", hasLlvm, `${ex}: objdump comparison`)) return ctx.skip();
    const normalize = (text: string): string[] =>
      text
        .slice(text.indexOf("Disassembly of section"))
        .split("\n")
        .filter((l) => l.trim() !== "")
        // llvm-objdump names jump targets after symbols; we name relocation targets instead.
        .map((l) =>
          l
            .replace(/ <[\w.]+(\+0x[0-9a-f]+)?>$/, "")
            .replace(/\t; (map|call|extern|\S+ \+) .*$/, ""),
        )
        // Local calls: llvm-objdump prints them like helper calls; we mark them pc-relative.
        .map((l) =>
          l.replace(/\tcall pc([+-])/, (_, s: string) => `\tcall ${s === "-" ? "-" : ""}`),
        );
    const llvm = tool("llvm-objdump-19", [
      "-d",
      "-S",
      "--no-show-raw-insn",
      "--mattr=+alu32",
      obj(),
    ]);
    const ours = tsbpf(["objdump", "--hex", obj()]);
    expect(ours.code).toBe(0);
    expect(normalize(ours.stdout)).toEqual(normalize(llvm));
    const shown = ours.stdout.split("\n").filter((l) => l.startsWith("; "));
    expect(shown.length).toBeGreaterThan(0);
    for (const l of shown) expect(sourceLines).toContain(l.slice(2));
  });

  describe("in the kernel", () => {
    const dir = join(pinRoot, ex);
    let refused = false;
    let unknownToBpftool = false;

    beforeAll(() => {
      if (!canLoad) return;
      mkdirSync(join(dir, "maps"), { recursive: true });
      const r = run("bpftool", ["prog", "loadall", obj(), dir, "pinmaps", join(dir, "maps")]);
      // Kernels under lockdown refuse BPF trampolines even to root (see test/golden-build): only a
      // refused fentry/fexit program is accepted as a reason not to load.
      const m = /prog '(\w+)': BPF program load failed: Operation not permitted/.exec(r.stderr);
      refused =
        m !== null && new RegExp(`const ${m[1]} = (f(entry|exit)|lsm|lsmCgroup)\\(`).test(source);
      unknownToBpftool = UNKNOWN_TO_BPFTOOL.test(r.stderr);
      if (unknownToBpftool) {
        // bpftool's libbpf predates the section (uprobe.multi): nothing is pinned to inspect with
        // bpftool; the kernel judges the object through tsbpf's loader instead.
        expect(loadWithOwnLoader(readFileSync(obj()))).toBe("");
        process.stderr.write(`[tsbpf] NOTE ${ex}: a section bpftool's libbpf does not know\n`);
      } else if (refused)
        process.stderr.write(
          `[tsbpf] NOTE ${ex}: trampoline program (fentry/fexit/lsm) refused by this kernel\n`,
        );
      else if (r.code !== 0) throw new Error(`bpftool prog loadall ${ex}: ${r.stderr}`);
    });

    it("xlated linum shows the example's file name and TypeScript lines", (ctx) => {
      if (
        !capability("root + bpftool", canLoad, `${ex}: xlated linum`) ||
        refused ||
        unknownToBpftool
      )
        return ctx.skip();
      const parsed = readBpfObject(readFileSync(obj()));
      const progs = readdirSync(dir).filter((f) => f !== "maps");
      expect(progs.sort()).toEqual(parsed.programs.map((p) => p.name).sort());
      for (const prog of parsed.programs) {
        const dump = parseBpftoolJson(
          tool("bpftool", [
            "-j",
            "prog",
            "dump",
            "xlated",
            "pinned",
            join(dir, prog.name),
            "linum",
          ]),
        ) as { src?: string; file?: string; line_num?: number; line_col?: number }[];
        const withSrc = dump.filter((d) => d.src !== undefined);
        expect(withSrc.length).toBeGreaterThan(0);
        for (const d of withSrc) {
          expect(d.file!.endsWith(`examples/${ex}.ts`)).toBe(true);
          // bpftool's JSON writer turns a backslash in a source line into `\n` (`"%d\n"` comes
          // back as `"%d<newline>n"`), so a newline there stands for the backslash.
          const src = d.src!.replace(/\n/g, "\\");
          expect(sourceLines[d.line_num! - 1]!.trim()).toBe(src.trim());
          expect(d.line_col).toBeGreaterThanOrEqual(1);
        }
        // The kernel's copy covers the program and the subprograms linked into it.
        const linesIn = (p: { section: string; sectionOffset: number; insns: readonly Insn[] }) =>
          parsed
            .btfExt!.lineInfo.filter((s) => s.section === p.section)
            .flatMap((s) => s.records)
            .filter(
              (r) =>
                r.insnOff >= p.sectionOffset &&
                r.insnOff < p.sectionOffset + slotTotal(p.insns) * 8,
            )
            .map((r) => r.lineNum);
        const own = new Set(linesIn(prog));
        const reachable = new Set([...own, ...parsed.subprograms.flatMap(linesIn)]);
        const shown = new Set(withSrc.map((d) => d.line_num!));
        for (const l of own) expect(shown).toContain(l);
        for (const l of shown) expect(reachable).toContain(l);
      }
    });

    it("bpftool map lookup pretty-prints updated entries through BTF", (ctx) => {
      if (!capability("root + bpftool", canLoad, `${ex}: map dump`) || refused || unknownToBpftool)
        return ctx.skip();
      for (const decl of sourceMaps(source)) {
        const pin = join(dir, "maps", decl.name);
        const info = parseBpftoolJson(tool("bpftool", ["-j", "map", "show", "pinned", pin])) as {
          type: string;
          bytes_key: number;
          bytes_value: number;
        };
        if (info.type === "ringbuf" || info.type === "stack_trace") continue;
        const isArray = info.type.endsWith("array");
        const [keyType, valueType] = isArray ? ["u32", decl.typeArgs[0]!] : decl.typeArgs;
        const key = isArray ? [1, 0, 0, 0] : pattern(info.bytes_key, 1);
        const value = pattern(info.bytes_value, 7);
        tool("bpftool", [
          "map",
          "update",
          "pinned",
          pin,
          "key",
          "hex",
          ...hex(key),
          "value",
          "hex",
          ...hex(value),
        ]);
        const entry = parseBpftoolJson(
          tool("bpftool", ["-j", "map", "lookup", "pinned", pin, "key", "hex", ...hex(key)]),
        ) as { formatted?: { key: unknown; value?: unknown; values?: { value: unknown }[] } };
        expect(entry.formatted, `${decl.name}: BTF-formatted entry`).toBeDefined();
        expectFormatted(entry.formatted!.key, keyType!, key, structs);
        const values = info.type.startsWith("percpu")
          ? entry.formatted!.values!.map((v) => v.value)
          : [entry.formatted!.value];
        expect(values.length).toBeGreaterThan(0);
        for (const v of values) expectFormatted(v, valueType!, value, structs);
      }
    });
  });
});
