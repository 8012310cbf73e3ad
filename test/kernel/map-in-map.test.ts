/**
 * A map of maps as libbpf writes it (clang-compiled C: `__array(values, struct inner)` and
 * `.values = { [0] = &a, [2] = &b }`): the object reader finds the inner template and the initial
 * maps, the loader creates the outer map from the template and fills its slots, and the program
 * (run with BPF_PROG_TEST_RUN, and in the VM) reaches map `b` through slot 2. The TypeScript twin
 * (ArrayOfMaps) gives the reader the same outer map, template and initial values as clang's object.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mapKind } from "../../core/kernel/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { compileSource } from "../../compiler/driver.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { clangForFixtures, kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("map-in-map loader test");
/** The fixture's maps in TypeScript. */
const TWIN = `import { ArrayMap, ArrayOfMaps, XDP_PASS, u64, xdp } from "tsbpf";
export const a = new ArrayMap<u64>({ maxEntries: 4 });
export const b = new ArrayMap<u64>({ maxEntries: 4 });
export const outer = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 3, inner: { maxEntries: 4 }, values: [a, null, b] });
export const prog = xdp(() => XDP_PASS);
export const license = "GPL";
`;
const clang = run ? clangForFixtures("map-in-map loader test") : undefined;

describe.runIf(run && clang)("array of maps with initial values", () => {
  it("is created from its inner template and its slots hold the named maps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-mim-"));
    try {
      const out = join(dir, "map-in-map.o");
      execFileSync(clang!, [
        ...["-O2", "-g", "-target", "bpf", "-mcpu=v3", "-I/usr/include/x86_64-linux-gnu"],
        ...["-c", join(import.meta.dirname, "fixtures/map-in-map.bpf.c"), "-o", out],
      ]);
      const bytes = readFileSync(out);
      const outer = readBpfObject(bytes).maps.find((m) => m.name === "outer")!;
      expect(outer.type).toBe(mapKind("array_of_maps")!.id);
      expect(outer.inner).toMatchObject({ type: mapKind("array")!.id, keySize: 4, valueSize: 8 });
      expect(outer.initialValues).toEqual(["a", null, "b"]);
      const vm = VmObject.load(bytes);
      expect(vm.program("prog").run({ packet: new Uint8Array(64) }).r0).toBe(2n);
      expect(vm.map("b").map.lookup(new Uint8Array(4))).toEqual(
        new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]),
      );
      const ts = await compileSource(TWIN, "twin.ts", { check: true });
      expect(ts.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const twin = readBpfObject(ts.object!).maps.find((m) => m.name === "outer")!;
      const shape = (m: typeof outer) => ({
        type: m.type,
        maxEntries: m.maxEntries,
        keySize: m.keySize,
        valueSize: m.valueSize,
        inner: {
          type: m.inner!.type,
          keySize: m.inner!.keySize,
          valueSize: m.inner!.valueSize,
          maxEntries: m.inner!.maxEntries,
        },
        initialValues: m.initialValues,
      });
      expect(shape(twin)).toEqual(shape(outer));
      const obj = loadObject(bytes);
      try {
        expect(testRun(obj.program("prog"), { data: new Uint8Array(64) }).retval).toBe(2);
        const zero = new Uint8Array(4);
        const count = (name: string) =>
          new DataView(obj.map(name).lookup(zero)!.buffer).getBigUint64(0, true);
        expect([count("a"), count("b")]).toEqual([0n, 1n]);
      } finally {
        obj.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
