/**
 * The programmatic API is what package.json's `exports` map names: each subpath resolves to a module
 * that exports the documented entry points, and a probe compiled through `tsbpf/compiler` runs through
 * `tsbpf/vm` end to end (the path a user's unit test takes).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | { types: string; default?: string }>;
  types: string;
};
/**
 * The source module behind an export: `./dist/<path>.js` is compiled from `./<path>.ts` (the compiled
 * files themselves are tested by test/build/package.test.ts, through a packed and installed tarball).
 */
const source = (sub: string): string => {
  const target = pkg.exports[sub]!;
  const file = typeof target === "string" ? target : target.default!;
  return file.replace(/^\.\/dist\/(.*)\.js$/, "./$1.ts");
};
const load = (sub: string) => import(new URL(`../../${source(sub)}`, import.meta.url).href);

describe("package exports", () => {
  it('"tsbpf" is the stdlib declarations (types only) for editors', () => {
    expect(pkg.exports["."]).toEqual({ types: "./stdlib/index.d.ts" });
    // What an editor sees: the module's exports as TypeScript resolves them through the re-exports.
    const file = fileURLToPath(new URL(`../../${pkg.types}`, import.meta.url));
    const program = ts.createProgram([file], { noLib: true, types: [] });
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const exported = new Set(checker.getExportsOfModule(module).map((s) => s.name));
    for (const name of ["HashMap", "RingBuf", "u32", "tracepoint", "xdp", "structOps"])
      expect(exported, name).toContain(name);
  });

  it.each([
    ["./compiler", ["compileSource", "compileModule"]],
    ["./vm", ["VmObject", "VmApiError"]],
    ["./loader", ["loadObject", "loadProgram", "testRun", "attachTracepoint"]],
    [
      "./user",
      ["LiveSession", "RingBufferReader", "renderMapText", "MetricsServer", "mapsFamilies"],
    ],
    ["./fleet", ["buildImage", "writeImageLayout", "imageLabels", "clusterBpfApplicationYaml"]],
    ["./test", ["compileProbe", "bytecodeMatchers", "toMatchBytecodeGolden", "formatListing"]],
    ["./isa", ["INSNS", "assemble", "disassemble", "encodeProgram", "decodeProgram"]],
    ["./object", ["readBpfObject", "writeBpfObject"]],
  ])("%s exports %j", async (sub, names) => {
    const mod = await load(sub);
    for (const n of names) expect(typeof mod[n], `${sub} ${n}`).not.toBe("undefined");
  });

  it("a probe compiled through tsbpf/compiler runs in tsbpf/vm", async () => {
    const { compileSource } = await load("./compiler");
    const { VmObject } = await load("./vm");
    const src = `
      import { ArrayMap, xdp, XDP_PASS, u64 } from "tsbpf";
      const seen = new ArrayMap<u64>({ maxEntries: 1 });
      export const count = xdp((ctx) => {
        const v = seen.lookup(0);
        if (v !== null) v.value += 1;
        return XDP_PASS;
      });
      export const license = "GPL";`;
    const out = await compileSource(src, "probe.ts", { emit: "obj" });
    expect(out.diagnostics.filter((d: { severity: string }) => d.severity === "error")).toEqual([]);
    const obj = VmObject.load(out.object);
    for (let i = 0; i < 3; i++)
      expect(obj.program("count").run({ packet: new Uint8Array(64) }).r0).toBe(2n);
    const value = obj.map("seen").get(new Uint8Array(4));
    expect(new DataView(value.buffer, value.byteOffset).getBigUint64(0, true)).toBe(3n);
  });
});
