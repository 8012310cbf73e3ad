/**
 * `npm run playground`: builds the playground (playground/build.ts) and serves dist/playground/ on
 * 127.0.0.1 (port from `PORT`, default 8080) until Ctrl-C.
 */
import { fileURLToPath } from "node:url";
import { buildPlayground } from "../playground/build.ts";
import { serveStatic } from "../playground/serve.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const b = await buildPlayground(root, `${root}dist/playground`);
const server = await serveStatic(b.outDir, Number(process.env.PORT ?? 8080));
process.stdout.write(`playground: ${server.url} (Ctrl-C to stop)\n`);
process.once("SIGINT", () => void server.close().then(() => process.exit(0)));
