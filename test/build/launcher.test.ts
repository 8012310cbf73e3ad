/**
 * bin/tsbpf.js's fast path: the esbuild bundle in a cache directory (TSBPF_CACHE_DIR here, so the
 * test never touches the shared cache) builds the same bytes as the sources through tsx, is reused
 * while its inputs are unchanged, is rebuilt when an input's recorded stats no longer match, and
 * leaves a V8 code cache for ts-morph's TypeScript.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, tsbpf } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-launcher-"));
const cache = join(dir, "cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Manifest {
  entry: string;
  inputs: [string, number, number][];
}
const manifest = (): Manifest => JSON.parse(readFileSync(join(cache, "manifest.json"), "utf8"));

describe("bin/tsbpf.js launcher", () => {
  it("bundles once, reuses the bundle, rebuilds it when an input changes", () => {
    const env = { ...process.env, TSBPF_CACHE_DIR: cache };
    const viaBundle = tsbpf(["build", "examples/syscount.ts", "-o", join(dir, "a.o")], { env });
    expect(viaBundle.code, viaBundle.stderr).toBe(0);
    const first = manifest();
    expect(first.entry.startsWith(cache)).toBe(true);
    expect(first.inputs.map((i) => i[0])).toContain(join(ROOT, "compiler/driver.ts"));
    expect(readdirSync(join(cache, "v8")).length).toBeGreaterThan(0);

    const viaTsx = tsbpf(["build", "examples/syscount.ts", "-o", join(dir, "b.o")], {
      env: { ...process.env, TSBPF_NO_BUNDLE: "1" },
    });
    expect(viaTsx.code, viaTsx.stderr).toBe(0);
    expect(readFileSync(join(dir, "a.o")).equals(readFileSync(join(dir, "b.o")))).toBe(true);

    const again = tsbpf(["--help"], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Usage: tsbpf /);
    expect(manifest().entry).toBe(first.entry);

    // Pretend an input changed since the bundle was made: its recorded mtime no longer matches.
    const stale = manifest();
    stale.inputs[0]![2] -= 1000;
    writeFileSync(join(cache, "manifest.json"), JSON.stringify(stale));
    const rebuilt = tsbpf(["build", "examples/syscount.ts", "-o", join(dir, "c.o")], { env });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(manifest().entry).not.toBe(first.entry);
    expect(readFileSync(join(dir, "c.o")).equals(readFileSync(join(dir, "a.o")))).toBe(true);
  }, 60_000);
});
