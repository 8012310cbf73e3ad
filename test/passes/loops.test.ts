/**
 * Loop passes: the loop analysis (compiler/passes/loops.ts), full unrolling driven by the verifier
 * cost model (unroll-loops.ts, verifier-cost.ts) and range folding (ranges.ts, fold-ranges.ts).
 * Text-level tests check what each pass does and refuses; the VM tests at the end compile loop
 * shapes from TypeScript with and without optimisation and require the same results on many inputs
 * (the unoptimised build is the reference).
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { buildCfg, countedLoop, findLoops } from "../../compiler/passes/loops.ts";
import { foldRanges } from "../../compiler/passes/fold-ranges.ts";
import { unrollLoops } from "../../compiler/passes/unroll-loops.ts";
import { DEFAULT_UNROLL, loopCost, worthUnrolling } from "../../compiler/passes/verifier-cost.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { parseChecked, runPass } from "./support.ts";

/** `for (i = 0; i < N; i++) { if (buf[i] == 0) break; len++ }` over a 16-byte stack buffer. */
const scan = (n: number, cond = "slt") => `
      func @f(ptr) -> i64 {
        slot s0 size 16 align 8
      b0(v0:ptr):
        v1:ptr = stackslot s0
        v2:i32 = const 0
        v3:i64 = const 0
        br b1(v3, v2)
      b1(v4:i64, v5:i32):
        v6:i64 = const ${n}
        v7:i1 = icmp ${cond} v4, v6
        condbr v7, b2, b4(v5)
      b2:
        v8:i1 = icmp ult v4, v6
        v9:i64 = const 15
        v10:i64 = select v8, v4, v9
        v11:ptr = ptradd v1, v10
        v12:i32 = load.1 v11, 0
        v13:i1 = icmp eq v12, v2
        condbr v13, b4(v5), b3
      b3:
        v14:i32 = const 1
        v15:i32 = add v5, v14
        v16:i64 = const 1
        v17:i64 = add v4, v16
        br b1(v17, v15)
      b4(v18:i32):
        v19:i64 = zext v18
        ret v19
      }`;

describe("loop analysis", () => {
  it("finds the counted loop, its trip count and the counter's values", () => {
    const f = parseChecked(scan(4));
    const cfg = buildCfg(f);
    const [loop] = findLoops(f, cfg);
    expect(loop!.header).toBe(1);
    expect([...loop!.blocks].sort()).toEqual([1, 2, 3]);
    const c = countedLoop(f, cfg, loop!, 64)!;
    expect(c.values).toEqual([0n, 1n, 2n, 3n]);
    expect(c.exitValue).toBe(4n);
    expect(c.preheader).toBe(0);
    expect(c.latch).toBe(3);
  });

  it("does not count loops past the limit or with an unknown bound", () => {
    const f = parseChecked(scan(40));
    const cfg = buildCfg(f);
    expect(countedLoop(f, cfg, findLoops(f, cfg)[0]!, 32)).toBeNull();
  });

  it("the cost model: unrolling removes the test, the update and the clamp per iteration", () => {
    const f = parseChecked(scan(16));
    const cfg = buildCfg(f);
    const cost = loopCost(f, countedLoop(f, cfg, findLoops(f, cfg)[0]!, 64)!);
    expect(cost.trips).toBe(16);
    expect(cost.unrolled).toBeLessThan(cost.rolled);
    // the exit test's branch, the header compare, the clamp's compare and select, the ptradd,
    // the counter's add
    expect(cost.folded).toBeGreaterThanOrEqual(5);
    expect(worthUnrolling(f, cost)).toBe(true);
    expect(worthUnrolling(f, cost, { ...DEFAULT_UNROLL, maxGrowth: 50 })).toBe(false);
  });
});

describe("unroll-loops", () => {
  it("copies the body once per iteration with the counter constant and no back edge left", () => {
    const { out, changed } = runPass((f) => unrollLoops(f), scan(3));
    expect(changed).toBe(true);
    const f = parseChecked(out.replace(/^/gm, "      "));
    expect(findLoops(f)).toEqual([]);
    // every copy's counter is a constant: 0, 1, 2, and 3 in the exit copy
    for (const k of [0, 1, 2, 3]) expect(out).toMatch(new RegExp(`:i64 = const ${k}\\n`));
    // the exit block receives the length from each copy's break and from the last test
    expect(out.match(/br b4\(|, b4\(/g)!.length).toBe(4);
  });

  it("leaves loops over the budget rolled", () => {
    const { changed } = runPass((f) => unrollLoops(f, { ...DEFAULT_UNROLL, maxTrips: 2 }), scan(3));
    expect(changed).toBe(false);
  });
});

describe("fold-ranges", () => {
  it("drops the index clamp inside a loop that bounds the counter", () => {
    const { out, changed } = runPass(foldRanges, scan(16));
    expect(changed).toBe(true);
    expect(out).toContain("v8:i1 = const 1");
    // the loop test itself is not decided (the counter reaches 16 there)
    expect(out).toContain("v7:i1 = icmp slt v4, v6");
  });

  it("uses the dominating test: after `len != 0`, len - 1 is in range", () => {
    const { out } = runPass(
      foldRanges,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:i32 = load.1 v0, 0
        v2:i32 = const 15
        v3:i32 = and v1, v2
        v4:i32 = const 0
        v5:i1 = icmp eq v3, v4
        condbr v5, b1, b2
      b1:
        v6:i64 = const 0
        ret v6
      b2:
        v7:i32 = const 1
        v8:i32 = sub v3, v7
        v9:i64 = zext v8
        v10:i64 = const 15
        v11:i1 = icmp ult v9, v10
        ret v9
      }`,
    );
    expect(out).toContain("v11:i1 = const 1");
  });

  it("keeps comparisons the ranges do not decide", () => {
    const { changed } = runPass(
      foldRanges,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:i32 = load.1 v0, 0
        v2:i32 = const 100
        v3:i1 = icmp ult v1, v2
        v4:i64 = zext v3
        ret v4
      }`,
    );
    expect(changed).toBe(false);
  });
});

/** Loop shapes whose unrolled and range-folded builds must compute what the plain build does. */
const SHAPES = `
import { CharArray, XDP_PASS, u32, xdp } from "tsbpf";

interface Bytes {
  b: CharArray<16>;
}

export const scan = xdp((ctx) => {
  const p = ctx.header<Bytes>(0);
  if (p === null) return XDP_PASS;
  let len: u32 = 0;
  for (let i = 0; i < 16; i++) {
    if (p.value.b[i] === 0) break;
    len++;
  }
  if (len === 0) return 99;
  return p.value.b[len - 1] + len * 1000;
});

export const nested = xdp((ctx) => {
  const p = ctx.header<Bytes>(0);
  if (p === null) return XDP_PASS;
  let h: u32 = 7;
  for (let a = 0; a < 2; a++) {
    for (let w = 0; w < 8; w += 2) {
      if (p.value.b[a * 8 + w] === 255) continue;
      h = (h ^ p.value.b[a * 8 + w + 1]) * 31;
    }
  }
  let down: u32 = 0;
  for (let i = 12; i > 0; i -= 3) down = down * 3 + p.value.b[i];
  return h + down;
});

export const license = "GPL";
`;

describe("loop transformations in the VM", () => {
  it("unrolled and range-folded builds agree with the plain build on every input", async () => {
    const build = async (optimize: boolean) => {
      const out = await compileSource(SHAPES, "loops.ts", { check: true, optimize });
      if (!out.object) throw new Error(formatDiagnostics(out.diagnostics, { "loops.ts": SHAPES }));
      return out.object;
    };
    const plain = VmObject.load(await build(false));
    const opt = VmObject.load(await build(true));
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 16);
    let distinct = new Set<bigint>();
    for (let n = 0; n < 300; n++) {
      const packet = new Uint8Array(16 + (n % 3)).map(() => {
        const r = rnd() % 8;
        return r === 0 ? 0 : r === 1 ? 255 : rnd() & 0xff;
      });
      for (const prog of ["scan", "nested"]) {
        const want = plain.program(prog).run({ packet }).r0;
        const got = opt.program(prog).run({ packet }).r0;
        expect(got, `${prog} on ${Buffer.from(packet).toString("hex")}`).toBe(want);
        distinct.add(want);
      }
    }
    // the inputs reach many outcomes (early breaks at every position, continues)
    expect(distinct.size).toBeGreaterThan(100);
  });
});
