/**
 * `npm run playground:build`: builds the playground into dist/playground/ (playground/build.ts) and
 * prints its size.
 */
import { fileURLToPath } from "node:url";
import { buildPlayground } from "../playground/build.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
const b = await buildPlayground(root, `${root}dist/playground`);
process.stdout.write(
  `playground: ${b.outDir}: main.js ${kib(b.scriptBytes)} (${kib(b.scriptGzipBytes)} gzipped); all files ${kib(b.totalGzipBytes)} gzipped\n`,
);
