/**
 * Helpers of the back-end tests. The instructions an IR module selects to, one string per instruction as the asm listing prints
 * it (numbers and comments taken off), for tests of instruction selection. Fails the test on any
 * diagnostic.
 */
import { expect } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import type { Mcpu } from "../../compiler/target/bpf/index.ts";

export function insns(text: string, mcpu: Mcpu = 3): string[] {
  const out = compileModule(parseModule(text), new Map(), { emit: "asm", mcpu, check: true });
  expect(out.diagnostics).toEqual([]);
  return out
    .asm!.split("\n")
    .filter((l) => /^\s+\d+: /.test(l))
    .map((l) => l.replace(/^\s+\d+: /, "").replace(/\s+;.*$/, ""));
}

/** A 64-byte packet starting with `words` as little-endian u32s (the fixtures' `Words` header). */
export function packetOfWords(...words: readonly number[]): Uint8Array {
  const frame = new Uint8Array(64);
  const v = new DataView(frame.buffer);
  words.forEach((w, i) => v.setUint32(4 * i, w, true));
  return frame;
}
