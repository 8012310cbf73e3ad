/**
 * Shared helpers of the pass tests: parse IR text, run one pass, check the verifier before and after,
 * print the result for comparison with the expected text. Every pass test goes through these, so a
 * pass is always checked against the verifier on both sides.
 */
import { expect } from "vitest";
import { parseFunc, printFunc, verifyFunc } from "../../compiler/ir/index.ts";
import type { Func, Module } from "../../compiler/ir/types.ts";
import type { PassResult } from "../../compiler/passes/rewrite.ts";

/** Removes the common indentation of a template literal (six spaces) and the first newline. */
export const dedent = (s: string) => s.replace(/^\n/, "").replace(/^ {6}/gm, "").trimEnd();

/** Parses indented IR text (see `dedent`) and checks that it verifies. */
export function parseChecked(text: string): Func {
  const f = parseFunc(dedent(text));
  expect(verifyFunc(f)).toEqual([]);
  return f;
}

/** Parses `text`, runs `pass`, verifies both sides; returns the printed result. */
export function runPass(
  pass: (f: Func) => PassResult,
  text: string,
): { out: string; changed: boolean } {
  const f = parseChecked(text);
  const r = pass(f);
  expect(verifyFunc(r.func), printFunc(r.func)).toEqual([]);
  return { out: printFunc(r.func), changed: r.changed };
}

/** Runs `pass` on `text` and checks that it reports no change and leaves the printed IR as it was. */
export function expectUnchanged(pass: (f: Func) => PassResult, text: string): void {
  const { out, changed } = runPass(pass, text);
  expect(changed).toBe(false);
  expect(out).toBe(printFunc(parseFunc(dedent(text))));
}

/** A module holding just these functions (no maps or globals), as the pipeline takes it. */
export function moduleOf(...functions: Func[]): Module {
  return { source: "t.ts", functions, maps: [], globals: [], types: [], license: "GPL" };
}
