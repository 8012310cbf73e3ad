/**
 * Pieces the map-kind kernel tests share: compiling a fixture (a path from the repository root)
 * with no errors, the libbpf (bpftool) load test of it, and the byte images of u32 keys and u64 /
 * i64 values.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { bpftoolLoad } from "./bpftool.ts";
import { kernelReady } from "./kernel-setup.ts";

/** The fixture's object, after checking it compiles without errors. */
export async function buildFixture(file: string): Promise<Uint8Array> {
  const source = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
  const out = await compileSource(source, file, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

/** Declares the test that libbpf (bpftool prog loadall) loads the fixture's object. */
export function itLoadsWithLibbpf(file: string, tag: string): void {
  it("libbpf (bpftool) loads the object", async (ctx) => {
    if (!kernelReady(`${tag} bpftool load`)) return ctx.skip();
    expect(bpftoolLoad(await buildFixture(file), tag)).toBe("");
  });
}

/** The 4 bytes of a u32 key or value. */
export const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
/** The u64 in the first 8 bytes of a value (a VM value may be a view into the map's storage). */
export const u64 = (v: Uint8Array) => new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true);
/** The i64 in the first 8 bytes of a value. */
export const i64 = (v: Uint8Array) => new DataView(v.buffer, v.byteOffset, 8).getBigInt64(0, true);
