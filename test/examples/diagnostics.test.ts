/**
 * Misuse of the language features the examples introduced — __data_loc fields, stack trace maps,
 * ring buffer sizes, ctx.loadBytes, uretprobe — gives a diagnostic with its exact code and position.
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";

const HEAD =
  'import { DataLoc, RingBuf, StackTraceMap, dataLocAddress, perfEvent, tracepoint, xdp, tc, u32, u64 } from "tsbpf";\n' +
  'export const license = "GPL";\n';

/** [name, source after HEAD, code, line, col, message fragment]. */
const cases: [string, string, string, number, number, RegExp][] = [
  [
    "dataLocAddress on a plain u32 field",
    'export const p = tracepoint("sched/sched_process_exec", (ctx) => {\n  const a = dataLocAddress(ctx, ctx.pid);\n  return 0;\n});\n',
    "TSB2004",
    4,
    33,
    /__data_loc field of the tracepoint context/,
  ],
  [
    "dataLocAddress outside a tracepoint",
    "export const p = xdp((ctx) => {\n  const a = dataLocAddress(ctx, 0);\n  return 2;\n});\n",
    "TSB2004",
    4,
    28,
    /the context of a tracepoint program/,
  ],
  [
    "dataLocAddress with one argument",
    'export const p = tracepoint("sched/sched_process_exec", (ctx) => {\n  const a = dataLocAddress(ctx);\n  return 0;\n});\n',
    "TS2554",
    4,
    13,
    /Expected 2 arguments/,
  ],
  [
    "a user struct's DataLoc field works like the stdlib's",
    'interface Fmt { a: u32; name: DataLoc; }\nexport const p = tracepoint("x/y", (ctx: Fmt) => {\n  const a: u64 = dataLocAddress(ctx, ctx.a);\n  return 0;\n});\n',
    "TSB2004",
    5,
    38,
    /expected a __data_loc field/,
  ],
  [
    "stack depth out of range",
    "const s = new StackTraceMap({ maxEntries: 16, maxDepth: 500 });\n",
    "TSB3002",
    3,
    47,
    /maxDepth must be 1..127/,
  ],
  [
    "getStackId without the ctx",
    "const s = new StackTraceMap({ maxEntries: 16 });\nexport const p = perfEvent((ctx) => {\n  const id = s.getStackId(s);\n  return 0;\n});\n",
    "TSB2004",
    5,
    27,
    /the program's ctx/,
  ],
  [
    "ring buffer size not a power of two",
    "interface E { a: u32; }\nconst rb = new RingBuf<E>({ maxEntries: 5000 });\n",
    "TSB3002",
    4,
    27,
    /power of two of at least 4096 .* not 5000/,
  ],
  [
    "loadBytes into a computed value",
    "export const p = tc((ctx) => {\n  ctx.loadBytes(0, 1);\n  return 0;\n});\n",
    "TSB3006",
    4,
    20,
    /ctx.loadBytes's argument needs a memory location/,
  ],
  [
    "loadBytes on an XDP context",
    "export const p = xdp((ctx) => {\n  const b: u32 = 0;\n  return 2;\n});\nexport const q = xdp((ctx) => { ctx.loadBytes(0, ctx); return 2; });\n",
    "TS2339",
    7,
    37,
    /Property 'loadBytes' does not exist/,
  ],
];

describe("diagnostics of the examples' language features", () => {
  for (const [name, body, code, line, col, message] of cases) {
    it(name, () => {
      const r = compileToIr(HEAD + body, "t.ts");
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      expect(
        errors.map((d) => `${d.code} ${d.line}:${d.col}`),
        errors.map((d) => d.message).join("\n"),
      ).toContain(`${code} ${line}:${col}`);
      expect(errors.find((d) => d.code === code)!.message).toMatch(message);
      expect(r.module).toBeUndefined();
    });
  }

  it("uretprobe names its section uretprobe/<binary>:<symbol> and reads ctx.ret()", () => {
    const r = compileToIr(
      HEAD.replace("xdp, tc,", "uretprobe,") +
        'export const p = uretprobe("/bin/bash:readline", (ctx) => (ctx.ret() === 0 ? 1 : 0));\n',
      "t.ts",
    );
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.module!.functions[0]!.section).toBe("uretprobe//bin/bash:readline");
  });
});
