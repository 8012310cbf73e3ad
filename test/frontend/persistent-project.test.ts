/**
 * The front end keeps one TypeScript project per process and only overwrites the user's file
 * (compiler/frontend/project.ts). These tests edit one file back and forth between versions with and
 * without errors, and alternate between files, checking that every compilation reports exactly the
 * diagnostics of its own text: no stale TypeScript or tsbpf diagnostic survives an edit, none is
 * lost, and the IR equals that of a fresh process's first compilation (taken before any reuse).
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { printModule } from "../../compiler/ir/index.ts";
import { memoryHost, nodeHost } from "../../compiler/frontend/host.ts";
import { dropStaleStdlib, reloadStdlib } from "../../compiler/frontend/project.ts";

const HEAD =
  'import { ArrayMap, HashMap, u32, u64, xdp } from "tsbpf";\n' +
  "const hits = new ArrayMap<u64>({ maxEntries: 4 });\n";
const good = (verdict: number): string =>
  HEAD +
  "export const prog = xdp((ctx) => {\n" +
  "  const h = hits.lookup(1);\n" +
  "  if (h !== null) h.value += 1;\n" +
  `  return ${verdict};\n` +
  "});\n" +
  'export const license = "GPL";\n';
/** A TypeScript error (TS2304) on line 4. */
const tsError = good(2).replace("  const h = hits.lookup(1);", "  const h = hits.lookup(missing);");
/** A tsbpf error (TSB2001, implicit narrowing) on line 5, which TypeScript accepts. */
const tsbError = good(2).replace(
  "  if (h !== null) h.value += 1;",
  "  const n: u64 = 300;\n  const k: u32 = n;\n  if (h !== null) h.value += k;",
);
/** A type error in a declaration TypeScript resolves through the stdlib. */
const mapError = good(2).replace("new ArrayMap<u64>({ maxEntries: 4 })", "new ArrayMap<u64>({})");

const codes = (src: string, file = "t.ts"): string[] =>
  compileToIr(src, file).diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);

describe("one TypeScript project across compilations", () => {
  // Expected results from the first compilation of each text in a fresh project.
  reloadStdlib();
  const fresh = new Map<string, { diags: string[]; ir?: string }>();
  for (const src of [good(1), good(2), tsError, tsbError, mapError]) {
    reloadStdlib();
    const r = compileToIr(src, "t.ts");
    fresh.set(src, {
      diags: r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
      ...(r.module ? { ir: printModule(r.module) } : {}),
    });
  }

  it("the error versions have the diagnostics this test is about", () => {
    expect(fresh.get(good(1))!.diags).toEqual([]);
    expect(fresh.get(tsError)!.diags).toEqual(["TS2304 4:25"]);
    expect(fresh.get(tsbError)!.diags).toEqual(["TSB2001 6:18"]);
    expect(fresh.get(mapError)!.diags).toEqual(["TS2345 2:32"]);
  });

  it("edits between error and clean versions report each version's own diagnostics", () => {
    const sequence = [good(1), tsError, good(2), tsbError, tsError, mapError, good(1), tsbError];
    for (let round = 0; round < 3; round++) {
      for (const src of sequence) {
        const r = compileToIr(src, "t.ts");
        const want = fresh.get(src)!;
        expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual(want.diags);
        expect(r.module ? printModule(r.module) : undefined).toEqual(want.ir);
      }
    }
  });

  it("switching between file names keeps them apart", () => {
    for (let round = 0; round < 3; round++) {
      expect(codes(tsError, "a.ts")).toEqual(["TS2304 4:25"]);
      expect(codes(good(1), "b.ts")).toEqual([]);
      expect(codes(tsbError, "dir/a.ts")).toEqual(["TSB2001 6:18"]);
    }
  });

  it("reloadStdlib starts a new project that compiles the same way", () => {
    reloadStdlib();
    expect(codes(tsError)).toEqual(["TS2304 4:25"]);
    expect(codes(good(2))).toEqual([]);
  });

  it("dropStaleStdlib keeps the project while the stdlib texts are the same, drops it when not", () => {
    const files = new Map(nodeHost().stdlibFiles());
    const host = memoryHost(files);
    const withHost = (src: string) =>
      compileToIr(src, "t.ts", { host }).diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);
    expect(withHost(good(1))).toEqual([]);
    dropStaleStdlib();
    expect(withHost(good(1))).toEqual([]);
    // A stdlib whose module exports nothing: the old project would still compile the program.
    const index = files.get("index.d.ts")!;
    files.set("index.d.ts", "export {};\n");
    expect(withHost(good(1))).toEqual([]);
    dropStaleStdlib();
    expect(withHost(good(1))).not.toEqual([]);
    files.set("index.d.ts", index);
    dropStaleStdlib();
    expect(withHost(good(1))).toEqual([]);
  });
});
