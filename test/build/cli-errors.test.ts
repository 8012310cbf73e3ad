/**
 * `tsbpf build` on user mistakes, through the real CLI: a missing file, a directory, a TypeScript
 * type error, unsupported constructs and bad options each give one clear message (file:line:col and
 * a code frame when there is a source position), exit code 1, no stack trace and no output file.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tsbpf, type RunResult } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-build-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function build(args: string[]): RunResult {
  return tsbpf(["build", ...args], { cwd: dir });
}

/** The common shape of every failure: exit 1, something on stderr, nothing that looks like a trace. */
function expectCleanFailure(r: RunResult): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
}

describe("tsbpf build: user errors", () => {
  it("a missing file is one line naming the file and the reason", () => {
    const r = build(["nope.ts", "-o", "nope.o"]);
    expectCleanFailure(r);
    expect(r.stderr).toBe("tsbpf build: cannot read nope.ts: no such file\n");
    expect(existsSync(join(dir, "nope.o"))).toBe(false);
  });

  it("a directory is one line saying so", () => {
    const r = build([".", "-o", "dir.o"]);
    expectCleanFailure(r);
    expect(r.stderr).toBe("tsbpf build: cannot read .: is a directory\n");
  });

  it("a TypeScript type error points at file:line:col with a code frame", () => {
    const name = file(
      "type-error.ts",
      [
        'import { xdp } from "tsbpf";',
        "export const prog = xdp((ctx) => {",
        '  const x: number = "hello";',
        "  return 2;",
        "});",
        'export const license = "GPL";',
        "",
      ].join("\n"),
    );
    const r = build([name, "-o", "type-error.o"]);
    expectCleanFailure(r);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "type-error.ts:3:9: error TS2322: Type 'string' is not assignable to type 'number'.",
    );
    expect(lines[1]).toBe('  3 |   const x: number = "hello";');
    expect(lines[2]).toBe("    |         ^");
    expect(lines).toHaveLength(3);
    expect(existsSync(join(dir, "type-error.o"))).toBe(false);
  });

  it("an unsupported construct is a TSB diagnostic at the construct, naming the alternative", () => {
    const name = file(
      "unsupported.ts",
      [
        'import { xdp } from "tsbpf";',
        "export const prog = xdp((ctx) => {",
        "  try {",
        "    return 1;",
        "  } catch (e) {",
        "    return 2;",
        "  }",
        "});",
        'export const license = "GPL";',
        "",
      ].join("\n"),
    );
    const r = build([name, "-o", "unsupported.o"]);
    expectCleanFailure(r);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^unsupported\.ts:3:3: error TSB\d{4}: .*try.*; return an error code/);
    expect(lines[1]).toBe("  3 |   try {");
    expect(lines[2]).toMatch(/^ {4}\| {3}\^+$/);
    expect(existsSync(join(dir, "unsupported.o"))).toBe(false);
  });

  it("a syntax error is reported like a type error", () => {
    const name = file(
      "syntax.ts",
      'import { xdp } from "tsbpf";\nexport const prog = xdp((ctx) => {\n',
    );
    const r = build([name]);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(
      /^syntax\.ts:3:1: error TS1005: '\}' expected\.\n {2}3 \| \n {4}\| \^$/m,
    );
  });

  it.each([
    [["--emit", "exe"], "tsbpf build: --emit must be one of ir, ir-opt, asm, obj (got 'exe')\n"],
    [["--mcpu", "v9"], "tsbpf build: --mcpu must be one of v1, v2, v3, v4 (got 'v9')\n"],
    [
      ["--dump-after", "nosuchpass"],
      /^tsbpf build: --dump-after: unknown pass 'nosuchpass'; one of /,
    ],
  ] as const)("a bad option %j is one line", (args, expected) => {
    const name = file("ok.ts", 'import { xdp } from "tsbpf";\nexport const p = xdp((ctx) => 2);\n');
    const r = build([name, ...args]);
    expectCleanFailure(r);
    if (typeof expected === "string") expect(r.stderr).toBe(expected);
    else expect(r.stderr).toMatch(expected);
  });
});
