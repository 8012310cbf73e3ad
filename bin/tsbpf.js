#!/usr/bin/env node
/**
 * Launcher of the `tsbpf` CLI (plain JavaScript, so it runs on plain Node before any TypeScript
 * tooling loads).
 *
 * Two layouts:
 * - The installed package (no cli/main.ts next to it): loads the compiled JavaScript, dist/cli/main.js
 *   (built by `npm run build`, which `npm pack` and `npm ci` run as `prepare`).
 * - A checkout (cli/main.ts present): runs the sources, so edits are always picked up. Cold start is
 *   then dominated by transpiling ~200 TypeScript files; the launcher bundles cli/main.ts with esbuild
 *   (a devDependency) into the cache directory as ONE CommonJS file, so that the V8 code cache below
 *   covers it too (Node 20 caches no ES module's code: compiling a 1 MB ESM bundle cost ~0.13 s a
 *   start). Lazily imported modules (the front end, ts-morph) stay lazy: esbuild turns a dynamic
 *   import into a call that runs the module's top level on first use. A manifest lists every bundled
 *   input with its size and mtime; any change rebuilds the bundle (~0.3 s). Packages stay external
 *   and are required by absolute path, so the bundle works from any cache directory. Each build gets
 *   a fresh directory and the manifest is replaced atomically, so concurrent launches never see half
 *   a bundle. Any failure (no esbuild, a bundling error) falls back to the tsx loader, as does
 *   `TSBPF_NO_BUNDLE=1`, and when tsx is missing too, to dist/.
 *
 * Both use a V8 code cache: CommonJS files of node_modules (and the bundle) larger than 64 KiB
 * (TypeScript is ~9 MB) are compiled through `vm.Script` with `cachedData` (the technique of the
 * v8-compile-cache package; Node 20 has no `module.enableCompileCache`). The cache is written at
 * exit, after the run, so it also holds the functions that the compilation itself needed.
 *
 * A one-off `tsbpf build` is first offered to the build server (cli/build-server.ts) on a Unix
 * socket in the cache directory, named after the CLI code that would run; with no server there,
 * the launcher builds in its own process (the cold path) and then starts one in the background for
 * the next build. The server keeps TypeScript, the compiler and the parsed stdlib loaded, so a
 * served build costs a Node start and a warm compile. `TSBPF_NO_SERVER=1` always builds cold.
 *
 * The cold path of a one-off build in a checkout starts from a V8 startup snapshot when there is one
 * (bin/tsbpf-snapshot.cjs): a second Node process, `node --snapshot-blob <blob> bin/tsbpf.js build
 * ...` with the launcher's stdio, whose heap already holds the bundle, TypeScript and the front end's
 * project with the stdlib parsed (~0.3 s less than loading and parsing them, for ~0.05 s of a second
 * Node start). The blob's name hashes the bundle, the snapshot script, the stdlib files' stats and
 * the Node binary, so a change of any of them names a new blob, and a process started from one
 * still compares the stdlib texts with the files on disk. With no blob, the build runs in this
 * process and then starts a background builder (niced, one at a time through a lock file) that
 * writes the blob to a temporary file, checks that Node starts from it, records its fingerprint
 * (size and sampled blocks) in `<blob>.sum`, and renames it into place. A blob that no longer
 * matches its fingerprint, or from which Node does not start (the process never reports on fd 3
 * that it runs our code), is removed and the build runs in this process, with no error.
 * Not with Node flags of the user's (`node --inspect bin/tsbpf.js`), nor for the installed package
 * (dist/ is ES modules, which a Node 20 snapshot cannot hold); `TSBPF_NO_SNAPSHOT=1` turns it off.
 *
 * The cache is per user and never inside the package or the checkout, so a `sudo tsbpf run` leaves
 * nothing root-owned where the user's `npm ci` must delete: `$XDG_CACHE_HOME/tsbpf/<checkout hash>`
 * (default ~/.cache), used only when that home belongs to the current user; else
 * `<tmpdir>/tsbpf-<uid>/<checkout hash>`; `TSBPF_CACHE_DIR` overrides both. A directory is used only if
 * it is owned by the current user and readable and writable; a missing, foreign or unreadable cache
 * is never fatal: the launcher then runs without one. `TSBPF_DEBUG=1` says what it fell back to.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import Module from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Bump when the bundle's shape (options, plugins) changes, to invalidate old bundles. */
const BUNDLE_FORMAT = 3;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE_MODULES = path.join(ROOT, "node_modules") + path.sep;
const ENTRY = path.join(ROOT, "cli", "main.ts");
const DIST_ENTRY = path.join(ROOT, "dist", "cli", "main.js");
const debug = process.env.TSBPF_DEBUG === "1";
const uid = process.getuid?.();

function say(text) {
  if (debug) process.stderr.write(`tsbpf: launcher: ${text}\n`);
}

/** True when `dir`, or its nearest existing ancestor, belongs to the current user. */
function ownedByMe(dir) {
  if (uid === undefined) return true;
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(d) || d === path.dirname(d)) return fs.statSync(d).uid === uid;
  }
}

/** The per-user cache directory candidates, best first, each with the folder that must be ours. */
function cacheCandidates() {
  if (process.env.TSBPF_CACHE_DIR) return [{ dir: process.env.TSBPF_CACHE_DIR }];
  const key = createHash("sha1").update(ROOT).digest("hex").slice(0, 12);
  const out = [];
  const home = os.homedir();
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : home ? path.join(home, ".cache") : undefined;
  if (base) out.push({ dir: path.join(base, "tsbpf", key), owner: xdg ? base : home });
  out.push({ dir: path.join(os.tmpdir(), `tsbpf-${uid ?? "user"}`, key) });
  return out;
}

/**
 * The first usable cache directory (ours, readable and writable), or undefined. A candidate under a
 * home that is not ours (root with a user's $HOME) is skipped before anything is created in it.
 */
function cacheDir() {
  const home = os.homedir();
  for (const { dir, owner } of cacheCandidates()) {
    try {
      if (owner === home && !fs.existsSync(home)) throw new Error(`no home ${home}`);
      if (owner !== undefined && !ownedByMe(owner)) throw new Error(`${owner} is not ours`);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!process.env.TSBPF_CACHE_DIR && !ownedByMe(dir)) throw new Error(`${dir} is not ours`);
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
      return dir;
    } catch (e) {
      say(`cache ${dir} unusable (${e.message})`);
    }
  }
  return undefined;
}

/** Writes `data` to `file` atomically (temp file + rename); errors are ignored. */
function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Compiles large node_modules CommonJS files and the bundle with a persistent V8 code cache. */
function installCodeCache(dir) {
  const bundles = dir + path.sep;
  const v8dir = path.join(dir, "v8");
  fs.mkdirSync(v8dir, { recursive: true });
  fs.accessSync(v8dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  const pending = [];
  const original = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    // Packages (hoisted next to an installed tsbpf, or in the checkout's node_modules) and the bundle.
    const pkg =
      filename.includes(`${path.sep}node_modules${path.sep}`) || filename.startsWith(bundles);
    if (!pkg || content.length < 65536 || content.startsWith("#!")) {
      return original.call(this, content, filename);
    }
    const st = fs.statSync(filename);
    const key = createHash("sha1")
      .update(`${filename}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}`)
      .digest("hex");
    const file = path.join(v8dir, `${key}.bin`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) pending.push({ script, file });
    const fn = script.runInThisContext({ displayErrors: true });
    const mod = this;
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return fn.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  };
  process.once("exit", () => {
    for (const { script, file } of pending) writeAtomic(file, script.createCachedData());
  });
}

/** Stats of the bundle's inputs, as recorded in (and compared against) the manifest. */
function statInputs(files) {
  return files.map((f) => {
    const st = fs.statSync(f);
    return [f, st.size, st.mtimeMs];
  });
}

/** The entry file of a still-valid bundle, or undefined. */
function freshBundle(dir) {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    if (m.format !== BUNDLE_FORMAT || m.node !== process.version) return undefined;
    const now = statInputs(m.inputs.map((i) => i[0]));
    const same = now.every((s, k) => s[1] === m.inputs[k][1] && s[2] === m.inputs[k][2]);
    return same && fs.existsSync(m.entry) ? m.entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when `file` is a CommonJS module: by extension, else by the "type" of the nearest
 * package.json above it, as Node decides. `file` is a resolved (real) path, which is outside the
 * checkout when node_modules is a symlink (a worktree sharing another checkout's packages, pnpm).
 */
function isCommonJs(file) {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) return JSON.parse(fs.readFileSync(pkg, "utf8")).type !== "module";
  }
  return false;
}

/** The file `require(specifier)` loads from `importer` when it is CommonJS, else undefined. */
function resolveCommonJs(specifier, importer) {
  let file;
  try {
    file = Module.createRequire(importer).resolve(specifier);
  } catch {
    return undefined;
  }
  return isCommonJs(file) ? file : undefined;
}

/** Bundles cli/main.ts with esbuild into a new directory and records it in the manifest. */
async function buildBundle(dir) {
  const { build } = await import(
    pathToFileURL(path.join(NODE_MODULES, "esbuild", "lib", "main.js")).href
  );
  // Stat before reading, so an edit made during the build makes the next launch rebuild.
  const before = new Map();
  const outdir = path.join(dir, `bundle-${Date.now()}-${process.pid}`);
  await build({
    entryPoints: { main: ENTRY },
    bundle: true,
    format: "cjs",
    outExtension: { ".js": ".cjs" },
    platform: "node",
    target: "node20",
    outdir,
    metafile: true,
    sourcemap: "linked",
    logLevel: "silent",
    plugins: [
      {
        name: "tsbpf-launcher",
        setup(b) {
          // Packages stay external, loaded by absolute path so the bundle can live anywhere.
          // CommonJS ones are require()d: an ESM import would make Node scan their whole source
          // for export names (cjs-module-lexer), ~0.2 s for ts-morph. A package that has both
          // builds (commander, koffi, yaml) is taken by its "require" entry for the same reason.
          b.onResolve({ filter: /^[^./]/ }, (a) => {
            if (Module.isBuiltin(a.path)) return { path: a.path, external: true };
            const cjs = resolveCommonJs(a.path, a.importer || ENTRY);
            if (cjs !== undefined) return { path: cjs, namespace: "cjs-package" };
            const file = fileURLToPath(import.meta.resolve(a.path));
            if (isCommonJs(file)) return { path: file, namespace: "cjs-package" };
            // A CommonJS bundle cannot require() an ES module (Node 20): fall back to tsx.
            return { errors: [{ text: `${a.path} is an ES module package (${file})` }] };
          });
          b.onResolve({ filter: /.*/, namespace: "cjs-package" }, (a) => ({
            path: a.path,
            external: true,
          }));
          b.onLoad({ filter: /.*/, namespace: "cjs-package" }, (a) => ({
            contents: `module.exports = require(${JSON.stringify(a.path)});`,
            loader: "js",
          }));
          // Each file keeps its own import.meta.url (the front end finds stdlib/ through it).
          b.onLoad({ filter: /\.ts$/ }, (a) => {
            before.set(a.path, fs.statSync(a.path));
            const text = fs.readFileSync(a.path, "utf8");
            const href = JSON.stringify(pathToFileURL(a.path).href);
            return { contents: text.replaceAll("import.meta.url", href), loader: "ts" };
          });
        },
      },
    ],
  });
  const inputs = [...before].map(([f, st]) => [f, st.size, st.mtimeMs]);
  inputs.push(...statInputs([fileURLToPath(import.meta.url)]));
  const entry = path.join(outdir, "main.cjs");
  writeAtomic(
    path.join(dir, "manifest.json"),
    JSON.stringify({ format: BUNDLE_FORMAT, node: process.version, entry, inputs }),
  );
  removeOldBundles(dir, outdir);
  return entry;
}

/** Deletes bundles older than an hour (a running process may still load lazy chunks of a recent one). */
function removeOldBundles(dir, keep) {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (!name.startsWith("bundle-") || full === keep) continue;
    try {
      if (fs.statSync(full).mtimeMs < hourAgo) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // another launcher removed it first
    }
  }
}

/** Installs the code cache in the cache directory when there is a usable one. */
function tryCodeCache(dir) {
  if (dir === undefined || process.env.TSBPF_NO_CODE_CACHE === "1") return;
  try {
    installCodeCache(dir);
  } catch (e) {
    say(`no code cache (${e.message})`);
  }
}

/** Resolves the CLI module: dist/ when installed; in a checkout the cached bundle, else tsx. */
async function loadCli(dir) {
  tryCodeCache(dir);
  if (!fs.existsSync(ENTRY)) return import(pathToFileURL(DIST_ENTRY).href);
  if (process.env.TSBPF_NO_BUNDLE !== "1") {
    try {
      if (dir === undefined) throw new Error("no usable cache directory");
      const entry = freshBundle(dir) ?? (await buildBundle(dir));
      if (debug) process.setSourceMapsEnabled(true);
      return Module.createRequire(import.meta.url)(entry);
    } catch (e) {
      say(`using tsx (${e.message})`);
    }
  }
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch (e) {
    say(`using dist/ (${e.message})`);
    return import(pathToFileURL(DIST_ENTRY).href);
  }
  return import("../cli/main.ts");
}

/**
 * True for a one-off `tsbpf build` (not --watch, nor --help, whose layout follows the terminal's
 * width): what the build server and the startup snapshot run.
 */
function oneOffBuild(argv) {
  if (argv[2] !== "build") return false;
  const own = (a) => a === "--watch" || a === "--help" || (/^-[^-]/.test(a) && /[wh]/.test(a));
  return !argv.slice(3).some(own);
}

/** True for a build the build server may run. */
function servable(argv) {
  return process.env.TSBPF_NO_SERVER !== "1" && oneOffBuild(argv);
}

/**
 * The build server's socket for the CLI code that would run now (the fresh bundle, or dist/ when
 * installed), or undefined: no such code yet (the bundle must be rebuilt), or too long a path.
 */
function serverSocket(dir) {
  let entry = DIST_ENTRY;
  if (fs.existsSync(ENTRY)) {
    if (process.env.TSBPF_NO_BUNDLE === "1") return undefined;
    entry = freshBundle(dir);
    if (entry === undefined) return undefined;
  }
  const st = fs.statSync(entry);
  const key = createHash("sha1")
    .update(`${entry}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.execPath}`)
    .digest("hex")
    .slice(0, 12);
  const socket = path.join(dir, `server-${key}.sock`);
  return Buffer.byteLength(socket) < 100 ? socket : undefined;
}

/** Has the server on `socket` run this build; resolves to its exit code, or undefined if none did. */
function viaServer(socket) {
  return new Promise((resolve) => {
    const conn = net.createConnection(socket);
    let text = "";
    conn.setEncoding("utf8");
    conn.on("connect", () => {
      const req = { argv: process.argv, cwd: process.cwd(), env: process.env };
      conn.write(JSON.stringify(req) + "\n");
    });
    conn.on("data", (chunk) => (text += chunk));
    conn.on("error", () => resolve(undefined));
    conn.on("close", () => {
      let reply;
      try {
        reply = JSON.parse(text);
      } catch {
        return resolve(undefined);
      }
      if (typeof reply.code !== "number") return resolve(undefined);
      process.stdout.write(reply.out);
      process.stderr.write(reply.err);
      resolve(reply.code);
    });
  });
}

/** Starts a build server on `socket` in the background (detached; it exits when idle). */
function startServer(socket) {
  try {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, TSBPF_BUILD_SERVER: socket },
    });
    child.on("error", (e) => say(`no build server (${e.message})`));
    child.unref();
  } catch (e) {
    say(`no build server (${e.message})`);
  }
}

/** Bump when what the startup snapshot holds, or how a process starts from it, changes. */
const SNAPSHOT_FORMAT = 2;
const SNAPSHOT_ENTRY = path.join(ROOT, "bin", "tsbpf-snapshot.cjs");
const LAUNCHER = fileURLToPath(import.meta.url);

/**
 * The startup snapshot's file for the bundle `entry`: named after the bundle, the snapshot script,
 * the stdlib files (names, sizes, mtimes) and the Node binary, so that any change names a new file.
 */
function snapshotBlob(dir, entry) {
  const stdlib = path.join(ROOT, "stdlib");
  const files = fs
    .readdirSync(stdlib)
    .filter((n) => n.endsWith(".d.ts"))
    .sort()
    .map((n) => path.join(stdlib, n));
  const hash = createHash("sha1").update(
    `${SNAPSHOT_FORMAT}\0${process.version}\0${process.arch}\0${process.execPath}`,
  );
  for (const f of [process.execPath, entry, SNAPSHOT_ENTRY, ...files]) {
    const st = fs.statSync(f);
    hash.update(`\0${f}\0${st.size}\0${st.mtimeMs}`);
  }
  return path.join(dir, `snapshot-${hash.digest("hex").slice(0, 16)}.blob`);
}

/**
 * The startup snapshot a one-off build in a checkout may start from (existing or not), or
 * undefined: none applies (another command, Node flags of the user's, `TSBPF_NO_SNAPSHOT=1`, no
 * fresh bundle).
 */
function snapshotFor(dir, argv) {
  if (dir === undefined || !oneOffBuild(argv) || process.execArgv.length > 0) return undefined;
  if (process.env.TSBPF_NO_SNAPSHOT === "1" || process.env.TSBPF_NO_BUNDLE === "1")
    return undefined;
  if (!fs.existsSync(ENTRY) || !fs.existsSync(SNAPSHOT_ENTRY)) return undefined;
  try {
    const entry = freshBundle(dir);
    return entry === undefined ? undefined : { entry, blob: snapshotBlob(dir, entry) };
  } catch (e) {
    say(`no startup snapshot (${e.message})`);
    return undefined;
  }
}

/** Blocks of the snapshot file that its fingerprint hashes, and their size. */
const FINGERPRINT_BLOCKS = 64;
const FINGERPRINT_BLOCK = 4096;

/**
 * A cheap fingerprint of the snapshot file `blob` (what its `.sum` file records): its size and a
 * hash of FINGERPRINT_BLOCKS blocks spread evenly over it, the first and the last included. Node
 * does not check a blob before starting from it (a truncated or overwritten one crashes it), and
 * hashing all ~40 MB would cost more than a tenth of what the snapshot saves; this sees a truncated,
 * emptied or rewritten file for well under a millisecond.
 */
function fingerprint(blob) {
  const fd = fs.openSync(blob, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const hash = createHash("sha1").update(`${size}`);
    const buf = Buffer.alloc(FINGERPRINT_BLOCK);
    const last = Math.max(0, size - FINGERPRINT_BLOCK);
    for (let k = 0; k < FINGERPRINT_BLOCKS; k++) {
      const at = Math.floor((last * k) / (FINGERPRINT_BLOCKS - 1));
      hash.update(buf.subarray(0, fs.readSync(fd, buf, 0, FINGERPRINT_BLOCK, at)));
    }
    return `${size} ${hash.digest("hex")}\n`;
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes the snapshot `blob` and its `.sum` file (errors are ignored). */
function removeSnapshot(blob) {
  try {
    for (const f of [blob, `${blob}.sum`]) fs.rmSync(f, { force: true });
  } catch {
    // not ours to remove (a read-only cache): it stays, unused
  }
}

/**
 * True when the snapshot `blob` exists and matches the fingerprint its builder recorded; one that
 * does not (truncated, overwritten, no `.sum`) is removed, so this build starts the builder again.
 */
function usableSnapshot(blob) {
  try {
    if (!fs.existsSync(blob)) return false;
    if (fs.readFileSync(`${blob}.sum`, "utf8") === fingerprint(blob)) return true;
    say(`startup snapshot ${blob} does not match its fingerprint: removed`);
  } catch (e) {
    say(`startup snapshot ${blob} unusable (${e.message}): removed`);
  }
  removeSnapshot(blob);
  return false;
}

/** What a process started from a snapshot writes on SNAPSHOT_STARTED_FD once it runs our code. */
const SNAPSHOT_STARTED = "tsbpf snapshot started\n";
const SNAPSHOT_STARTED_FD = 3;

/**
 * Runs this command in a new Node process started from `blob`; its exit code, or undefined when
 * it never reached our code (Node could not start from the blob, which is then removed: the
 * caller builds on the cold path).
 */
function runFromSnapshot(blob) {
  const args = ["--snapshot-blob", blob, LAUNCHER, ...process.argv.slice(2)];
  const r = spawnSync(process.execPath, args, {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
    env: { ...process.env, TSBPF_SNAPSHOT_STARTED_FD: `${SNAPSHOT_STARTED_FD}` },
  });
  if (r.error) {
    say(`startup snapshot not run (${r.error.message})`);
    return undefined;
  }
  if (r.output?.[SNAPSHOT_STARTED_FD]?.toString() !== SNAPSHOT_STARTED) {
    say(`startup snapshot ${blob} did not start (${r.signal ?? r.status}): removed`);
    removeSnapshot(blob);
    return undefined;
  }
  if (r.signal) process.kill(process.pid, r.signal);
  return r.status ?? 1;
}

/** Starts building the startup snapshot `snap` in the background (a detached, niced launcher). */
function startSnapshotBuild(snap) {
  try {
    const env = {
      ...process.env,
      TSBPF_BUILD_SNAPSHOT: snap.blob,
      TSBPF_SNAPSHOT_BUNDLE: snap.entry,
    };
    const child = spawn(process.execPath, [LAUNCHER], { detached: true, stdio: "ignore", env });
    child.on("error", (e) => say(`no startup snapshot (${e.message})`));
    child.unref();
  } catch (e) {
    say(`no startup snapshot (${e.message})`);
  }
}

/**
 * Builds the startup snapshot `blob` of the bundle `bundle` (bin/tsbpf-snapshot.cjs), checks that
 * a process starts from it, and only then moves it into place, removing older snapshots. One
 * builder at a time (a lock file; one older than ten minutes is stale); every failure just leaves
 * no snapshot.
 */
function buildSnapshot(blob, bundle) {
  try {
    os.setPriority(19);
  } catch {
    // not allowed to lower the priority: build at the normal one
  }
  const lock = `${blob}.lock`;
  let fd;
  try {
    fd = fs.openSync(lock, "wx");
  } catch {
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > 600_000) fs.rmSync(lock, { force: true });
    } catch {
      // no lock or no directory any more
    }
    return;
  }
  const tmp = `${blob}.${process.pid}.tmp`;
  try {
    if (fs.existsSync(blob)) return;
    const env = { ...process.env, TSBPF_SNAPSHOT_BUNDLE: bundle };
    delete env.TSBPF_BUILD_SNAPSHOT;
    const build = ["--snapshot-blob", tmp, "--build-snapshot", SNAPSHOT_ENTRY];
    const made = spawnSync(process.execPath, build, { env, stdio: "ignore", timeout: 300_000 });
    if (made.status !== 0) return;
    const test = ["--snapshot-blob", tmp, LAUNCHER, "--snapshot-self-test"];
    const ok = spawnSync(process.execPath, test, { encoding: "utf8", timeout: 60_000 });
    if (ok.status !== 0 || ok.stdout !== "tsbpf snapshot ok\n") return;
    // The fingerprint first: a blob with no `.sum` is never started from (`usableSnapshot`).
    writeAtomic(`${blob}.sum`, fingerprint(tmp));
    fs.renameSync(tmp, blob);
    const dir = path.dirname(blob);
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      const old = /^(snapshot-[0-9a-f]+\.blob)(\.sum)?$/.exec(name);
      if (old && path.join(dir, old[1]) !== blob) fs.rmSync(full, { force: true });
    }
  } catch {
    // the cache directory went away, or the disk is full: no snapshot this time
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}

/**
 * `tsbpf build --watch` runs in a child Node process started with a 64 MiB young generation
 * (`--max-semi-space-size`; V8 sizes it only at start, to at most 16 MiB by default). A rebuild
 * allocates a few tens of MB (TypeScript's checker for the new program, the front end's nodes), so
 * with the default every rebuild ran one or two scavenges copying the live build state: measured
 * over 20 warm rebuilds of xdp-nat, 7-14 ms of scavenging per rebuild, 3-4 ms with 64 MiB. The child
 * inherits stdio; the launcher forwards SIGINT/SIGTERM/SIGHUP and exits as the child did, and the
 * child exits when the launcher dies (its IPC channel closes). Not with Node flags of the user's.
 */
const WATCH_SEMI_SPACE_MB = 64;
const WATCH_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

function watchesInChild(argv) {
  if (argv[2] !== "build" || process.execArgv.length > 0 || process.env.TSBPF_WATCH_CHILD) {
    return false;
  }
  return argv.slice(3).some((a) => a === "--watch" || (/^-[^-]/.test(a) && a.includes("w")));
}

/** Runs this command in the watch's child process; its exit code, or undefined if none started. */
function watchInChild() {
  return new Promise((resolve) => {
    const args = [
      `--max-semi-space-size=${WATCH_SEMI_SPACE_MB}`,
      LAUNCHER,
      ...process.argv.slice(2),
    ];
    const child = spawn(process.execPath, args, {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: { ...process.env, TSBPF_WATCH_CHILD: "1" },
    });
    const forward = (signal) => child.kill(signal);
    const done = (result) => {
      for (const s of WATCH_SIGNALS) process.off(s, forward);
      resolve(result);
    };
    for (const s of WATCH_SIGNALS) process.on(s, forward);
    child.on("error", (e) => {
      say(`watch in this process (${e.message})`);
      done(undefined);
    });
    child.on("exit", (code, signal) => {
      if (signal) process.kill(process.pid, signal);
      done(code ?? 1);
    });
  });
}

/**
 * In the watch's child: exit when the launcher is gone, and take a signal the watch already
 * stops on once (Ctrl-C reaches both processes, and the launcher forwards it as well); before the
 * watch listens, a signal ends the process as it would by default.
 */
function watchChildSetup() {
  process.channel?.unref();
  process.on("disconnect", () => process.exit(1));
  let stopping = false;
  for (const s of WATCH_SIGNALS) {
    process.on(s, () => {
      if (stopping) return;
      if (process.listenerCount(s) > 1) stopping = true;
      else process.exit(128 + os.constants.signals[s]);
    });
  }
}

const serverAt = process.env.TSBPF_BUILD_SERVER;
/** The watch child's exit code, once it has run (`watchInChild`). */
let watchExit;
// A server whose cache directory was removed before it started has nothing to serve (and must not
// create the directory again).
const dir = serverAt && !fs.existsSync(path.dirname(serverAt)) ? undefined : cacheDir();
if (process.env.TSBPF_BUILD_SNAPSHOT) {
  buildSnapshot(process.env.TSBPF_BUILD_SNAPSHOT, process.env.TSBPF_SNAPSHOT_BUNDLE);
} else if (serverAt) {
  if (dir !== undefined) await (await loadCli(dir)).serveBuilds(serverAt);
} else if (watchesInChild(process.argv) && (watchExit = await watchInChild()) !== undefined) {
  process.exitCode = watchExit;
} else {
  if (process.env.TSBPF_WATCH_CHILD) watchChildSetup();
  const serve = dir !== undefined && servable(process.argv);
  const socket = serve ? serverSocket(dir) : undefined;
  const served = socket === undefined ? undefined : await viaServer(socket);
  if (served !== undefined) {
    say(`built by the build server (${socket})`);
    process.exitCode = served;
  } else {
    const snap = snapshotFor(dir, process.argv);
    const code = snap && usableSnapshot(snap.blob) ? runFromSnapshot(snap.blob) : undefined;
    if (code !== undefined) {
      say(`built from the startup snapshot (${snap.blob})`);
      process.exitCode = code;
    } else {
      const { main } = await loadCli(dir);
      await main(process.argv);
      const made = snapshotFor(dir, process.argv);
      if (made !== undefined && !fs.existsSync(made.blob)) startSnapshotBuild(made);
    }
    const next = serve ? serverSocket(dir) : undefined;
    if (next !== undefined) startServer(next);
  }
}
