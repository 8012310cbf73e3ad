/** `npm run build:ts-plugin`: bundles the tsserver plugin into ts-plugin/index.cjs (ts-plugin/build.ts). */
import { fileURLToPath } from "node:url";
import { buildTsPlugin } from "../ts-plugin/build.ts";

const out = await buildTsPlugin(fileURLToPath(new URL("..", import.meta.url)));
process.stdout.write(`ts-plugin: ${out}\n`);
