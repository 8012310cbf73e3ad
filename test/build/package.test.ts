/**
 * The published package as a user gets it: `npm pack` (which runs `prepare`, compiling dist/), then
 * `npm ci --offline` of the tarball into an empty project (its lock file is made from this checkout's,
 * so every dependency comes from the npm cache that this checkout's `npm ci` filled). In that project,
 * with plain Node and no tsx: `npx tsbpf build` builds a probe to the same bytes as the checkout's
 * CLI, the API runs under plain `node`, and plain `tsc` (strict, exactOptionalPropertyTypes, no
 * skipLibCheck, no allowImportingTsExtensions) type-checks a probe and a unit test, and reports a
 * planted type error in each (so the types are real, not `any`). tsbpf/test: its API runs under plain
 * node (with no runtime import of vitest, its optional peer), and a vitest test using
 * `toMatchBytecodeGolden` type-checks with plain tsc and runs under the project's own vitest.
 *
 * Also the caches of a root run (issue 14): the installed CLI writes nothing into node_modules, and as
 * `nobody`, with a root-owned unreadable cache directory and no home, it still builds.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand } from "../support/env.ts";
import { ROOT, run, tsbpf } from "./support.ts";

interface LockEntry {
  version?: string;
  dev?: boolean;
  peer?: boolean;
  [k: string]: unknown;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

const rootPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  engines: { node: string };
  exports: Record<string, string | { types?: string; default?: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  bin: Record<string, string>;
};
const dir = mkdtempSync(join(tmpdir(), "tsbpf-package-"));
const proj = join(dir, "project");
let pack: PackResult;
const npm = (args: string[], cwd: string) => run("npm", args, { cwd, env: npmEnv() });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** npm without network, update checks or funding noise. */
function npmEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
}

/**
 * The locked packages `name` needs (itself, its dependencies, optional dependencies and required
 * peers, transitively); the checkout's lock hoists everything to the top level.
 */
function lockClosure(packages: Record<string, LockEntry>, name: string): Set<string> {
  const out = new Set<string>();
  const visit = (n: string): void => {
    const key = `node_modules/${n}`;
    const entry = packages[key] as
      | (LockEntry & {
          dependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
          peerDependencies?: Record<string, string>;
          peerDependenciesMeta?: Record<string, { optional?: boolean }>;
        })
      | undefined;
    if (!entry || out.has(key)) return;
    out.add(key);
    for (const d of Object.keys(entry.dependencies ?? {})) visit(d);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) visit(d);
    for (const d of Object.keys(entry.peerDependencies ?? {}))
      if (!entry.peerDependenciesMeta?.[d]?.optional) visit(d);
  };
  visit(name);
  return out;
}

/**
 * The project's lock file: the tarball plus the checkout's locked runtime dependencies, and vitest
 * (the optional peer of tsbpf/test) with what it needs, as a user's test setup has it.
 */
function projectLock(tarball: string, deps: Record<string, string>): unknown {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const needed = new Set([
    "node_modules/@types/node",
    "node_modules/undici-types",
    ...lockClosure(lock.packages, "vitest"),
  ]);
  const packages: Record<string, LockEntry> = {
    "": { name: "probe-project", dependencies: deps },
    "node_modules/tsbpf": {
      version: rootPkg.version,
      resolved: `file:${tarball}`,
      integrity: `sha512-${createHash("sha512")
        .update(readFileSync(join(proj, tarball)))
        .digest("base64")}`,
      dependencies: rootPkg.dependencies,
      peerDependencies: rootPkg.peerDependencies,
      peerDependenciesMeta: rootPkg.peerDependenciesMeta,
      bin: rootPkg.bin,
      engines: rootPkg.engines,
    },
  };
  for (const [k, v] of Object.entries(lock.packages)) {
    if (k === "" || (v.dev && !needed.has(k))) continue;
    const { dev: _dev, peer: _peer, ...entry } = v;
    packages[k] = entry;
  }
  return { name: "probe-project", lockfileVersion: 3, requires: true, packages };
}

const PROBE = `import { ArrayMap, xdp, XDP_PASS, u64 } from "tsbpf";
const seen = new ArrayMap<u64>({ maxEntries: 1 });
export const count = xdp((ctx) => {
  const v = seen.lookup(0);
  if (v !== null) v.value += 1;
  return XDP_PASS;
});
export const license = "GPL";
`;
const UNIT_TEST = `import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { compileSource } from "tsbpf/compiler";
import { VmObject } from "tsbpf/vm";

const out = await compileSource(readFileSync("probe.ts", "utf8"), "probe.ts", { emit: "obj" });
assert.deepEqual(out.diagnostics.filter((d) => d.severity === "error"), []);
const obj = VmObject.load(out.object!);
const r0: bigint = obj.program("count").run({ packet: new Uint8Array(64) }).r0;
assert.equal(r0, 2n);
`;
const API_SCRIPT = `import { readFileSync } from "node:fs";
import { compileSource } from "tsbpf/compiler";
import { VmObject } from "tsbpf/vm";
import { disassemble } from "tsbpf/isa";
import { readBpfObject } from "tsbpf/object";
import { loadObject } from "tsbpf/loader";
import { renderMapText } from "tsbpf/user";
import { compileProbe, formatListing, bytecodeMatchers } from "tsbpf/test";
const probe = await compileProbe("probe.ts");
const out = await compileSource(readFileSync("probe.ts", "utf8"), "probe.ts", { emit: "obj" });
const obj = VmObject.load(out.object);
let r0;
for (let i = 0; i < 3; i++) r0 = obj.program("count").run({ packet: new Uint8Array(64) }).r0;
const v = obj.map("seen").get(new Uint8Array(4));
const parsed = readBpfObject(out.object);
console.log(JSON.stringify({
  r0: String(r0),
  seen: String(new DataView(v.buffer, v.byteOffset).getBigUint64(0, true)),
  programs: parsed.programs.map((p) => p.name),
  fns: [typeof disassemble, typeof loadObject, typeof renderMapText, typeof formatListing],
  golden: probe.golden.split("\\n").slice(0, 2),
  sameObject: Buffer.from(probe.object).equals(Buffer.from(out.object)),
  matchers: Object.keys(bytecodeMatchers),
}));
`;

const GOLDEN_TEST = `import { expect, it } from "vitest";
import { bytecodeMatchers, compileProbe } from "tsbpf/test";
expect.extend(bytecodeMatchers);

it("the probe's bytecode matches its golden", async () => {
  expect(await compileProbe("probe.ts")).toMatchBytecodeGolden("probe.bpf.golden");
}, 120_000);
`;

/** A user's strict tsconfig.json over `files` (no skipLibCheck: the package's types are checked too). */
function tsconfig(files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      types: ["node"],
    },
    files,
  });
}

describe("the npm package, installed into an empty project", () => {
  beforeAll(() => {
    mkdirSync(proj);
    const packed = npm(["pack", "--json", "--pack-destination", proj], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    // The JSON report follows whatever the prepare scripts printed.
    const json = packed.stdout.slice(packed.stdout.search(/^\[/m));
    pack = (JSON.parse(json) as PackResult[])[0]!;
    const typesVersion = (
      JSON.parse(readFileSync(join(ROOT, "node_modules/@types/node/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    const vitestVersion = (
      JSON.parse(readFileSync(join(ROOT, "node_modules/vitest/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    const deps = {
      tsbpf: `file:${pack.filename}`,
      "@types/node": typesVersion,
      vitest: vitestVersion,
    };
    writeFileSync(
      join(proj, "package.json"),
      JSON.stringify({ name: "probe-project", private: true, type: "module", dependencies: deps }),
    );
    writeFileSync(
      join(proj, "package-lock.json"),
      JSON.stringify(projectLock(pack.filename, deps)),
    );
    const t0 = performance.now();
    const installed = npm(["ci"], proj);
    const installMs = performance.now() - t0;
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).not.toMatch(/EBADENGINE|Unsupported engine/);
    console.log(
      `tarball ${pack.filename}: ${(pack.size / 1024).toFixed(0)} KiB packed, ` +
        `${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${pack.entryCount} files; ` +
        `npm ci into an empty project ${Math.round(installMs)} ms`,
    );
    writeFileSync(join(proj, "probe.ts"), PROBE);
    writeFileSync(join(proj, "probe.test.ts"), UNIT_TEST);
    writeFileSync(join(proj, "api.js"), API_SCRIPT);
    writeFileSync(join(proj, "golden.test.ts"), GOLDEN_TEST);
  }, 180_000);

  it("ships dist/, stdlib/, the launcher and the README: no sources, tests, bench or CI files", () => {
    const files = pack.files.map((f) => f.path);
    const top = new Set(files.map((f) => f.split("/")[0]));
    expect([...top].sort()).toEqual([
      "README.md",
      "bin",
      "dist",
      "package.json",
      "stdlib",
      "ts-plugin",
    ]);
    expect(files.filter((f) => f.startsWith("bin/"))).toEqual(["bin/tsbpf.js"]);
    expect(files.filter((f) => f.startsWith("ts-plugin/"))).toEqual(["ts-plugin/index.cjs"]);
    expect(files.filter((f) => f.startsWith("dist/playground/"))).toEqual([]);
    expect(files.filter((f) => /^dist\/(test|bench|scripts)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    for (const [sub, target] of Object.entries(rootPkg.exports)) {
      if (typeof target === "string") continue;
      for (const file of [target.types, target.default]) {
        if (file !== undefined) expect(files, `${sub}: ${file}`).toContain(file.slice(2));
      }
    }
  });

  it("installs without tsx, and its dependencies' engines admit the engines floor", () => {
    expect(existsSync(join(proj, "node_modules/tsx"))).toBe(false);
    const floor = /^>=(\d+)/.exec(rootPkg.engines.node)![1]!;
    for (const name of readdirSync(join(proj, "node_modules"))) {
      const pkgFile = join(proj, "node_modules", name, "package.json");
      if (!existsSync(pkgFile)) continue;
      const node = (JSON.parse(readFileSync(pkgFile, "utf8")) as { engines?: { node?: string } })
        .engines?.node;
      const min = node && /^>=\s*(\d+)(?:\.(\d+))?/.exec(node);
      if (min) expect(Number(min[1]), `${name} wants node ${node}`).toBeLessThanOrEqual(+floor);
    }
  });

  it("`npx tsbpf build` builds a probe to the same bytes as the checkout's CLI", () => {
    const built = run("npx", ["tsbpf", "build", "probe.ts", "-o", "probe.o"], {
      cwd: proj,
      env: { ...npmEnv(), HOME: join(dir, "home") },
    });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toMatch(/^built probe\.o: \d+ insns/);
    const here = tsbpf(["build", "probe.ts", "-o", join(dir, "checkout.o")], { cwd: proj });
    expect(here.code, here.stderr).toBe(0);
    expect(readFileSync(join(proj, "probe.o")).equals(readFileSync(join(dir, "checkout.o")))).toBe(
      true,
    );
    // A user mistake is still one clean line, not a stack trace.
    const bad = run("npx", ["tsbpf", "build", "missing.ts"], { cwd: proj, env: npmEnv() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tsbpf build: .*missing\.ts/);
    expect(bad.stderr).not.toContain("    at ");
  });

  it("imports every API entry under plain node", () => {
    const out = run(process.execPath, ["api.js"], { cwd: proj });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      r0: "2",
      seen: "3",
      programs: ["count"],
      fns: ["function", "function", "function", "function"],
      golden: ["# tsbpf bytecode golden 1", "# source: probe.ts"],
      sameObject: true,
      matchers: ["toMatchBytecodeGolden"],
    });
    // tsbpf/test loads without vitest: the matcher only imports its types.
    const testing = join(proj, "node_modules/tsbpf/dist/testing");
    for (const f of readdirSync(testing).filter((n) => n.endsWith(".js")))
      expect(readFileSync(join(testing, f), "utf8"), f).not.toMatch(
        /^import .*from "vitest"|import\("vitest"\)/m,
      );
  });

  it("plain tsc type-checks a probe and a unit test, and reports a planted error in each", () => {
    const tsc = join(proj, "node_modules/typescript/bin/tsc");
    writeFileSync(join(proj, "tsconfig.json"), tsconfig(["probe.ts", "probe.test.ts"]));
    const ok = run(process.execPath, [tsc, "-p", "."], { cwd: proj });
    expect(ok.code, ok.stdout).toBe(0);

    writeFileSync(join(proj, "bad-probe.ts"), `${PROBE}const n: number = "x";\n`);
    writeFileSync(join(proj, "bad.test.ts"), `${UNIT_TEST}const s: string = r0;\nexport {};\n`);
    writeFileSync(join(proj, "tsconfig.json"), tsconfig(["bad-probe.ts", "bad.test.ts"]));
    const bad = run(process.execPath, [tsc, "-p", "."], { cwd: proj });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/bad-probe\.ts\(9,7\): error TS2322/);
    expect(bad.stdout).toMatch(/bad\.test\.ts\(11,7\): error TS2322: Type 'bigint'/);
    expect(bad.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("tsbpf/test: a vitest golden test type-checks with plain tsc and runs under the installed vitest", () => {
    const tsc = join(proj, "node_modules/typescript/bin/tsc");
    writeFileSync(join(proj, "tsconfig.json"), tsconfig(["golden.test.ts"]));
    const ok = run(process.execPath, [tsc, "-p", "."], { cwd: proj });
    expect(ok.code, ok.stdout).toBe(0);
    writeFileSync(
      join(proj, "golden-error.ts"),
      GOLDEN_TEST.replace('toMatchBytecodeGolden("probe.bpf.golden")', "toMatchBytecodeGolden(42)"),
    );
    writeFileSync(join(proj, "tsconfig.json"), tsconfig(["golden-error.ts"]));
    const bad = run(process.execPath, [tsc, "-p", "."], { cwd: proj });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(
      /golden-error\.ts\(6,64\): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/,
    );

    const vitest = (...args: string[]) =>
      run(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "golden.test.ts", ...args], {
        cwd: proj,
        env: { ...npmEnv(), CI: "1", NO_COLOR: "1" },
      });
    const missing = vitest();
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toContain(
      "no bytecode golden probe.bpf.golden for probe.ts; create it (then review and commit it): npx vitest run golden.test.ts -u",
    );
    const created = vitest("-u");
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(readFileSync(join(proj, "probe.bpf.golden"), "utf8")).toMatch(
      /^# tsbpf bytecode golden 1\n# source: probe\.ts\n/,
    );
    const again = vitest();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    // The installed CLI checks the same file.
    const check = run("npx", ["tsbpf", "golden", "check", "probe.bpf.golden"], {
      cwd: proj,
      env: npmEnv(),
    });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe("ok probe.bpf.golden\n");
  }, 120_000);

  it("a root run leaves no cache in node_modules; as nobody an unreadable cache is not fatal", () => {
    const rootHome = join(dir, "root-home");
    mkdirSync(rootHome);
    const asRoot = run("npx", ["tsbpf", "build", "probe.ts", "-o", join(dir, "root.o")], {
      cwd: proj,
      env: { ...npmEnv(), HOME: rootHome },
    });
    expect(asRoot.code, asRoot.stderr).toBe(0);
    expect(existsSync(join(proj, "node_modules/.cache/tsbpf"))).toBe(false);
    expect(readdirSync(join(rootHome, ".cache/tsbpf")).length).toBe(1);
    if (process.getuid?.() !== 0 || !hasCommand("runuser", ["--version"])) return;

    // A cache directory nobody cannot read (root-owned, 0700), and a home that does not exist.
    const locked = join(dir, "locked-cache");
    mkdirSync(join(locked, "tsbpf"), { recursive: true });
    chmodSync(locked, 0o700);
    const out = join(dir, "out");
    mkdirSync(out);
    chmodSync(out, 0o777);
    chmodSync(dir, 0o755);
    const asNobody = (env: Record<string, string>) =>
      execFileSync(
        "runuser",
        ["-u", "nobody", "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].concat([
          process.execPath,
          join(proj, "node_modules/tsbpf/bin/tsbpf.js"),
          "build",
          "probe.ts",
          "-o",
          join(out, "nobody.o"),
        ]),
        { cwd: proj, encoding: "utf8", stdio: "pipe" },
      );
    asNobody({ HOME: "/nonexistent", XDG_CACHE_HOME: locked, TMPDIR: locked });
    expect(readFileSync(join(out, "nobody.o")).equals(readFileSync(join(dir, "root.o")))).toBe(
      true,
    );
    // A foreign cache under a home that is not ours is skipped too: the run still builds.
    rmSync(join(out, "nobody.o"));
    asNobody({ HOME: rootHome, TSBPF_CACHE_DIR: join(locked, "tsbpf") });
    expect(statSync(join(out, "nobody.o")).size).toBeGreaterThan(0);
  }, 120_000);
});
