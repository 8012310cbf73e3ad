#!/usr/bin/env node
/**
 * `npm run build` (also the `prepare` script, so `npm ci` in a checkout and `npm pack` run it): compiles
 * the sources the package ships (core/, compiler/, runtime/, cli/) to JavaScript with `.d.ts` in
 * dist/, through tsconfig.build.json (relative `.ts` imports are rewritten to `.js`). Those dist/ folders are
 * removed first, so a deleted source never survives as a stale module. Plain JavaScript: it runs before, and
 * without, any TypeScript loader.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Only the compiled folders: dist/playground (npm run playground:build) is not ours to remove.
const config = JSON.parse(readFileSync(new URL("../tsconfig.build.json", import.meta.url), "utf8"));
for (const folder of config.include) {
  rmSync(new URL(`../dist/${folder}`, import.meta.url), { recursive: true, force: true });
}
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
process.exitCode = r.status ?? 1;
