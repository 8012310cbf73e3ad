/**
 * Set-membership chains as one bit test (compiler/passes/bit-tests.ts): the IR rewrite on its own
 * (what is and is not a chain); a program with a 32-bit chain, a 64-bit chain and a negated chain
 * leaving a loop, run in the VM against the same logic written in JavaScript; and v6ext built plain
 * (the reference) and optimised, run in the VM. The inputs cover every member, their aliases modulo
 * 64 (a shift without the range test would take them for members) and values past the largest member.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { lowerBitTests } from "../../compiler/passes/bit-tests.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { expectUnchanged, runPass } from "./support.ts";

/** `x` in {0, 43, 60} → 1, else 2, written as a chain of `ne` tests like the front end's `&&`. */
const chain = (k: [number, number, number], type = "i32") => `
      func @f(${type}) -> i64 {
      b0(v0:${type}):
        v1:${type} = const ${k[0]}
        v2:i1 = icmp ne v0, v1
        condbr v2, b1, b4
      b1:
        v3:${type} = const ${k[1]}
        v4:i1 = icmp ne v0, v3
        condbr v4, b2, b4
      b2:
        v5:${type} = const ${k[2]}
        v6:i1 = icmp ne v0, v5
        condbr v6, b3, b4
      b3:
        v7:i64 = const 2
        ret v7
      b4:
        v8:i64 = const 1
        ret v8
      }`;

describe("bit-tests", () => {
  it("turns three compares of one value into a range test and a mask test", () => {
    const { out, changed } = runPass(lowerBitTests, chain([0, 43, 60]));
    expect(changed).toBe(true);
    expect(out).toContain("icmp ugt v0");
    expect(out).toMatch(/i64 = shl /);
    expect(out).toContain("icmp slt");
    // Bit 63 - k for each constant k, as a signed i64.
    expect(out).toContain(`const ${BigInt.asIntN(64, (1n << 63n) | (1n << 20n) | (1n << 3n))}`);
    expect(out).not.toContain("b1:");
    expect(out).not.toContain("b2:");
  });

  it("tests in 32 bits when every constant is below 32", () => {
    const { out } = runPass(lowerBitTests, chain([0, 5, 31], "i64"));
    expect(out).toContain("trunc v0");
    expect(out).toMatch(/i32 = shl /);
    expect(out).toContain(`const ${BigInt.asIntN(32, (1n << 31n) | (1n << 26n) | 1n)}`);
  });

  it("leaves two-case chains and constants of 64 and more alone", () => {
    expectUnchanged(lowerBitTests, chain([0, 43, 43]));
    expectUnchanged(lowerBitTests, chain([0, 43, 64]));
  });
});

/** Three chains: `a` (u32) in {2, 9, 33, 63}, `w` (u64) in {0, 12, 40}, and a loop while `x` is in {4, 8, 15, 16}. */
const MEMBERS = `
import { xdp, u8, u32, u64 } from "tsbpf";

interface Rec {
  a: u8;
  b: u8;
  c: u8;
  d: u8;
  e: u32;
  w: u64;
}

export const member = xdp((ctx) => {
  const r = ctx.header<Rec>(0);
  if (r === null) return 1;
  const a: u32 = r.value.a;
  let out: u32 = 0;
  if (a === 2 || a === 9 || a === 33 || a === 63) out = 1;
  const w: u64 = r.value.w;
  if (w === 0 || w === 12 || w === 40) out |= 2;
  let x: u32 = r.value.b;
  for (let i = 0; i < 3; i++) {
    if (x !== 4 && x !== 8 && x !== 15 && x !== 16) break;
    x = i === 0 ? r.value.c : r.value.d;
    out += 8;
  }
  return out;
});

export const license = "GPL";
`;

/** The program above in JavaScript: what `member` returns for a 16-byte record. */
function reference(rec: Uint8Array): number {
  const view = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  let out = [2, 9, 33, 63].includes(rec[0]!) ? 1 : 0;
  if ([0n, 12n, 40n].includes(view.getBigUint64(8, true))) out |= 2;
  let x = rec[1]!;
  for (let i = 0; i < 3; i++) {
    if (![4, 8, 15, 16].includes(x)) break;
    x = i === 0 ? rec[2]! : rec[3]!;
    out += 8;
  }
  return out;
}

describe("membership chains in the VM agree with a JavaScript reference", () => {
  it("returns the reference's result for members, their aliases modulo 64 and other values", async () => {
    const out = await compileSource(MEMBERS, "members.ts", { check: true, dumpAfter: "bit-tests" });
    if (!out.object) throw new Error(formatDiagnostics(out.diagnostics, { "members.ts": MEMBERS }));
    // The optimised build really holds bit tests: the three chains (the loop's one per unrolled copy),
    // in 64 bits for `w` (40 is past 31) and in 32 bits for the others.
    const ir = out.dumps.join("\n");
    expect(ir.match(/i32 = shl /g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(ir.match(/i64 = shl /g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    const program = VmObject.load(out.object).program("member");
    const bytes = [
      0, 1, 2, 3, 4, 8, 9, 15, 16, 17, 33, 63, 64, 66, 68, 72, 73, 79, 80, 97, 127, 255,
    ];
    const words = [
      0n,
      12n,
      40n,
      1n,
      41n,
      64n,
      76n,
      104n,
      1n << 32n,
      (1n << 32n) + 12n,
      (1n << 63n) + 40n,
    ];
    let runs = 0;
    const check = (rec: Uint8Array) => {
      expect(program.run({ packet: rec }).r0, Buffer.from(rec).toString("hex")).toBe(
        BigInt(reference(rec)),
      );
      runs++;
    };
    for (const a of bytes) {
      for (const w of words) {
        const rec = new Uint8Array(16);
        rec[0] = a;
        new DataView(rec.buffer).setBigUint64(8, w, true);
        check(rec);
      }
    }
    for (const b of bytes) {
      for (const c of bytes) {
        for (const d of [4, 16, 68, 80, 0])
          check(new Uint8Array([9, b, c, d, ...new Array(12).fill(0)]));
      }
    }
    expect(runs).toBe(bytes.length * words.length + bytes.length * bytes.length * 5);
    // A record too short for the header takes the null way out.
    expect(program.run({ packet: new Uint8Array(15) }).r0).toBe(1n);
  });
});

describe("v6ext in the VM: bit tests agree with the plain build", () => {
  it("walks the same extension headers for every header value", async () => {
    const file = "bench/ts/v6ext.ts";
    const source = readFileSync(join(import.meta.dirname, "../..", file), "utf8");
    const build = async (optimize: boolean) => {
      const out = await compileSource(source, file, { check: true, optimize });
      if (!out.object) throw new Error(formatDiagnostics(out.diagnostics, { [file]: source }));
      return { vm: VmObject.load(out.object) };
    };
    const plain = await build(false);
    const opt = await build(true);
    const values = [0, 43, 60, 1, 42, 44, 59, 61, 63, 64, 107, 124, 128, 171, 188, 255];
    let n = 0;
    for (const first of values) {
      for (const second of values) {
        // Ethernet (IPv6), the IPv6 header, then extension headers of 8 bytes each.
        const packet = new Uint8Array(14 + 40 + 8 * 5).map((_, i) => (i * 37 + n) & 0xff);
        packet[12] = 0x86;
        packet[13] = 0xdd;
        packet[14 + 6] = first;
        for (let e = 0; e < 5; e++) {
          packet[54 + 8 * e] = e === 0 ? second : values[(n + e) % values.length]!;
          packet[54 + 8 * e + 1] = 0;
        }
        const len = n % 7 === 0 ? 54 + 8 * (n % 4) + 1 : packet.length;
        const want = plain.vm.program("walk").run({ packet: packet.slice(0, len) });
        const got = opt.vm.program("walk").run({ packet: packet.slice(0, len) });
        expect(got.r0, `nexthdr ${first}, ${second}`).toBe(want.r0);
        n++;
      }
    }
    const entries = (vm: VmObject) =>
      vm
        .map("buckets")
        .entries()
        .map(([k, v]) => `${Buffer.from(k).toString("hex")}=${Buffer.from(v).toString("hex")}`)
        .sort();
    expect(entries(opt.vm)).toEqual(entries(plain.vm));
    expect(entries(plain.vm).length).toBeGreaterThan(10);
  });
});
