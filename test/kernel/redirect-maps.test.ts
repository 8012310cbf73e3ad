/**
 * XDP redirects through devmap, devmap_hash, cpumap and xskmap (test/kernel/kinds/redirect-maps.ts):
 * the loader creates each map kind, user space fills entries (lo's ifindex in the devmaps, a queue
 * size for CPU 1 in the cpumap), and BPF_PROG_TEST_RUN and the VM (both engines) give the same
 * verdict for every key: XDP_REDIRECT where the key has an entry, the flags' fallback verdict where
 * it has none. The VM also reports the target (map, key, the entry found). On the kernel an xskmap
 * slot takes a real AF_XDP socket (bound to lo's queue 0, test/support/af-xdp-socket.ts) and the
 * verdict follows it, as in the VM.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { loadObject, testRun, type LoadedObject } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { AfXdpSocket } from "../support/af-xdp-socket.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("redirect map kinds");
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const frame = (first: number) => {
  const f = new Uint8Array(64);
  f[0] = first;
  return f;
};
const LO = 1;
const [XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT] = [0, 1, 2, 4];

let bytes: Uint8Array;
beforeAll(async () => {
  const src = readFileSync(join(import.meta.dirname, "kinds", "redirect-maps.ts"), "utf8");
  const out = await compileSource(src, "test/kernel/kinds/redirect-maps.ts", { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  bytes = out.object!;
});

/** Fills the entries both sides share: devmap slot 2 and devmap_hash key 1 → lo, CPU 1's queue. */
function fill(set: (map: string, key: number, value: number) => void): void {
  set("tx", 2, LO);
  set("byIfindex", LO, LO);
  set("cpus", 1, 192);
}

for (const engine of ["interpreter", "jit"] as const) {
  describe(`redirect maps in the VM (${engine})`, () => {
    it("redirects where the key has an entry and reports map, key and entry", () => {
      const vm = VmObject.load(bytes);
      const r = (prog: string, first = 0) => vm.program(prog).run({ packet: frame(first), engine });
      expect(Number(r("toSlot", 2).r0)).toBe(XDP_PASS);
      expect(Number(r("toIngress").r0)).toBe(XDP_PASS);
      expect(Number(r("toCpu").r0)).toBe(XDP_DROP);
      fill((m, k, v) => vm.map(m).set(u32(k), u32(v)));
      const slot = r("toSlot", 2);
      expect(Number(slot.r0)).toBe(XDP_REDIRECT);
      expect(slot.redirect).toEqual({
        helper: "redirect_map",
        map: "tx",
        key: 2,
        ifindex: LO,
        ingress: false,
      });
      expect(Number(r("toSlot", 3).r0)).toBe(XDP_PASS);
      expect(r("toIngress").redirect).toMatchObject({ map: "byIfindex", key: LO, ifindex: LO });
      expect(r("toCpu").redirect).toMatchObject({ map: "cpus", key: 1, ifindex: 192 });
      expect(Number(r("toSocket").r0)).toBe(XDP_ABORTED);
      // Array kinds take slots below max_entries only.
      expect(() => vm.map("tx").set(u32(4), u32(LO))).toThrow(/E2BIG|argument list too long/i);
      vm.dispose();
    });
  });
}

describe.runIf(run)("redirect maps on the live kernel", () => {
  let obj: LoadedObject;
  beforeAll(() => {
    obj = loadObject(bytes);
  });
  afterAll(() => obj?.close());

  it("creates each kind and agrees with the VM on every verdict, before and after filling", () => {
    const kinds = ["tx", "byIfindex", "cpus", "xsks"].map((m) => obj.map(m).type);
    expect(kinds).toEqual([14, 25, 16, 17]); // DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP
    const vm = VmObject.load(bytes);
    const cases: [string, number][] = [
      ["toSlot", 2],
      ["toSlot", 3],
      ["toIngress", 0],
      ["toCpu", 0],
      ["toSocket", 0],
    ];
    const both = () =>
      cases.map(([p, first]) => {
        const k = testRun(obj.program(p), { data: frame(first) }).retval;
        const v = Number(vm.program(p).run({ packet: frame(first) }).r0);
        return [p, first, k, v];
      });
    const before = both();
    expect(before.map(([, , k]) => k)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_DROP, 0]);
    for (const [, , k, v] of before) expect(v).toBe(k);
    fill((m, k, v) => obj.map(m).update(u32(k), u32(v)));
    fill((m, k, v) => vm.map(m).set(u32(k), u32(v)));
    const after = both();
    expect(after.map(([, , k]) => k)).toEqual([
      XDP_REDIRECT,
      XDP_PASS,
      XDP_REDIRECT,
      XDP_REDIRECT,
      XDP_ABORTED,
    ]);
    for (const [, , k, v] of after) expect(v).toBe(k);
    // An xskmap holds AF_XDP sockets only: any other fd is refused by the kernel.
    expect(() => obj.map("xsks").update(u32(0), u32(0))).toThrow();
    vm.dispose();
  });

  it("an xskmap slot holding an AF_XDP socket bound to lo's queue 0 redirects to it, as in the VM", () => {
    const xsk = new AfXdpSocket(LO, 0);
    const vm = VmObject.load(bytes);
    try {
      const kernel = () => testRun(obj.program("toSocket"), { data: frame(0) }).retval;
      const inVm = () => vm.program("toSocket").run({ packet: frame(0) });
      expect([kernel(), Number(inVm().r0)]).toEqual([XDP_ABORTED, XDP_ABORTED]);
      obj.map("xsks").update(u32(0), u32(xsk.fd));
      vm.map("xsks").set(u32(0), u32(xsk.fd));
      expect(kernel()).toBe(XDP_REDIRECT);
      const r = inVm();
      expect(Number(r.r0)).toBe(XDP_REDIRECT);
      expect(r.redirect).toMatchObject({ map: "xsks", key: 0, ifindex: xsk.fd });
      // A socket is not a file the kernel reads back: user-space lookups are refused.
      expect(() => obj.map("xsks").lookup(u32(0))).toThrow(/EOPNOTSUPP/);
      obj.map("xsks").delete(u32(0));
      vm.map("xsks").delete(u32(0));
      expect([kernel(), Number(inVm().r0)]).toEqual([XDP_ABORTED, XDP_ABORTED]);
    } finally {
      vm.dispose();
      xsk.close();
    }
  });
});
