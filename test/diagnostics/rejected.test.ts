/**
 * One case per rejected construct: the exact code, message fragment and line:col, plus the
 * formatter's code frame.
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { formatDiagnostic } from "../../compiler/diag/index.ts";

const HEAD = `import { HashMap, i32, printk, tracepoint, u8, u32, u64 } from "tsbpf";\nexport const license = "GPL";\n`;
const prog = (body: string, top = ""): string =>
  `${HEAD}${top}export const p = tracepoint("raw_syscalls/sys_enter", (ctx) => {\n${body}\n  return 0;\n});\n`;

const cases: [string, string, string, number, number, RegExp][] = [
  [
    "uninit() outside a local declaration",
    prog('  let a: FixedArray<u8, 4> = zeroed();\n  printk("%d", a[0]);\n  a = uninit();').replace(
      "u64 }",
      "u64, FixedArray, zeroed, uninit }",
    ),
    "TSB1001",
    6,
    7,
    /uninit\(\) here: not supported.*only to declare a local struct or array/,
  ],
  ["float literal", prog("  const x: u32 = 1.5;"), "TSB1002", 4, 18, /non-integer number '1.5'/],
  ["any", prog("  const x: any = 1;"), "TSB1003", 4, 12, /type 'any'/],
  [
    "narrowing",
    prog("  const a: u64 = 1;\n  const b: u32 = a;"),
    "TSB2001",
    5,
    18,
    /cannot implicitly convert u64 to u32/,
  ],
  [
    "sign mixing",
    prog("  const a: u32 = 1;\n  const b: i32 = -1;\n  const c = a + b;"),
    "TSB2002",
    6,
    13,
    /mix signed i32 and unsigned u32/,
  ],
  [
    "constant range",
    prog("  const a: u8 = 300;"),
    "TSB2003",
    4,
    17,
    /constant 300 does not fit in u8/,
  ],
  [
    "array literal",
    prog("  const a = [1, 2];"),
    "TSB1006",
    4,
    13,
    /dynamic allocation \(an array literal\)/,
  ],
  [
    "new of a class",
    prog("  const a = new Buf(4);", "declare class Buf { constructor(n: number); }\n"),
    "TSB1006",
    5,
    13,
    /new Buf/,
  ],
  ["throw", prog("  if (ctx.id === 0) throw 1;"), "TSB1007", 4, 21, /exceptions \(throw\)/],
  ["for-of", prog("  for (const x of ctx.args) {}"), "TSB1001", 4, 3, /for-of\/for-in loops/],
  [
    "recursion",
    `${HEAD}function f(n: u32): u32 {\n  return n === 0 ? 0 : f(n - 1);\n}\nexport const p = tracepoint("raw_syscalls/sys_enter", (ctx) => f(3));\n`,
    "TSB1005",
    3,
    10,
    /recursive call to 'f'/,
  ],
  [
    "closure over mutable state",
    prog("  let n: u32 = 0;\n  function g(): u32 { return n; }"),
    "TSB1004",
    5,
    30,
    /captures mutable variable 'n'/,
  ],
  [
    "string outside printk",
    prog('  const s = "hi";'),
    "TSB1009",
    4,
    13,
    /strings are only allowed/,
  ],
  [
    "printk args",
    prog('  printk("%d %d %d %d", 1, 2, 3, 4);'),
    "TS2554",
    4,
    34,
    /Expected 1-4 arguments/,
  ],
  [
    "class",
    `${HEAD}class A {}\n`,
    "TSB1001",
    3,
    1,
    /classes: not supported in tsbpf programs; declare data as an interface/,
  ],
  [
    "unknown helper",
    prog("  foo();", "declare function foo(): void;\n"),
    "TSB1010",
    5,
    3,
    /unknown function 'foo'/,
  ],
  [
    "context write (readonly in the stdlib)",
    prog("  ctx.id = 1;"),
    "TS2540",
    4,
    7,
    /read-only property/,
  ],
  [
    "printk format not literal",
    prog("  printk(FMT);", "const FMT = 1;\n"),
    "TS2345",
    5,
    10,
    /not assignable/,
  ],
  ["write to const", prog("  const a: u32 = 1;\n  a = 2;"), "TS2588", 5, 3, /constant/],
  [
    "array index out of bounds",
    prog("  const x = ctx.args[6];"),
    "TSB3005",
    4,
    22,
    /index 6 is out of bounds/,
  ],
  [
    "number without width",
    prog("  const x: number = 1;"),
    "TSB2004",
    4,
    12,
    /'number' has no width/,
  ],
  [
    "stack limit",
    prog("  const a: FixedArray<u64, 80> = zeroed();").replace(
      "printk,",
      "printk, FixedArray, zeroed,",
    ),
    "TSB3004",
    3,
    55,
    /needs 640 bytes/,
  ],
  [
    "typescript error",
    prog("  const x: u32 = ctx.nope;"),
    "TS2339",
    4,
    22,
    /Property 'nope' does not exist/,
  ],
];

describe("rejected constructs", () => {
  for (const [name, src, code, line, col, re] of cases) {
    it(name, () => {
      const r = compileToIr(src, "t.ts");
      expect(r.module).toBeUndefined();
      const d = r.diagnostics.find((x) => x.code === code);
      expect(
        d,
        JSON.stringify(r.diagnostics.map((x) => `${x.code}@${x.line}:${x.col} ${x.message}`)),
      ).toBeDefined();
      expect(d!.message).toMatch(re);
      expect([d!.line, d!.col]).toEqual([line, col]);
    });
  }

  it("formats a code frame with a caret underline", () => {
    const src = prog("  const x: u32 = 1.5;");
    const d = compileToIr(src, "t.ts").diagnostics[0]!;
    expect(formatDiagnostic(d, src)).toBe(
      "t.ts:4:18: error TSB1002: non-integer number '1.5': eBPF has no floating point; use integers (for example fixed-point scaled by 1000)\n" +
        "  4 |   const x: u32 = 1.5;\n" +
        "    |                  ^^^",
    );
  });
});
