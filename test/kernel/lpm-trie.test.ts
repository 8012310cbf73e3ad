/**
 * LpmTrie from TypeScript: the object's map is BPF_MAP_TYPE_LPM_TRIE with BPF_F_NO_PREALLOC and the
 * key/value BTF libbpf passes to the kernel; the program loads on the live kernel and, with the same
 * prefixes installed, the kernel (BPF_PROG_TEST_RUN) and the VM give the longest-prefix verdicts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { mapKind } from "../../core/kernel/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FILE = "test/fixtures/lpm-firewall.ts";
const SOURCE = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");
const XDP_DROP = 1;
const XDP_PASS = 2;

const key = (prefix: number, ...addr: number[]) =>
  new Uint8Array([...new Uint8Array(new Uint32Array([prefix]).buffer), ...addr]);
const val = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
/** 10.0.0.0/8 denied, except 10.1.0.0/16 (allowed), except 10.1.2.0/24 (denied again). */
const PREFIXES: [Uint8Array, Uint8Array][] = [
  [key(8, 10, 0, 0, 0), val(0)],
  [key(16, 10, 1, 0, 0), val(1)],
  [key(24, 10, 1, 2, 0), val(0)],
];
function frame(src: number[]): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8);
  f.set([0x08, 0x00], 12);
  f.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, ...src, 192, 168, 0, 1], 14);
  return f;
}
const SOURCES: [number[], number][] = [
  [[10, 9, 9, 9], XDP_DROP],
  [[10, 1, 9, 9], XDP_PASS],
  [[10, 1, 2, 200], XDP_DROP],
  [[11, 0, 0, 1], XDP_PASS],
];

async function build(): Promise<Uint8Array> {
  const out = await compileSource(SOURCE, FILE, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

describe("LpmTrie", () => {
  it("is an lpm_trie map with BPF_F_NO_PREALLOC in the object", async () => {
    const m = readBpfObject(await build()).maps.find((x) => x.name === "denied")!;
    expect(m).toMatchObject({ type: mapKind("lpm_trie")!.id, keySize: 8, valueSize: 4, flags: 1 });
  });

  it("longest prefix wins in the VM and on the kernel", async () => {
    const bytes = await build();
    const vm = VmObject.load(bytes);
    for (const [k, v] of PREFIXES) vm.map("denied").set(k, v);
    const vmVerdicts = SOURCES.map(([s]) =>
      Number(vm.program("firewall").run({ packet: frame(s) }).r0),
    );
    expect(vmVerdicts).toEqual(SOURCES.map(([, v]) => v));
    if (!kernelReady("LpmTrie on the kernel")) return;
    const obj = loadObject(bytes);
    try {
      for (const [k, v] of PREFIXES) obj.map("denied").update(k, v);
      const kernel = SOURCES.map(
        ([s]) => testRun(obj.program("firewall"), { data: frame(s) }).retval,
      );
      expect(kernel).toEqual(vmVerdicts);
    } finally {
      obj.close();
    }
  });
});
