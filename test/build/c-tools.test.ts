/**
 * Every example's object, taken through the C toolchain a libbpf user has:
 *
 * - `bpftool gen object` (libbpf's static linker) links it — it needs BTF for every global symbol,
 *   LICENSE and data variables included — and, as root, `bpftool prog loadall` and tsbpf's own
 *   loader load the linked object into the kernel;
 * - `bpftool btf dump file X.o format c` is a header gcc compiles, with every named struct and typedef
 *   at the size the object's BTF gives it (integer names are typedefs of C base types);
 * - a program with .bss, .data and .rodata globals links and loads the same way, also linked together
 *   with a second such program (compiler-made format strings are file-local, as clang makes them).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BtfError, btfSizeof } from "../../core/btf/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";
import { UNKNOWN_TO_BPFTOOL, loadWithOwnLoader } from "../support/own-loader.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { EXAMPLES, exampleSource, run, tsbpf } from "./support.ts";

const out = mkdtempSync(join(tmpdir(), "tsbpf-c-tools-"));
const pinRoot = `/sys/fs/bpf/tsbpf-c-tools-${process.pid}`;
const hasBpftool = hasCommand("bpftool", ["version"]);
const hasGcc = hasCommand("gcc", ["--version"]);
const canLoad = hasKernelBpf() && hasBpftool;

/** Two programs with a global in each data section; `n` keeps their names apart. */
const globalsSource = (n: number) => `import { printk, tracepoint, u32, u64 } from "tsbpf";

let hits${n}: u64 = 0;
let limit${n}: u32 = 7;

export const count${n} = tracepoint("raw_syscalls/sys_enter", (ctx) => {
  hits${n} += 1;
  if (hits${n} > u64(limit${n})) printk("over %d", ctx.id);
  return 0;
});

export const license = "GPL";
`;

beforeAll(() => {
  const build = (src: string, obj: string) => {
    const r = tsbpf(["build", src, "-o", join(out, obj)]);
    if (r.code !== 0) throw new Error(`tsbpf build ${src} failed:\n${r.stderr}`);
  };
  for (const ex of EXAMPLES) build(`examples/${ex}.ts`, `${ex}.o`);
  for (const n of [1, 2]) {
    writeFileSync(join(out, `globals${n}.ts`), globalsSource(n));
    build(join(out, `globals${n}.ts`), `globals${n}.o`);
  }
}, 120_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(pinRoot, { recursive: true, force: true });
});

/** `bpftool gen object linked inputs...`; returns the linked object's path. */
function link(name: string, inputs: readonly string[]): string {
  const linked = join(out, `${name}.linked.o`);
  const r = run("bpftool", ["gen", "object", linked, ...inputs.map((i) => join(out, i))]);
  expect(r.stderr, `bpftool gen object ${name}`).not.toMatch(/libbpf: |Error/);
  expect(r.code).toBe(0);
  return linked;
}

/**
 * Loads `obj` with `bpftool prog loadall`; returns the pinned program names, or null when the kernel
 * refused a trampoline program (fentry/fexit, refused even to root under lockdown) of `source`,
 * or "unknown section" when bpftool's libbpf does not know a section name of the object.
 */
function loadAll(name: string, obj: string, source: string): string[] | null | "unknown section" {
  const dir = join(pinRoot, name);
  mkdirSync(pinRoot, { recursive: true });
  const r = run("bpftool", ["prog", "loadall", obj, dir]);
  try {
    if (UNKNOWN_TO_BPFTOOL.test(r.stderr)) return "unknown section";
    const m = /prog '(\w+)': BPF program load failed: Operation not permitted/.exec(r.stderr);
    if (m && new RegExp(`const ${m[1]} = (f(entry|exit)|lsm|lsmCgroup)\\(`).test(source)) {
      process.stderr.write(
        `[tsbpf] NOTE ${name}: trampoline program (fentry/fexit/lsm) refused by this kernel\n`,
      );
      return null;
    }
    expect(r.stderr, `bpftool prog loadall ${name}`).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    return run("ls", [dir]).stdout.split("\n").filter(Boolean).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const programNames = (obj: string) =>
  readBpfObject(readFileSync(obj))
    .programs.map((p) => p.name)
    .sort();

describe.each(EXAMPLES)("%s: C tools", (ex) => {
  const obj = () => join(out, `${ex}.o`);

  it("bpftool gen object links it", (ctx) => {
    if (!capability("bpftool", hasBpftool, `${ex}: bpftool gen object`)) return ctx.skip();
    expect(programNames(link(ex, [`${ex}.o`]))).toEqual(programNames(obj()));
  });

  it("the linked object loads into the kernel (bpftool and tsbpf's loader)", (ctx) => {
    if (!capability("root + bpftool", canLoad, `${ex}: load the linked object`)) return ctx.skip();
    const linked = link(ex, [`${ex}.o`]);
    const loaded = loadAll(ex, linked, exampleSource(ex));
    if (loaded === "unknown section") {
      // bpftool's libbpf predates the section (uprobe.multi): the kernel judges it through ours.
      expect(loadWithOwnLoader(readFileSync(linked))).toBe("");
      return;
    }
    if (loaded === null) {
      // The kernel's known trampoline refusal (checked in loadAll), which our loader names too.
      expect(() => loadObject(readFileSync(linked))).toThrow(/BPF trampolines/);
      return;
    }
    expect(loaded).toEqual(programNames(obj()));
    const ours = loadObject(readFileSync(linked));
    try {
      expect([...ours.programs.keys()].sort()).toEqual(programNames(obj()));
    } finally {
      ours.close();
    }
  });

  it("bpftool btf dump format c compiles with gcc, sizes as in the BTF", (ctx) => {
    if (!capability("bpftool + gcc", hasBpftool && hasGcc, `${ex}: btf dump format c`))
      return ctx.skip();
    const header = run("bpftool", ["btf", "dump", "file", obj(), "format", "c"]);
    expect(header.code).toBe(0);
    const btf = readBpfObject(readFileSync(obj())).btf!;
    // Sizes of the complete named types (a CO-RE object's kernel types may end in a FWD, which C
    // cannot take the size of either).
    const sizeOf = (id: number): number | null => {
      try {
        return btfSizeof(btf, id);
      } catch (e) {
        if (e instanceof BtfError) return null;
        throw e;
      }
    };
    const checks = btf.types.flatMap((t, id) => {
      if ((t.kind !== "struct" && t.kind !== "typedef") || t.name === "") return [];
      const size = sizeOf(id);
      if (size === null) return [];
      const c = `${t.kind === "struct" ? "struct " : ""}${t.name}`;
      return [`_Static_assert(sizeof(${c}) == ${size}, "${t.name}");`];
    });
    // Every integer name the example uses is a typedef, so the header has something to declare.
    expect(btf.types.some((t) => t.kind === "typedef" && /^[ui](8|16|32|64)$/.test(t.name))).toBe(
      true,
    );
    writeFileSync(join(out, `${ex}.h`), header.stdout);
    writeFileSync(join(out, `${ex}.c`), `#include "${ex}.h"\n${checks.join("\n")}\n`);
    const cc = run("gcc", ["-fsyntax-only", "-Wno-unknown-pragmas", join(out, `${ex}.c`)]);
    expect(cc.stderr).toBe("");
    expect(cc.code).toBe(0);
  });
});

describe("global data", () => {
  it("a program with .bss, .data and .rodata globals links and loads", (ctx) => {
    if (!capability("bpftool", hasBpftool, "globals: bpftool gen object")) return ctx.skip();
    const btf = readBpfObject(readFileSync(join(out, "globals1.o"))).btf!;
    const sections = btf.types.flatMap((t) => (t.kind === "datasec" ? [t.name] : []));
    expect(sections.sort()).toEqual([".bss", ".data", ".rodata", "license"]);
    expect(programNames(link("globals1", ["globals1.o"]))).toEqual(["count1"]);
  });

  it("two such programs link into one object", (ctx) => {
    if (!capability("bpftool", hasBpftool, "globals: link two objects")) return ctx.skip();
    expect(programNames(link("globals12", ["globals1.o", "globals2.o"]))).toEqual([
      "count1",
      "count2",
    ]);
  });

  it("both linked objects load into the kernel", (ctx) => {
    if (!capability("root + bpftool", canLoad, "globals: load linked objects")) return ctx.skip();
    expect(loadAll("globals1", link("globals1", ["globals1.o"]), "")).toEqual(["count1"]);
    const both = link("globals12", ["globals1.o", "globals2.o"]);
    expect(loadAll("globals12", both, "")).toEqual(["count1", "count2"]);
    const ours = loadObject(readFileSync(both));
    try {
      expect([...ours.programs.keys()].sort()).toEqual(["count1", "count2"]);
    } finally {
      ours.close();
    }
  });
});
