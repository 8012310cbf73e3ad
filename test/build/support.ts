/**
 * Helpers for the `tsbpf build` / `tsbpf objdump` tests: run the real CLI (bin/tsbpf.js, the way a
 * user does) and the external tools (bpftool, llvm-objdump-19), and read the examples' sources.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

/** The repository root and the CLI launcher. */
export const ROOT = join(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/tsbpf.js");

/** Every example program, by base name (`syscount`). */
export const EXAMPLES = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();

/** What a finished command printed. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (60 s at most); never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `tsbpf <args>` through bin/tsbpf.js. */
export function tsbpf(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  return run(process.execPath, [BIN, ...args], opts);
}

/**
 * Asserts a clean user error: exit 1, nothing on stdout, exactly one stderr line and no stack trace
 * or "internal error"; returns the line.
 */
export function expectOneLine(r: RunResult): string {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toMatch(/^\s+at |internal error/m);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Runs a tool and returns its stdout; throws with its stderr when it fails. */
export function tool(cmd: string, args: readonly string[]): string {
  const r = run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The source text of `examples/<name>.ts`. */
export function exampleSource(name: string): string {
  return readFileSync(join(ROOT, "examples", `${name}.ts`), "utf8");
}

/** A TypeScript interface of an example: its name and field names in order. */
export interface SourceStruct {
  readonly name: string;
  readonly fields: readonly string[];
}

/** The interfaces of a source file (top level, `name: type;` fields). */
export function sourceStructs(source: string): Map<string, SourceStruct> {
  const out = new Map<string, SourceStruct>();
  for (const m of source.matchAll(/^(?:export )?interface (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const fields = [...m[2]!.matchAll(/^\s+(\w+)\??:/gm)].map((f) => f[1]!);
    out.set(m[1]!, { name: m[1]!, fields });
  }
  return out;
}

/** A map declaration: `const name = new Kind<T1, T2>(...)`. */
export interface SourceMap {
  readonly name: string;
  readonly kind: string;
  readonly typeArgs: readonly string[];
}

/** The map declarations of a source file. */
export function sourceMaps(source: string): SourceMap[] {
  return [...source.matchAll(/^const (\w+) = new (\w+)<([^>]+)>\(/gm)].map((m) => ({
    name: m[1]!,
    kind: m[2]!,
    typeArgs: m[3]!.split(",").map((t) => t.trim()),
  }));
}

/**
 * Parses bpftool's JSON, keeping integers beyond 2^53 exact: such numbers become decimal strings.
 */
export function parseBpftoolJson(text: string): unknown {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}
