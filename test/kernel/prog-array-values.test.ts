/**
 * ProgArray `values`: the object carries the initial programs as libbpf's `.values` (a flexible
 * `values` array in the map's BTF, R_BPF_64_ABS64 relocations in `.rel.maps`), read back by the
 * object reader; the VM and the live kernel (BPF_PROG_TEST_RUN) both tail-call through the filled
 * slot and fall through an empty one.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FILE = "test/fixtures/tail-values.ts";
const SOURCE = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");
const frame = new Uint8Array(64);

async function build(): Promise<Uint8Array> {
  const out = await compileSource(SOURCE, FILE, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

describe("ProgArray initial values", () => {
  it("are in the object as libbpf's .values", async () => {
    const m = readBpfObject(await build()).maps.find((x) => x.name === "jumps")!;
    expect(m.initialValues).toEqual([null, "second"]);
  });

  it("tail calls reach the program in the VM and on the kernel", async () => {
    const bytes = await build();
    const vm = VmObject.load(bytes);
    const vmRet = ["first", "viaEmpty"].map((p) => Number(vm.program(p).run({ packet: frame }).r0));
    expect(vmRet).toEqual([1, 2]); // XDP_DROP from `second`, XDP_PASS past the empty slot
    if (!kernelReady("ProgArray values on the kernel")) return;
    const obj = loadObject(bytes);
    try {
      const k = ["first", "viaEmpty"].map((p) => testRun(obj.program(p), { data: frame }).retval);
      expect(k).toEqual(vmRet);
    } finally {
      obj.close();
    }
  });

  it("an initial value that is not a program is an error at it (the stdlib types it Program)", async () => {
    const src = SOURCE.replace("values: [null, second]", "values: [null, 3]");
    const out = await compileSource(src, FILE, { check: true });
    expect(out.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`)).toEqual(["TS2322@4:68"]);
  });
});
