/**
 * Bundles the language-service plugin (ts-plugin/index.ts and the compiler it runs) into one
 * CommonJS file, ts-plugin/index.cjs, because tsserver loads plugins with require(). Packages
 * (ts-morph, typescript) stay external and resolve from the installed package's node_modules.
 * `import.meta.url` of every bundled module becomes the bundle's own file URL: the bundle sits in
 * the same folder as index.ts, so the paths the sources compute from it stay right.
 *
 * Consumes the checkout at `root`; produces `ts-plugin/index.cjs` (a build artefact, not committed;
 * `npm run build:ts-plugin`, and the package build runs it before packing).
 */
import { join } from "node:path";
import { build } from "esbuild";

/** Builds `<root>/ts-plugin/index.cjs`; returns its path. */
export async function buildTsPlugin(root: string): Promise<string> {
  const outfile = join(root, "ts-plugin", "index.cjs");
  await build({
    entryPoints: [join(root, "ts-plugin", "index.ts")],
    outfile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    packages: "external",
    // tsserver calls the module itself: `module.exports = init`, not `{ default: init }`.
    footer: { js: "module.exports = module.exports.default;" },
    define: { "import.meta.url": "__tsbpfPluginUrl" },
    banner: { js: 'const __tsbpfPluginUrl = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: "warning",
  });
  return outfile;
}
