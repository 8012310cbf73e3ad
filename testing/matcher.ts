/**
 * The vitest matcher `toMatchBytecodeGolden(file)`: compares a `compileProbe` result with a golden
 * file (path relative to the test file, like `toMatchFileSnapshot`) and honours vitest's own update
 * mode: under `vitest -u` the file is (re)written and the assertion passes. Otherwise a difference
 * fails with the instruction-level diff and count deltas (golden.ts), and a missing golden fails with
 * the command that creates it.
 *
 * Register once, e.g. in a setup file or at the top of a test file:
 *
 *   import { expect } from "vitest";
 *   import { bytecodeMatchers } from "tsbpf/test";
 *   expect.extend(bytecodeMatchers);
 *
 * vitest is only a type import here, so `tsbpf/test` loads without vitest installed (for the
 * listing and golden functions used by other runners).
 */
import { dirname, relative, resolve } from "node:path";
import type { MatcherState } from "vitest";
import type { CompiledProbe } from "./compile-probe.ts";
import { checkGolden, displayPath, updateGolden } from "./golden-file.ts";

/** The matcher's result, as vitest wants it. */
export interface BytecodeMatchResult {
  readonly pass: boolean;
  readonly message: () => string;
}

function isCompiledProbe(x: unknown): x is CompiledProbe {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as CompiledProbe).golden === "string" &&
    typeof (x as CompiledProbe).listing === "string"
  );
}

/** The matcher; `this` is vitest's matcher state. */
export function toMatchBytecodeGolden(
  this: MatcherState,
  received: unknown,
  file: string,
): BytecodeMatchResult {
  if (!isCompiledProbe(received)) {
    const got = received instanceof Promise ? "a Promise (add `await`)" : typeof received;
    return {
      pass: false,
      message: () =>
        `toMatchBytecodeGolden expects the result of \`await compileProbe("probe.ts")\` from tsbpf/test, got ${got}`,
    };
  }
  const base = this.testPath ? dirname(this.testPath) : process.cwd();
  const path = resolve(base, file);
  // vitest's update mode: `-u` / `--update` makes it "all".
  const state = (this as { snapshotState?: { snapshotUpdateState?: string } }).snapshotState;
  if (state?.snapshotUpdateState === "all") {
    updateGolden(received, path);
    return { pass: true, message: () => `${displayPath(path)} was updated` };
  }
  const testFile = this.testPath ? relative(process.cwd(), this.testPath) : "<this test file>";
  const flags = [
    ...(received.options.mcpu !== 3 ? [`--mcpu v${received.options.mcpu}`] : []),
    ...(received.options.verifier ? ["--verifier"] : []),
  ].join(" ");
  const cli = `npx tsbpf golden update ${displayPath(received.path)} --golden ${displayPath(path)}${flags ? ` ${flags}` : ""}`;
  const update = `npx vitest run ${testFile} -u   (or: ${cli})`;
  const r = checkGolden(received, path, update);
  return { pass: r.pass, message: () => r.message || `${displayPath(path)} matches` };
}

/** The matchers of tsbpf/test, for `expect.extend(bytecodeMatchers)`. */
export const bytecodeMatchers = { toMatchBytecodeGolden };

declare module "vitest" {
  interface Matchers<T = any> {
    /**
     * Compares a probe built with `compileProbe` with a bytecode golden file (relative to the test
     * file); `vitest -u` writes it. Register with `expect.extend(bytecodeMatchers)`.
     */
    toMatchBytecodeGolden(file: string): void;
  }
}
