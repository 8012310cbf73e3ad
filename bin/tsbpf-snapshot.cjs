/**
 * The entry script of `node --snapshot-blob <blob> --build-snapshot bin/tsbpf-snapshot.cjs`: builds
 * the V8 startup snapshot that bin/tsbpf.js starts a cold `tsbpf build` from (see the launcher's
 * header). Environment: TSBPF_SNAPSHOT_BUNDLE, the launcher's CommonJS bundle of cli/main.ts.
 *
 * What the snapshot holds: the bundle, ts-morph and TypeScript loaded, and the front end's one
 * TypeScript project with the stdlib parsed and bound, after a few warm-up compilations of the
 * examples named in WARM_UP (cli/main.ts `primeForSnapshot`, which writes nothing). A process started
 * from it skips loading ~12 MB of JavaScript and parsing the stdlib, and runs `main(argv)` at once.
 *
 * Node 20 loads no user module in a snapshot builder (its `require` knows the built-in modules
 * only), so this script loads the bundle and the packages it requires by absolute path with a small
 * CommonJS loader of its own (`loadModule`): enough for the packages a build loads (ts-morph and its
 * dependencies, commander), each file's `require` resolving relative paths, `node_modules` packages
 * by their package.json ("exports" `require`/`default` entry, else "main"), and built-in modules.
 *
 * Invariant: the snapshot is only ever a faster start of the same code on the same stdlib; the
 * launcher's key for it names the bundle, the stdlib files and the Node binary, and on start the
 * deserialised process drops the parsed stdlib if its texts differ from the files now on disk.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const v8 = require("node:v8");

const builtinRequire = require;
const ROOT = path.join(__dirname, "..");
/** Examples compiled while building, so the snapshot holds a project that has checked real code. */
const WARM_UP = ["xdp-counter.ts", "syscount.ts"];

/** The file `request` names from `dir`: the path itself, with .js/.json, or its index.js. */
function resolveFile(file) {
  for (const f of [file, `${file}.js`, `${file}.json`, path.join(file, "index.js")]) {
    if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  }
  throw new Error(`snapshot: cannot load ${file}`);
}

/** The entry of package `request` (optionally with a sub-path) as found from `dir`. */
function resolvePackage(request, dir) {
  const parts = request.split("/");
  const n = request.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, n).join("/");
  const sub = parts.slice(n).join("/");
  for (let d = dir; ; d = path.dirname(d)) {
    const pkgDir = path.join(d, "node_modules", name);
    if (fs.existsSync(path.join(pkgDir, "package.json"))) {
      if (sub) return resolveFile(path.join(pkgDir, sub));
      const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
      const dot =
        typeof pkg.exports === "object" && pkg.exports
          ? (pkg.exports["."] ?? pkg.exports)
          : pkg.exports;
      const pick = (e) =>
        typeof e === "string" ? e : e && (pick(e.require) ?? pick(e.node) ?? pick(e.default));
      return resolveFile(path.join(pkgDir, pick(dot) ?? pkg.main ?? "index.js"));
    }
    if (d === path.dirname(d)) throw new Error(`snapshot: no package ${request} above ${dir}`);
  }
}

const modules = new Map();

/** Loads the CommonJS (or JSON) file `file` once, like Node's `require`. */
function loadModule(file) {
  const real = fs.realpathSync(file);
  const known = modules.get(real);
  if (known) return known.exports;
  const module = { exports: {}, filename: real, id: real, loaded: false };
  modules.set(real, module);
  const text = fs.readFileSync(real, "utf8");
  if (real.endsWith(".json")) {
    module.exports = JSON.parse(text);
    return module.exports;
  }
  const dir = path.dirname(real);
  const req = (id) => {
    if (id.startsWith(".") || path.isAbsolute(id))
      return loadModule(resolveFile(path.resolve(dir, id)));
    try {
      return builtinRequire(id);
    } catch {
      return loadModule(resolvePackage(id, dir));
    }
  };
  req.resolve = (id) =>
    id.startsWith(".") || path.isAbsolute(id)
      ? resolveFile(path.resolve(dir, id))
      : resolvePackage(id, dir);
  req.cache = {};
  const params = ["exports", "require", "module", "__filename", "__dirname"];
  const fn = vm.compileFunction(text.replace(/^#!.*/, ""), params, { filename: real });
  fn.call(module.exports, module.exports, req, module, real, dir);
  module.loaded = true;
  return module.exports;
}

const bundle = process.env.TSBPF_SNAPSHOT_BUNDLE;
if (!bundle) throw new Error("snapshot: TSBPF_SNAPSHOT_BUNDLE is not set");
const cli = loadModule(bundle);
const samples = WARM_UP.map((name) => {
  const file = path.join(ROOT, "examples", name);
  return [file, fs.readFileSync(file, "utf8")];
});
let primed = false;
cli.primeForSnapshot(samples).then(
  () => (primed = true),
  (e) => {
    throw e;
  },
);

v8.startupSnapshot.addSerializeCallback(() => {
  if (!primed) throw new Error("snapshot: the warm-up compilations did not finish");
});
v8.startupSnapshot.setDeserializeMainFunction(() => {
  // Tell the launcher that Node started from the blob and runs this code (bin/tsbpf.js
  // `runFromSnapshot`): a process that never gets here makes it build on the cold path instead.
  const started = process.env.TSBPF_SNAPSHOT_STARTED_FD;
  delete process.env.TSBPF_SNAPSHOT_STARTED_FD;
  if (started !== undefined) {
    try {
      fs.writeSync(Number(started), "tsbpf snapshot started\n");
      fs.closeSync(Number(started));
    } catch {
      // not started by the launcher (no such descriptor): nobody is waiting for the word
    }
  }
  // `node --snapshot-blob <blob> <launcher> <args>`: argv is [node, launcher, args...], as main expects.
  if (process.argv[2] === "--snapshot-self-test") {
    process.stdout.write("tsbpf snapshot ok\n");
    return;
  }
  void cli.resumeFromSnapshot().then(() => cli.main(process.argv));
});
