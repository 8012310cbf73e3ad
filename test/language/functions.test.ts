/**
 * Functions over real values (test/frontend/cases/functions.ts, golden IR next to it): user functions taking a map, the
 * XDP context, a `Ref<T>`, a struct and a fixed array, inlined at each call. The same object runs in
 * the VM (both engines) and, with root, on the live kernel through BPF_PROG_TEST_RUN: verdicts and
 * map contents must agree with what the TypeScript says. The diagnostics for what stays unsupported
 * are one error each, at the parameter's span, with no follow-on error at the calls.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { ethernet, ipv4Packet, ports } from "../examples/support.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FILE = "test/frontend/cases/functions.ts";
const SOURCE = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");
const XDP_DROP = 1;
const XDP_PASS = 2;
const TCP = 6;
const UDP = 17;

async function build(): Promise<Uint8Array> {
  const out = await compileSource(SOURCE, FILE, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

const le32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const words64 = (b: Uint8Array): bigint[] =>
  Array.from({ length: b.length / 8 }, (_, i) =>
    new DataView(b.buffer, b.byteOffset).getBigUint64(i * 8, true),
  );
const words32 = (b: Uint8Array): number[] =>
  Array.from({ length: b.length / 4 }, (_, i) =>
    new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true),
  );

const tcpTo = (port: number, ihl = 5): Uint8Array =>
  ethernet(
    0x0800,
    ipv4Packet({
      src: "10.0.0.1",
      dst: "10.0.0.2",
      protocol: TCP,
      payload: ports(1, port, 16),
      ihl,
    }),
  );
const udp = ethernet(
  0x0800,
  ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: UDP, payload: ports(1, 53) }),
);
const arp = ethernet(0x0806, new Uint8Array(28));

/** The sequence every side runs, and what the program must have done. */
interface Side {
  run(packet: Uint8Array): number;
  lookup(map: string, key: number): Uint8Array | undefined;
}

function checkSide(side: Side): void {
  expect(side.run(arp)).toBe(XDP_PASS); // not IPv4: ipProtocol(ctx) is -1
  expect(side.lookup("perProto", 0x0806)).toBeUndefined();
  expect(side.run(udp)).toBe(XDP_PASS);
  expect(words64(side.lookup("perProto", UDP)!)).toEqual([1n, 60n]); // bump() inserted
  // Port 8081 (slot 1), with IPv4 options: tcpDest(ctx, ip) skips them.
  expect(side.run(tcpTo(8081, 6))).toBe(XDP_PASS);
  expect(side.run(tcpTo(8081))).toBe(XDP_PASS);
  expect(side.run(tcpTo(443))).toBe(XDP_PASS);
  expect(words64(side.lookup("perProto", TCP)!)).toEqual([3n, 180n]); // bump() added twice
  expect(words64(side.lookup("portHits", 1)!)).toEqual([2n]);
  expect(words64(side.lookup("portHits", 3)!)).toEqual([1n]); // 443 & 3
  // fill(buf, 443) then fill(scratch, sum(buf)): 443*4 + 6 = 1778.
  expect(words32(side.lookup("scratch", 0)!)).toEqual([1778, 1779, 1780, 1781]);
  // total(counts) = 4 + 240 > 200: the struct parameter reads the map value.
  expect(side.run(tcpTo(80))).toBe(XDP_DROP);
}

describe("functions over maps, ctx, Ref<T>, structs and arrays", () => {
  for (const engine of ["interpreter", "jit"] as const) {
    it(`behave as written in the VM (${engine})`, async () => {
      const obj = await VmObject.load(await build(), { engine });
      checkSide({
        run: (packet) => Number(obj.program("count").run({ packet }).r0),
        lookup: (map, key) => obj.map(map).get(le32(key)),
      });
    });
  }

  it("are inlined: no BPF-to-BPF call for them, one for the scalar function", async () => {
    const out = await compileSource(SOURCE, FILE, { check: true, emit: "ir" });
    const fns = [...out.ir!.matchAll(/^func @?(\w+)/gm)].map((x) => x[1]).sort();
    expect(fns).toEqual(["count", "slot"]);
    expect(out.ir!.match(/= call @?slot\b|call @?slot\(/g)?.length ?? 0).toBe(1);
  });

  it("load on the live kernel and agree with the VM (BPF_PROG_TEST_RUN)", async () => {
    if (!kernelReady("functions over real values on the kernel")) return;
    const obj = loadObject(await build());
    try {
      const prog = obj.program("count");
      checkSide({
        run: (packet) => testRun(prog, { data: packet }).retval,
        lookup: (map, key) => obj.map(map).lookup(le32(key)) ?? undefined,
      });
    } finally {
      obj.close();
    }
  });
});

describe("what stays unsupported is one clear error at the TS span", () => {
  const errors = async (body: string) => {
    const src = `import { xdp, HashMap, XdpContext, Ref, i64, u32, u64 } from "tsbpf";
const m = new HashMap<u32, u64>({ maxEntries: 4 });
${body}
export const license = "GPL";
`;
    const out = await compileSource(src, "t.ts", { check: true });
    return out.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`);
  };

  it("a parameter of an unsupported type: no TSB1010 at its calls", async () => {
    const e = await errors(`function f(x: number): u32 { return 0; }
export const p = xdp((ctx) => f(1) + f(2));`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^TSB2004 3:15 .*'number' has no width/);
  });

  it("a map of other key/value types", async () => {
    const e = await errors(`const n = new HashMap<u32, u32>({ maxEntries: 4 });
function f(h: HashMap<u32, u64>): i64 { return h.delete(1); }
export const p = xdp((ctx) => f(n));`);
    expect(e).toEqual([
      "TSB2004 5:33 cannot use a value of type map 'n' here; expected a map of u32 → u64",
    ]);
  });

  it("a Ref of another struct, even of the same shape", async () => {
    const e = await errors(`interface A { a: u32; }
interface B { a: u32; }
function f(ctx: XdpContext, r: Ref<A>): u32 { return r.value.a; }
export const p = xdp((ctx) => {
  const h = ctx.header<B>(0);
  if (h === null) return 0;
  return f(ctx, h);
});`);
    expect(e).toEqual(["TSB2004 9:17 cannot use a value of type Ref<B> here; expected Ref<A>"]);
  });

  it("the context where a scalar is expected", async () => {
    const e = await errors(`function f(ctx: XdpContext, x: u32): u32 { return x; }
export const p = xdp((ctx) => f(ctx, ctx));`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^TS2345 4:38 /); // TypeScript's own check catches it first
  });

  it("recursion through an inlined function is TSB1005 once", async () => {
    const e =
      await errors(`function f(h: HashMap<u32, u64>, n: u32): u32 { return n === 0 ? 0 : f(h, n - 1); }
export const p = xdp((ctx) => f(m, 3));`);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^TSB1005 3:10 /);
  });
});
