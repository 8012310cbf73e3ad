/**
 * bin/tsbpf.js's fast path: the esbuild bundle in a cache directory (TSBPF_CACHE_DIR here, so the
 * test never touches the shared cache) builds the same bytes as the sources through tsx, is reused
 * while its inputs are unchanged, is rebuilt when an input's recorded stats no longer match, and
 * leaves a V8 code cache for ts-morph's TypeScript.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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

describe("bin/tsbpf.js cache directory (per user, never in the checkout)", () => {
  it("is $HOME/.cache/tsbpf/<checkout> by default, and nothing is written under node_modules", () => {
    const home = join(dir, "home");
    mkdirSync(home);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.XDG_CACHE_HOME;
    delete env.TSBPF_CACHE_DIR;
    const before = existsSync(join(ROOT, "node_modules/.cache/tsbpf"));
    const r = tsbpf(["build", "examples/syscount.ts", "-o", join(dir, "home.o")], { env });
    expect(r.code, r.stderr).toBe(0);
    const keys = readdirSync(join(home, ".cache/tsbpf"));
    expect(keys).toHaveLength(1);
    expect(existsSync(join(home, ".cache/tsbpf", keys[0]!, "manifest.json"))).toBe(true);
    if (!before) expect(existsSync(join(ROOT, "node_modules/.cache/tsbpf"))).toBe(false);

    // XDG_CACHE_HOME wins over $HOME.
    const xdg = join(dir, "xdg");
    const r2 = tsbpf(["--version"], { env: { ...env, XDG_CACHE_HOME: xdg } });
    expect(r2.code, r2.stderr).toBe(0);
    expect(readdirSync(join(xdg, "tsbpf"))).toEqual(keys);
  }, 60_000);

  it("an unusable cache directory is not fatal: the build still succeeds, same bytes", () => {
    const notADir = join(dir, "not-a-dir");
    writeFileSync(notADir, "");
    const env = {
      ...process.env,
      TSBPF_CACHE_DIR: join(notADir, "cache"),
      TSBPF_DEBUG: "1",
    };
    const r = tsbpf(["build", "examples/syscount.ts", "-o", join(dir, "nocache.o")], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("unusable");
    const ref = tsbpf(["build", "examples/syscount.ts", "-o", join(dir, "ref.o")]);
    expect(ref.code, ref.stderr).toBe(0);
    expect(readFileSync(join(dir, "nocache.o")).equals(readFileSync(join(dir, "ref.o")))).toBe(
      true,
    );
  }, 60_000);
});
