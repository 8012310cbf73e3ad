/**
 * Callbacks (test/frontend/cases/callbacks.ts): bpf_loop with an inline arrow function and
 * bpf_for_each_map_elem with a named function become BPF callback subprograms (lddw with
 * BPF_PSEUDO_FUNC, static BTF FUNCs with func_info); a bpf_spin_lock field of a map value is taken
 * and released. The same object runs in the VM (both engines) and, with root, on the live kernel
 * through BPF_PROG_TEST_RUN: the verifier accepts it and the results agree.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { PseudoSrc } from "../../core/isa/index.ts";
import { BtfLinkage } from "../../core/btf/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FILE = "test/frontend/cases/callbacks.ts";
const SOURCE = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");
const XDP_PASS = 2;

async function build(source = SOURCE, file = FILE) {
  const out = await compileSource(source, file, { check: true });
  return out;
}

const le32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (b: Uint8Array | undefined | null): bigint =>
  b ? new DataView(b.buffer, b.byteOffset).getBigUint64(0, true) : -1n;

interface Side {
  run(): number;
  lookup(map: string, key: number): Uint8Array | undefined | null;
}

function checkSide(side: Side): void {
  expect(side.run()).toBe(XDP_PASS);
  expect(u64(side.lookup("out", 0))).toBe(21n); // 0 + ... + 6
  expect(u64(side.lookup("out", 1))).toBe(7n); // the 7th callback returned 1
  expect(u64(side.lookup("out", 2))).toBe(123n); // 100 + 23
  expect(u64(side.lookup("out", 3))).toBe(2n); // elements walked
  expect(side.run()).toBe(XDP_PASS);
  // The guarded value: the lock word (free again) then the hits.
  const g = side.lookup("guarded", 0)!;
  expect(new DataView(g.buffer, g.byteOffset).getUint32(0, true)).toBe(0);
  expect(new DataView(g.buffer, g.byteOffset).getBigUint64(8, true)).toBe(2n);
}

describe("callbacks", () => {
  it("are static subprograms whose address is an lddw with BPF_PSEUDO_FUNC", async () => {
    const out = await build();
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const obj = readBpfObject(out.object!);
    expect(obj.subprograms.map((s) => s.name).sort()).toEqual(["addValue__cb", "prog__cb"]);
    const prog = obj.programs.find((p) => p.name === "prog")!;
    const funcs = prog.insns.filter((i) => i.spec.kind === "lddw" && i.src === PseudoSrc.FUNC);
    expect(funcs).toHaveLength(2);
    expect(prog.relocs.filter((r) => r.kind === "call")).toHaveLength(2);
    const btf = obj.btf!;
    for (const name of ["prog__cb", "addValue__cb"]) {
      const f = btf.types.find((t) => t.kind === "func" && t.name === name);
      expect(f, name).toMatchObject({ linkage: BtfLinkage.STATIC });
    }
    const lock = btf.types.find((t) => t.kind === "struct" && t.name === "bpf_spin_lock");
    expect(lock).toMatchObject({ size: 4 });
    // func_info for every function of .text (the kernel needs it for each callback).
    expect(obj.btfExt!.funcInfo.find((f) => f.section === ".text")?.records).toHaveLength(2);
  });

  for (const engine of ["interpreter", "jit"] as const) {
    it(`run in the VM (${engine})`, async () => {
      const obj = await VmObject.load((await build()).object!, { engine });
      checkSide({
        run: () => Number(obj.program("prog").run({ packet: new Uint8Array(64) }).r0),
        lookup: (map, key) => obj.map(map).get(le32(key)),
      });
    });
  }

  it("load on the live kernel and agree with the VM (BPF_PROG_TEST_RUN)", async () => {
    if (!kernelReady("bpf_loop / bpf_for_each_map_elem callbacks on the kernel")) return;
    const obj = loadObject((await build()).object!);
    try {
      const prog = obj.program("prog");
      checkSide({
        run: () => testRun(prog, { data: new Uint8Array(64) }).retval,
        lookup: (map, key) => obj.map(map).lookup(le32(key)),
      });
    } finally {
      obj.close();
    }
  });
});

describe("callbacks of kernel objects and events (test/fixtures/callbacks-kernel.ts)", () => {
  const KFILE = "test/fixtures/callbacks-kernel.ts";
  const KSOURCE = readFileSync(new URL(`../../${KFILE}`, import.meta.url), "utf8");

  it("compile: a bpf_timer field is BTF struct bpf_timer, each callback a static subprogram", async () => {
    const out = await build(KSOURCE, KFILE);
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const obj = readBpfObject(out.object!);
    expect(obj.subprograms.map((s) => s.name).sort()).toEqual(["onTimer__cb", "vma__cb"]);
    const timer = obj.btf!.types.find((t) => t.kind === "struct" && t.name === "bpf_timer");
    expect(timer).toMatchObject({ size: 16 });
  });

  it("are refused by the VM naming the helper and why", async () => {
    const obj = await VmObject.load((await build(KSOURCE, KFILE)).object!);
    expect(() => obj.program("arm").run({ packet: new Uint8Array(64) })).toThrow(
      /calls bpf_timer_init \(helper 169\), which the VM does not implement: it needs a running kernel/,
    );
    expect(() => obj.program("vma").run({})).toThrow(
      /calls bpf_find_vma \(helper 180\), which the VM does not implement: its callback runs on kernel objects/,
    );
  });

  it("run on the live kernel: the timer fires its callback, find_vma calls back for a mapped address", async () => {
    if (!kernelReady("bpf_timer and bpf_find_vma callbacks on the kernel")) return;
    const obj = loadObject((await build(KSOURCE, KFILE)).object!);
    try {
      expect(testRun(obj.program("arm"), { data: new Uint8Array(64) }).retval).toBe(XDP_PASS);
      // The callback runs in softirq context 1 µs later: wait for it (bounded).
      let fired = 0n;
      for (let i = 0; i < 100 && fired === 0n; i++) {
        await new Promise((r) => setTimeout(r, 10));
        const v = obj.map("timers").lookup(le32(0))!;
        fired = new DataView(v.buffer, v.byteOffset).getBigUint64(16, true);
      }
      expect(fired).toBe(1n);
      // Argument 0 of the raw tracepoint: an address inside this process's first mapping.
      const first = readFileSync("/proc/self/maps", "utf8").split("-")[0]!;
      const args = new Uint8Array(16);
      new DataView(args.buffer).setBigUint64(0, BigInt(`0x${first}`) + 16n, true);
      expect(testRun(obj.program("vma"), { ctx: args }).retval).toBe(0);
      expect(u64(obj.map("found").lookup(le32(0)))).toBe(0n); // found
      expect(u64(obj.map("found").lookup(le32(1)))).toBe(1n); // the callback ran once
      new DataView(args.buffer).setBigUint64(0, 16n, true); // nothing is mapped at 16
      expect(testRun(obj.program("vma"), { ctx: args }).retval).toBe(0);
      expect(u64(obj.map("found").lookup(le32(0)))).toBe(BigInt.asUintN(64, -2n)); // -ENOENT
      expect(u64(obj.map("found").lookup(le32(1)))).toBe(0n);
    } finally {
      obj.close();
    }
  });
});

describe("callback mistakes are one clear error at the TS span", () => {
  const errors = async (body: string) => {
    const src = `import { xdp, loop, forEachMapElem, HashMap, Ref, i64, u32, u64 } from "tsbpf";
interface S { n: u64; }
const m = new HashMap<u32, u64>({ maxEntries: 4 });
${body}
export const license = "GPL";
`;
    const out = await build(src, "t.ts");
    return out.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`);
  };

  it("capturing a local of the caller", async () => {
    const e = await errors(`export const p = xdp((ctx) => {
  let total: u64 = 0;
  const s: S = { n: 0 };
  loop(3, (i, c) => { total += i; return 0; }, s);
  return 2;
});`);
    expect(e).toEqual([
      "TSB1004 7:23 function '<arrow function>' captures mutable variable 'total' of an enclosing function; pass it as a parameter or make it a top-level global",
    ]);
  });

  it("a scalar as the callback's context", async () => {
    const e = await errors(`export const p = xdp((ctx) => {
  let n: u64 = 0;
  loop(3, (i, c) => 0, n);
  return 2;
});`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^TSB2004 6:24 .*expected the callback's context: a struct variable/);
  });

  it("a callback with a key of the wrong type", async () => {
    const e =
      await errors(`function f(map: HashMap<u32, u64>, key: Ref<u64>, v: Ref<u64>, c: Ref<S>): i64 { return 0; }
export const p = xdp((ctx) => {
  const s: S = { n: 0 };
  forEachMapElem(m, f, s);
  return 2;
});`);
    expect(e).toEqual([
      "TSB2004 4:41 cannot use a value of type Ref<u64> here; expected Ref<u32>: bpf_for_each_map_elem passes its callback that",
    ]);
  });

  it("a callback that is not a function", async () => {
    const e = await errors(`export const p = xdp((ctx) => {
  const s: S = { n: 0 };
  loop(3, 7, s);
  return 2;
});`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^TS2345 6:11 /);
  });
});
