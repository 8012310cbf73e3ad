/**
 * Diagnostics that point at the real mistake (issue 14, item 6), each with its exact set of
 * diagnostics (no follow-on errors), code, line:col and message, and a code frame:
 * - a misspelled stdlib tracepoint with an untyped ctx: "no such tracepoint", naming the nearest;
 * - no follow-on errors after a float or a bad map option at top level;
 * - the closure error names a `const` as a constant; an `async` probe is reported once;
 * - a ring-buffer reservation not released on every path: an error at the `reserve`, naming the path;
 * - a loop compared only with a run-time value: an error at the test with a constant bound as the
 *   fix. As root, the fixed programs load into the kernel (the fixes are real).
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostic, formatDiagnostics } from "../../compiler/diag/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const HEAD = `import { HashMap, RingBuf, printk, tracepoint, u8, u32, u64 } from "tsbpf";\nexport const license = "GPL";\n`;
/** A tracepoint program with `body`, after `top` (line 3 on). */
const prog = (body: string, top = ""): string =>
  `${HEAD}${top}export const p = tracepoint("raw_syscalls/sys_enter", (ctx) => {\n${body}\n  return 0;\n});\n`;

/** Every diagnostic as `CODE@line:col message`. */
function diagnostics(src: string): string[] {
  const r = compileToIr(src, "t.ts");
  return r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col} ${d.message}`);
}

/** The one diagnostic of `src` (fails listing all when there are more or none). */
function only(src: string) {
  const r = compileToIr(src, "t.ts");
  expect(r.module).toBeUndefined();
  expect(r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col} ${d.message}`)).toHaveLength(1);
  return r.diagnostics[0]!;
}

describe("a misspelled stdlib tracepoint with an untyped ctx", () => {
  const src = (name: string, body: string) =>
    `${HEAD}export const p = tracepoint("${name}", (ctx) => {\n${body}\n  return 0;\n});\n`;

  it("using ctx: no such tracepoint, nearest named (not TS18046)", () => {
    const s = src("syscalls/sys_enter_opneat", '  printk("%d", ctx.flags);');
    const d = only(s);
    expect([d.code, d.line, d.col]).toEqual(["TSB3019", 3, 29]);
    expect(d.message).toMatch(
      /^no such tracepoint in the stdlib: 'syscalls\/sys_enter_opneat' \(nearest: 'syscalls\/sys_enter_openat', /,
    );
    expect(d.message).toMatch(/declare an interface .*and annotate ctx/);
    expect(formatDiagnostic(d, s).split("\n").slice(1)).toEqual([
      '  3 | export const p = tracepoint("syscalls/sys_enter_opneat", (ctx) => {',
      "    |                             ^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ]);
  });

  it("not using ctx: the same, not 'needs a type annotation'", () => {
    const d = only(src("sched/sched_proces_exec", ""));
    expect([d.code, d.line, d.col]).toEqual(["TSB3019", 3, 29]);
    expect(d.message).toMatch(/nearest: 'sched\/sched_process_exec', 'sched\/sched_process_exit'/);
  });

  it("a tracepoint the stdlib does not know, with an annotated ctx, compiles", () => {
    const s =
      `${HEAD}interface MyArgs { common_type: u32; nr: u32 }\n` +
      `export const p = tracepoint("syscalls/sys_enter_close", (ctx: MyArgs) => {\n  printk("%d", ctx.nr);\n  return 0;\n});\n`;
    expect(diagnostics(s)).toEqual([]);
  });
});

describe("no follow-on errors", () => {
  it("a float in a global: one TSB1002 at the number, no 'not declared' at its uses", () => {
    const s = prog('  rate += 1;\n  printk("%d", rate);', "let rate: u32 = 1.5;\n");
    expect(diagnostics(s)).toEqual([
      "TSB1002@3:17 non-integer number '1.5': eBPF has no floating point; use integers (for example fixed-point scaled by 1000)",
    ]);
  });

  it("a float in a top-level const used in a function: one error", () => {
    const s = prog(
      '  printk("%d", scale(2));',
      "const F = 1.5;\nfunction scale(a: u32): u32 {\n  return a * F;\n}\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB1002@3:11 non-integer number '1.5': eBPF has no floating point; use integers (for example fixed-point scaled by 1000)",
    ]);
  });

  it("a bad ring-buffer size: one error at the size, none at reserve/submit", () => {
    const s = prog(
      "  const e = events.reserve();\n  if (e === null) return 0;\n  e.value.pid = 1;\n  events.submit(e);",
      "interface E { pid: u32 }\nconst events = new RingBuf<E>({ maxEntries: 1000 });\n",
    );
    const all = diagnostics(s);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatch(
      /^TSB3002@4:31 map 'events': a ring buffer's maxEntries .* power of two of at least 4096/,
    );
  });

  it("a float as a map option: one TSB1002, no second map error, none at the uses", () => {
    const s = prog(
      "  m.update(1, 2);",
      "const k = 2.5;\nconst m = new HashMap<u32, u64>({ maxEntries: k });\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB1002@3:11 non-integer number '2.5': eBPF has no floating point; use integers (for example fixed-point scaled by 1000)",
    ]);
  });

  it("a call to a refused top-level name is not an 'unknown function'", () => {
    const s = prog('  printk("%d", half(4));', "const half = 0.5;\n");
    expect(diagnostics(s)).toEqual([
      "TSB1002@3:14 non-integer number '0.5': eBPF has no floating point; use integers (for example fixed-point scaled by 1000)",
    ]);
  });

  it("a default parameter value: one error at it, not a wrong argument count at each call", () => {
    const s = prog(
      '  printk("%d", h(2));\n  printk("%d", h(3));',
      "function h(a: u32, b: u32 = 1): u32 {\n  return a + b;\n}\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB1001@3:29 default parameter values: not supported in tsbpf programs; pass every argument at each call",
    ]);
  });

  it("a bad loop comparison: its error, then the rest is still checked (no crash)", () => {
    const s = prog(
      "  let sum: u64 = 0;\n  for (let i: u64 = 0; i < ctx.id && i < 8; i++) {\n    sum += 1;\n  }\n  const x: u8 = 300;",
    );
    expect(diagnostics(s)).toEqual([
      "TSB2002@5:24 operands mix signed i64 and unsigned u64; convert one explicitly, e.g. i64(...) or u64(...)",
      "TSB2003@8:17 constant 300 does not fit in u8",
    ]);
  });
});

describe("closures and async", () => {
  it("async top-level functions: one TSB1008 each, nothing about Promise", () => {
    const s = prog(
      "",
      "async function f(a: u32): Promise<u32> {\n  return a;\n}\nasync function g(a: u32) {\n  return a;\n}\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB1008@3:1 an async function is not supported: eBPF programs run to completion synchronously",
      "TSB1008@6:1 an async function is not supported: eBPF programs run to completion synchronously",
    ]);
  });

  it("a captured const is called a constant, not a mutable variable", () => {
    const d = only(
      prog('  const n: u32 = 3;\n  function g(): u32 { return n; }\n  printk("%d", g());'),
    );
    expect([d.code, d.line, d.col]).toEqual(["TSB1004", 5, 30]);
    expect(d.message).toBe(
      "function 'g' captures constant 'n' of an enclosing function; pass it as a parameter, or declare it at top level (a top-level const is a compile-time constant)",
    );
  });

  it("a captured let is a mutable variable", () => {
    const d = only(
      prog('  let n: u32 = 3;\n  function g(): u32 { return n; }\n  printk("%d", g());'),
    );
    expect(d.message).toMatch(/captures mutable variable 'n' of an enclosing function/);
  });

  it("an async probe: one TSB1008 at `async` (no TS2318 twice, no overload error)", () => {
    const s = `${HEAD}export const p = tracepoint("raw_syscalls/sys_enter", async (ctx) => {\n  return 0;\n});\n`;
    const d = only(s);
    expect([d.code, d.line, d.col]).toEqual(["TSB1008", 3, 55]);
    expect(formatDiagnostic(d, s)).toBe(
      "t.ts:3:55: error TSB1008: an async function is not supported: eBPF programs run to completion synchronously\n" +
        '  3 | export const p = tracepoint("raw_syscalls/sys_enter", async (ctx) => {\n' +
        "    |                                                       ^^^^^",
    );
  });
});

const RB_TOP = "interface E { pid: u32 }\nconst events = new RingBuf<E>({ maxEntries: 4096 });\n";

describe("ring-buffer reservations", () => {
  it("returning on one path without submit/discard: error at the reserve, naming the path", () => {
    const s = prog(
      "  const e = events.reserve();\n  if (e === null) return 0;\n  e.value.pid = 1;\n  if (ctx.id === 59) return 1;\n  events.submit(e);",
      RB_TOP,
    );
    const d = only(s);
    expect([d.code, d.line, d.col, d.length]).toEqual(["TSB3020", 6, 13, 16]);
    expect(d.message).toMatch(
      /^this ring-buffer record is neither submitted nor discarded on the path that returns at 9:22 /,
    );
    expect(formatDiagnostic(d, s)).toBe(
      `t.ts:6:13: error TSB3020: ${d.message}\n` +
        "  6 |   const e = events.reserve();\n" +
        "    |             ^^^^^^^^^^^^^^^^\n" +
        "  note: t.ts:7:7: `e === null` is false\n" +
        "  note: t.ts:9:7: `ctx.id === 59` is true\n" +
        "  note: t.ts:9:22: `return 1;` returns with the record still reserved",
    );
  });

  it("discarded on only one branch: the other branch is named", () => {
    const s = prog(
      "  const e = events.reserve();\n  if (e) {\n    if (ctx.id > 3) events.discard(e);\n  }",
      RB_TOP,
    );
    const d = only(s);
    expect([d.code, d.line, d.col]).toEqual(["TSB3020", 6, 13]);
    expect(d.notes.map((n) => `${n.line}:${n.col} ${n.message}`)).toEqual([
      "7:7 `e` is true",
      "8:9 `ctx.id > 3` is false",
      "10:3 `return 0;` returns with the record still reserved",
    ]);
  });

  const released = [
    [
      "null check, then submit",
      "  const e = events.reserve();\n  if (!e) return 0;\n  events.submit(e);",
    ],
    [
      "submit or discard on each branch",
      "  const e = events.reserve();\n  if (e !== null) {\n    if (ctx.id > 3) events.discard(e);\n    else events.submit(e);\n  }",
    ],
    [
      "in a loop, break on null",
      "  for (let i: u32 = 0; i < 4; i++) {\n    const e = events.reserve();\n    if (e === null) break;\n    e.value.pid = i;\n    events.submit(e);\n  }",
    ],
    [
      "submitted by an inlined function",
      "  const e = events.reserve();\n  if (e === null) return 0;\n  send(e);",
    ],
  ] as const;
  const SEND = "function send(r: Ref<E>): void {\n  r.value.pid = 7;\n  events.submit(r);\n}\n";
  for (const [name, body] of released) {
    it(`released on every path (${name}): compiles, and the kernel loads it`, async () => {
      const s = prog(body, RB_TOP + SEND).replace("u64 }", "u64, Ref }");
      const out = await compileSource(s, "t.ts", { check: true });
      expect(formatDiagnostics(out.diagnostics, { "t.ts": s })).toBe("");
      if (!kernelReady(`ring-buffer reservation (${name}) on the kernel`)) return;
      loadObject(out.object!).close();
    });
  }
});

describe("loops without a bound the verifier can see", () => {
  const loop = (head: string, top = "") =>
    prog(
      `  const n = u32(ctx.args[0]);\n  let sum: u64 = 0;\n  ${head} {\n    sum += 1;\n  }\n  printk("%d", sum);`,
      top,
    );

  it("counter compared with a context value: error at the test, fix with a constant bound", () => {
    const s = loop("for (let i: u32 = 0; i < n; i++)");
    const d = only(s);
    expect([d.code, d.line, d.col]).toEqual(["TSB3021", 6, 24]);
    expect(d.message).toMatch(
      /^loop without a bound the verifier can see: 'i' is compared only with 'n', a value known only at run time; .*add a constant bound$/,
    );
    expect(d.fix).toBe("i < n && i < 1024");
    expect(formatDiagnostic(d, s).split("\n").slice(1)).toEqual([
      "  6 |   for (let i: u32 = 0; i < n; i++) {",
      "    |                        ^^^^^",
      "  fix: i < n && i < 1024",
    ]);
  });

  it("a while loop up to a global user space can change", () => {
    const d = only(
      loop(
        "let k: u32 = 0;\n  while (k < limit) { k += 1; }\n  if (k > 0)",
        "let limit: u32 = 10;\n",
      ),
    );
    expect([d.code, d.line, d.col, d.fix]).toEqual(["TSB3021", 8, 10, "k < limit && k < 1024"]);
  });

  it("a let bound never written again counts as its initial value", () => {
    const d = only(loop("let m = n;\n  for (let i: u32 = 0; i < m; i++)"));
    expect([d.code, d.line, d.col, d.fix]).toEqual(["TSB3021", 7, 24, "i < m && i < 1024"]);
  });

  it("while (true) without break or return: it never ends", () => {
    const d = only(loop("while (true)"));
    expect([d.code, d.line, d.col]).toEqual(["TSB3021", 6, 3]);
    expect(d.message).toMatch(/no condition and no break or return, so it never ends/);
  });

  const bounded = [
    [
      "a constant bound next to the run-time one (the fix)",
      "for (let i: u32 = 0; i < n && i < 1024; i++)",
    ],
    ["a masked bound", "for (let i: u32 = 0; i < (n & 63); i++)"],
    ["an 8-bit bound", "for (let i: u32 = 0; i < u8(n); i++)"],
    [
      "a break in the body",
      "for (let i: u32 = 0; i < n; i++) {\n    if (i > 100) break;\n  }\n  for (;;)",
    ],
    ["an earlier range check", "if (n > 64) return 0;\n  for (let i: u32 = 0; i < n; i++)"],
    [
      "a let bound masked after its declaration",
      "let m = n;\n  m = m & 7;\n  for (let i: u32 = 0; i < m; i++)",
    ],
    ["a constant bound", "for (let i: u32 = 0; i < 10; i++)"],
  ] as const;
  for (const [name, head] of bounded) {
    it(`stays quiet with ${name}, and the kernel loads it`, async () => {
      const s = loop(head).replace("for (;;) {\n    sum += 1;\n  }", "");
      const out = await compileSource(s, "t.ts", { check: true });
      expect(formatDiagnostics(out.diagnostics, { "t.ts": s })).toBe("");
      if (!kernelReady(`bounded loop (${name}) on the kernel`)) return;
      loadObject(out.object!).close();
    });
  }
});
