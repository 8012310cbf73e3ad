/**
 * The benchmark-only programs of bench:codegen (bench/ts/*.ts, one per codegen shape: aggregate
 * copies, zeroing a large record, a char loop with an early break, a hashing loop, nested loops over
 * IPv6 headers). Each runs in the VM on both engines against a JavaScript model of its source, so a
 * code-generation change that speeds them up cannot silently change what they compute; and each
 * loads on the live kernel (the verifier accepts it).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadWithBpftool } from "../../bench/codegen/verifier.ts";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { VmObject, type VmObjectOptions } from "../../runtime/vm/api.ts";
import { bytes, i32, struct, u16, u32, u64 } from "../../runtime/vm/codecs.ts";
import { INET_SOCK_SET_STATE, TRACE_ENTRY, traceEntry } from "../examples/support.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";

const DIR = join(import.meta.dirname, "../../bench/ts");
const PROGRAMS = readdirSync(DIR)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

const objects = new Map<string, Uint8Array>();

async function build(name: string): Promise<Uint8Array> {
  const hit = objects.get(name);
  if (hit) return hit;
  const file = `bench/ts/${name}.ts`;
  const source = readFileSync(join(DIR, `${name}.ts`), "utf8");
  const out = await compileSource(source, file, { check: true });
  if (out.diagnostics.length > 0 || !out.object)
    throw new Error(formatDiagnostics(out.diagnostics, { [file]: source }));
  objects.set(name, out.object);
  return out.object;
}

const load = async (name: string, options: VmObjectOptions): Promise<VmObject> =>
  VmObject.load(await build(name), options);

const entry = traceEntry(1);

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const fnvStep = (h: number, c: number): number => Math.imul((h ^ c) >>> 0, 16777619) >>> 0;

it("every benchmark program is covered here", () => {
  expect(PROGRAMS).toEqual(["addrcopy", "commscan", "fnvhash", "v6ext", "zerorecord"]);
});

for (const engine of ["interpreter", "jit"] as const) {
  describe(`addrcopy (${engine})`, () => {
    const CTX = struct({
      ...INET_SOCK_SET_STATE,
      saddr_v6: bytes(16),
      daddr_v6: bytes(16),
    });
    const KEY = struct({
      saddr: bytes(16),
      daddr: bytes(16),
      sport: u16,
      dport: u16,
      family: u16,
      protocol: u16,
    });
    const EVENT = struct({ key: KEY, oldstate: u32, newstate: u32 });
    const record = (seed: number, family = 10) => ({
      ...entry,
      skaddr: 0xffff_8880_0000_1000n,
      oldstate: 7,
      newstate: 2,
      sport: 40000 + seed,
      dport: 443,
      family,
      protocol: 6,
      saddr: 0,
      daddr: 0,
      saddr_v6: noise(16, seed),
      daddr_v6: noise(16, seed + 100),
    });

    it("copies both addresses into the key, counts it and emits it whole", async () => {
      const obj = await load("addrcopy", { engine });
      const p = obj.program("onStateChange");
      const a = record(1);
      const b = record(2);
      for (const r of [a, b, a, record(3, 2)]) expect(p.run({ ctx: CTX.encode(r) }).r0).toBe(0n);
      const keyOf = (r: typeof a) => ({
        saddr: r.saddr_v6,
        daddr: r.daddr_v6,
        sport: r.sport,
        dport: r.dport,
        family: r.family,
        protocol: r.protocol,
      });
      const flows = obj.map("flows").as(KEY, u64);
      expect(flows.get(keyOf(a))).toBe(2n);
      expect(flows.get(keyOf(b))).toBe(1n);
      expect(flows.entries()).toHaveLength(2); // the AF_INET record is skipped
      const events = obj
        .ringbuf("events")
        .drain()
        .map((e) => EVENT.decode(e));
      expect(events).toEqual(
        [a, b, a].map((r) => ({ key: keyOf(r), oldstate: r.oldstate, newstate: r.newstate })),
      );
    });
  });

  describe(`zerorecord (${engine})`, () => {
    const CTX = struct({ ...TRACE_ENTRY, comm: bytes(16), pid: i32, prio: i32, group_dead: u32 });
    it("stores a record that is zero except for the fields the program sets", async () => {
      const obj = await load("zerorecord", {
        engine,
        process: { pid: 0x1234, tgid: 0x99 },
        clock: () => 0x1122_3344_5566_7788n,
      });
      const ctx = CTX.encode({ ...entry, comm: noise(16, 5), pid: 7, prio: 120, group_dead: 1 });
      expect(obj.program("onExit").run({ ctx }).r0).toBe(0n);
      const stored = obj.map("exits").entries();
      expect(stored).toHaveLength(1);
      const [key, value] = stored[0]!;
      expect(u32.decode(key)).toBe(0x1234);
      const want = new Uint8Array(136);
      const dv = new DataView(want.buffer);
      dv.setUint32(0, 0x1234, true);
      dv.setUint32(4, 0x99, true);
      dv.setBigUint64(8, 0x1122_3344_5566_7788n, true);
      dv.setUint32(16, 120, true);
      expect([...value]).toEqual([...want]);
    });
  });

  describe(`commscan (${engine})`, () => {
    it("measures the name to its NUL and counts names ending in a digit by length", async () => {
      const obj = await load("commscan", { engine });
      const p = obj.program("onSysEnter");
      const names = ["kworker/0", "bash", "x1", "abcdefghijklmn7", "kworker/0", "7", "", "ab9c"];
      for (const comm of names) expect(p.run({ process: { comm } }).r0).toBe(0n);
      const want = new Map<number, bigint>();
      for (const n of names)
        if (n.length > 0 && /[0-9]$/.test(n)) want.set(n.length, (want.get(n.length) ?? 0n) + 1n);
      expect(new Map(obj.map("byLength").as(u32, u64).entries())).toEqual(want);
    });
  });

  describe(`fnvhash (${engine})`, () => {
    const CTX = struct({
      ...TRACE_ENTRY,
      nr: i32,
      pad: u32,
      dfd: u64,
      filename: u64,
      flags: u64,
      mode: u64,
    });
    const AT = 0x7fff_0000_1000n;
    /** probeReadUserStr keeps at most 31 bytes and the NUL; the loop hashes up to the NUL. */
    const model = (path: string): number => {
      let h = 2166136261;
      for (const c of new TextEncoder().encode(path).subarray(0, 31)) h = fnvStep(h, c);
      return h;
    };

    it("counts opens by the FNV-1a hash of the path's first bytes", async () => {
      const paths = ["/etc/passwd", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/passwd", "a"];
      const at = (i: number): bigint => AT + BigInt(i) * 0x1000n;
      const obj = await load("fnvhash", {
        engine,
        userMemory: paths.map((path, i) => ({
          address: at(i),
          bytes: new TextEncoder().encode(`${path}\0`),
        })),
      });
      const p = obj.program("onOpen");
      paths.forEach((_, i) => {
        const ctx = CTX.encode({
          ...entry,
          nr: 257,
          pad: 0,
          dfd: 0n,
          filename: at(i),
          flags: 0n,
          mode: 0n,
        });
        expect(p.run({ ctx }).r0).toBe(0n);
      });
      const want = new Map<number, bigint>();
      for (const path of paths) want.set(model(path), (want.get(model(path)) ?? 0n) + 1n);
      expect(new Map(obj.map("byHash").as(u32, u64).entries())).toEqual(want);
    });
  });

  describe(`v6ext (${engine})`, () => {
    /** Ethernet + IPv6 header + extension headers (next header, length in 8-byte units - 1). */
    const frame = (first: number, exts: [number, number][], seed: number): Uint8Array => {
      const extBytes = exts.reduce((n, [, len]) => n + (len + 1) * 8, 0);
      const f = new Uint8Array(14 + 40 + extBytes + 8);
      f[12] = 0x86;
      f[13] = 0xdd;
      f[14] = 0x60;
      f[14 + 6] = first;
      f.set(noise(32, seed), 14 + 8);
      let off = 54;
      for (const [next, len] of exts) {
        f[off] = next;
        f[off + 1] = len;
        off += (len + 1) * 8;
      }
      return f;
    };
    const model = (f: Uint8Array): number | undefined => {
      if (f.length < 54 || f[12] !== 0x86 || f[13] !== 0xdd) return undefined;
      let proto = f[20]!;
      let off = 54;
      for (let i = 0; i < 4; i++) {
        if (proto !== 0 && proto !== 43 && proto !== 60) break;
        if (off + 2 > f.length) return undefined;
        proto = f[off]!;
        off += (f[off + 1]! + 1) * 8;
      }
      const dv = new DataView(f.buffer, f.byteOffset);
      let h = proto;
      for (let w = 0; w < 8; w++) h = fnvStep(h, dv.getUint32(22 + 4 * w, true));
      return ((proto << 16) | (h & 0xff)) >>> 0;
    };

    it("walks extension headers to the transport protocol and counts flow buckets", async () => {
      const obj = await load("v6ext", { engine });
      const p = obj.program("walk");
      const frames = [
        frame(6, [], 1),
        frame(0, [[6, 0]], 2),
        frame(
          0,
          [
            [43, 1],
            [60, 0],
            [17, 2],
          ],
          3,
        ),
        frame(
          60,
          [
            [60, 0],
            [60, 0],
            [60, 0],
            [60, 0],
            [6, 0],
          ],
          4,
        ), // a fifth header is not walked
        frame(43, [[6, 0]], 5).subarray(0, 55), // extension header cut short
        frame(17, [], 6).subarray(0, 50), // IPv6 header cut short
      ];
      const want = new Map<number, bigint>();
      for (const f of frames) {
        expect(p.run({ packet: f }).r0).toBe(2n); // XDP_PASS
        const k = model(f);
        if (k !== undefined) want.set(k, (want.get(k) ?? 0n) + 1n);
      }
      expect(want.size).toBeGreaterThanOrEqual(3);
      expect(new Map(obj.map("buckets").as(u32, u64).entries())).toEqual(want);
    });
  });
}

const canLoad = capability(
  "root + bpftool",
  hasKernelBpf() && hasCommand("bpftool", ["version"]),
  "benchmark-only programs load on the kernel",
);

describe.skipIf(!canLoad).each(PROGRAMS)("%s on the kernel", (name) => {
  let path: string;
  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), "tsbpf-benchprog-")), `${name}.o`);
    writeFileSync(path, await build(name));
  });

  it("is accepted by the verifier", () => {
    const report = loadWithBpftool(path);
    expect(report.error).toBeUndefined();
    expect(report.loaded).toBe(true);
    for (const [prog, v] of report.programs) expect("processed" in v, prog).toBe(true);
  });
});
