/**
 * Behaviour of switch, nested conditions, ternaries with side effects, early returns and `continue`
 * (test/frontend/cases/{switch,conditions,loops}.ts, whose IR shape the golden tests pin), run in
 * the VM over many inputs and compared with a JavaScript model of the same source.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { VmObject } from "../../runtime/vm/api.ts";
import { loadCase, run, u32 } from "./support.ts";

const INPUTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 99, 100, 1000, 65535, 1000000, -7, -1];

describe("switch", () => {
  let obj: VmObject;
  beforeAll(async () => void (obj = await loadCase("switch")));

  it("dense labels pick their case, others the default", () => {
    for (const x of INPUTS) {
      const want = ({ 0: 10, 1: 11, 2: 12, 3: 13, 4: 14 } as Record<number, number>)[x] ?? 99;
      expect(run(obj, "dense", x), `x=${x}`).toBe(BigInt(want));
    }
  });

  it("sparse signed labels without a default", () => {
    const table = new Map([
      [-7, 1],
      [100, 2],
      [65535, 3],
      [1000000, 4],
    ]);
    for (const x of INPUTS) expect(run(obj, "sparse", x), `x=${x}`).toBe(BigInt(table.get(x) ?? 0));
  });

  it("falls through until break, including through a default in the middle", () => {
    const model = (x: number): number => {
      const order: [number | "default", number][] = [
        [1, 1],
        [2, 10],
        [3, 100],
        [4, 1000],
        ["default", 5],
        [6, 20000],
      ];
      let start = order.findIndex(([label]) => label === x);
      if (start < 0) start = 4;
      let acc = 0;
      for (let i = start; i < order.length; i++) {
        acc += order[i]![1];
        if (order[i]![0] === 3) break;
      }
      return acc;
    };
    for (const x of INPUTS) expect(run(obj, "fallthrough", x), `x=${x}`).toBe(BigInt(model(x)));
  });

  it("a default before the cases", () => {
    for (const x of INPUTS) expect(run(obj, "defaultFirst", x)).toBe(x === 5 ? 2n : 1n);
  });

  it("break leaves the switch and continue the enclosing loop", () => {
    const model = (n: number): number => {
      let sum = 0;
      for (let i = 0; i < 10; i++) {
        if (i >= n) break;
        const k = i % 4;
        if (k === 1) continue;
        if (k === 0) sum += 1;
        else if (k === 2) sum += 110;
        else sum += 10;
        sum += 1000;
      }
      return sum;
    };
    for (const n of INPUTS)
      expect(run(obj, "inLoop", u32(n)), `n=${n}`).toBe(BigInt(model(Number(u32(n)))));
  });

  it("break in a loop inside a case leaves only the loop", () => {
    for (const b of [0, 1, 7, 99, 100, 500]) {
      expect(run(obj, "loopInCase", 1, b), `b=${b}`).toBe(BigInt(2 * Math.min(b, 100) + 1));
      expect(run(obj, "loopInCase", 2, b)).toBe(50n);
      expect(run(obj, "loopInCase", 3, b)).toBe(0n);
    }
  });
});

describe("conditions and ternaries", () => {
  let obj: VmObject;
  beforeAll(async () => void (obj = await loadCase("conditions")));
  const small = [0, 1, 2, 3, 5, 7, 11, 200];

  it("nested && and || in if conditions", () => {
    for (const a of small)
      for (const b of small)
        for (const c of small) {
          let want = 0;
          if ((a > 1 && (b < 5 || c === 7)) || (!(a === 0) && b === c && c !== 3)) want = 1;
          else if (!(a > 10 || b > 10) && (c > 10 || (a === b && b !== 0))) want = 2;
          expect(run(obj, "nestedCond", a, b, c), `${a},${b},${c}`).toBe(BigInt(want));
        }
  });

  it("&&, || and ! as values", () => {
    for (const a of small)
      for (const b of small) {
        const want =
          (a !== 0 && b !== 0 ? 1 : 0) |
          (a > b || (b > 100 && a === 0) ? 2 : 0) |
          (!(a !== 0 || b !== 0) ? 4 : 0);
        expect(run(obj, "condValues", a, b), `${a},${b}`).toBe(BigInt(want));
      }
  });

  it("short-circuit skips calls with side effects", () => {
    for (const a of INPUTS) {
      const x = Number(u32(a));
      const r = (x > 5 && x > 7 ? 1 : 0) + (x > 5 || x === 2 ? 10 : 0);
      // Exactly one of the two `touch` calls runs for any input.
      expect(run(obj, "shortCircuitCalls", a), `a=${a}`).toBe(BigInt(r * 100 + 1));
    }
  });

  it("only the taken ternary branch has side effects", () => {
    for (const a of INPUTS) {
      const x = u32(a);
      let calls = 0n;
      let i = 0n;
      let j = 100n;
      const touch = (v: bigint): bigint => (calls++, v);
      let v: bigint;
      if (x % 2n === 0n) {
        const old = i;
        i++;
        v = u32(old + touch(5n));
      } else v = --j;
      const w = x > 2n ? (x > 4n ? touch(x) : j++) : i;
      const xx = x === 0n ? 0n : x * 3n;
      const lo = u32(u32(u32(v * 1000n + w) * 1000n + i * 100n + (j - 90n)) * 10n + calls);
      expect(run(obj, "ternarySideEffects", a), `a=${a}`).toBe(
        BigInt.asIntN(64, lo + xx * 1000000000n),
      );
    }
  });
});

describe("loops", () => {
  let obj: VmObject;
  beforeAll(async () => void (obj = await loadCase("loops")));

  it("returns from inside a loop", () => {
    for (const n of [0, 1, 2, 5, 16, 17, 960, 961, 962, 5000]) {
      let want = 99;
      for (let i = 0; i < 32; i++)
        if (i * i >= n) {
          want = i;
          break;
        }
      expect(run(obj, "firstSquare", n), `n=${n}`).toBe(BigInt(want));
    }
  });

  it("returns from an inner loop", () => {
    const model = (target: number): number => {
      let steps = 0;
      for (let i = 1; i < 8; i++)
        for (let j = i; j < 40; j += i) {
          steps++;
          if (i * j === target) return i * 1000 + j * 10 + (steps > 9 ? 9 : steps);
        }
      return steps;
    };
    for (const t of [0, 1, 2, 4, 6, 9, 12, 35, 49, 1000])
      expect(run(obj, "nestedReturn", t), `t=${t}`).toBe(BigInt(model(t)));
  });

  it("continue runs a for loop's update", () => {
    const model = (skip: number): number => {
      let sum = 0;
      let step = 1;
      for (let i = 0; i < 200; i = i * 2 + step) {
        if (i % 3 === skip) {
          step++;
          continue;
        }
        sum += i;
      }
      return sum * 100 + step;
    };
    for (const s of [0, 1, 2, 3])
      expect(run(obj, "continueUpdate", s), `skip=${s}`).toBe(BigInt(model(s)));
  });

  it("continue in do/while goes to the condition", () => {
    const model = (n0: number): number => {
      let n = n0 >>> 0;
      let odd = 0;
      do {
        n = (n - 1) >>> 0;
        if (n % 2 === 0) continue;
        odd++;
      } while (n > 0 && n < 1000);
      return odd;
    };
    for (const n of [0, 1, 2, 3, 10, 11, 999, 1000, 5000])
      expect(run(obj, "doWhileContinue", n), `n=${n}`).toBe(BigInt(model(n)));
  });
});
