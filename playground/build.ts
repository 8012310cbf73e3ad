/**
 * Builds the playground into a folder of static files: index.html, style.css and main.js (the page,
 * the whole compiler with ts-morph and TypeScript, the VM, and the assets of assets.ts), every
 * reference relative, so any static file server (or a sub-path of one) can host the folder.
 *
 * Node's built-in modules and koffi (the loader's native calls) are replaced by a stub whose
 * functions throw: the page never calls them, because the front end gets a `memoryHost` and the
 * page never touches the live kernel. A call that slipped through fails loudly, naming the function.
 * `path` is path-browserify (ts-morph uses it for in-memory paths).
 *
 * Consumes the checkout at `root`; produces `outDir` and reports the sizes.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";
import { readAssets } from "./assets.ts";

/** What a build produced. */
export interface PlaygroundBuild {
  readonly outDir: string;
  /** Bytes of main.js, raw and gzipped (level 9); all files together gzipped. */
  readonly scriptBytes: number;
  readonly scriptGzipBytes: number;
  readonly totalGzipBytes: number;
}

const STATIC_FILES = ["index.html", "style.css"];

function browserPlugin(root: string): Plugin {
  return {
    name: "tsbpf-playground",
    setup(b) {
      b.onResolve({ filter: /^tsbpf-playground:assets$/ }, () => ({
        path: "assets",
        namespace: "tsbpf-assets",
      }));
      b.onLoad({ filter: /.*/, namespace: "tsbpf-assets" }, () => ({
        contents: JSON.stringify(readAssets(root)),
        loader: "json",
      }));
      // ts-morph embeds TypeScript's standard lib texts (~2.9 MB) for projects that use them; the
      // front end's project has `noLib` and its own lib (stdlib/lib.d.ts), so the page drops them.
      b.onLoad({ filter: /@ts-morph[\\/]common[\\/]dist[\\/]ts-morph-common\.js$/ }, (a) => {
        const text = readFileSync(a.path, "utf8");
        const start = text.indexOf("const libFiles = [{");
        const end = text.indexOf("function getLibFiles()", start);
        if (start < 0 || end < 0) throw new Error(`${a.path}: ts-morph's lib table not found`);
        return {
          contents: text.slice(0, start) + "const libFiles = [];\n\n" + text.slice(end),
          loader: "js",
        };
      });
      b.onResolve({ filter: /^(node:)?path$/ }, () => ({
        path: join(root, "node_modules", "path-browserify", "index.js"),
      }));
      b.onResolve({ filter: /^[^./]/ }, (a) =>
        isBuiltin(a.path) || a.path === "koffi" || a.path === "source-map-support"
          ? { path: a.path, namespace: "tsbpf-stub" }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: "tsbpf-stub" }, (a) => ({
        contents: `const name = ${JSON.stringify(a.path)};
module.exports = new Proxy({}, {
  get(_t, p) {
    if (p === "__esModule" || typeof p === "symbol") return undefined;
    return () => { throw new Error(name + "." + String(p) + " is not available in the browser"); };
  },
});`,
        loader: "js",
      }));
    },
  };
}

/** Builds the playground of the checkout at `root` into `outDir` (emptied first). */
export async function buildPlayground(root: string, outDir: string): Promise<PlaygroundBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, "playground", "main.ts")],
    outfile: join(outDir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "external",
    logLevel: "warning",
    plugins: [browserPlugin(root)],
  });
  for (const f of STATIC_FILES) copyFileSync(join(root, "playground", f), join(outDir, f));
  const script = readFileSync(join(outDir, "main.js"));
  const files = [...STATIC_FILES, "main.js"].map((f) => readFileSync(join(outDir, f)));
  return {
    outDir,
    scriptBytes: statSync(join(outDir, "main.js")).size,
    scriptGzipBytes: gzipSync(script, { level: 9 }).length,
    totalGzipBytes: files.reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0),
  };
}
