/**
 * Shared helpers of the pass tests: parse IR text, run one pass, check the verifier before and after,
 * print the result for comparison with the expected text.
 */
import { expect } from "vitest";
import { parseFunc, printFunc, verifyFunc } from "../../compiler/ir/index.ts";
import type { Func } from "../../compiler/ir/types.ts";
import type { PassResult } from "../../compiler/passes/rewrite.ts";

/** Removes the common indentation of a template literal (six spaces) and the first newline. */
export const dedent = (s: string) => s.replace(/^\n/, "").replace(/^ {6}/gm, "").trimEnd();

/** Parses `text`, runs `pass`, verifies both sides; returns the printed result. */
export function runPass(
  pass: (f: Func) => PassResult,
  text: string,
): { out: string; changed: boolean } {
  const f = parseFunc(dedent(text));
  expect(verifyFunc(f)).toEqual([]);
  const r = pass(f);
  expect(verifyFunc(r.func), printFunc(r.func)).toEqual([]);
  return { out: printFunc(r.func), changed: r.changed };
}
