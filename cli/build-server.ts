/**
 * The build server: a background process that keeps the compiler, TypeScript and the parsed stdlib
 * loaded, so that `tsbpf build` (one build, not `--watch`) costs a Node start and a warm compile
 * instead of loading TypeScript and parsing the stdlib again in every process.
 *
 * bin/tsbpf.js is the client: it sends the build's argv, working directory and environment over a
 * Unix socket in the per-user cache directory (mode 0700, owned by the user) and prints what comes
 * back. When no server answers, the client builds in its own process as before (the cold path) and
 * then starts one for the next build; `TSBPF_NO_SERVER=1` keeps every build on the cold path. The
 * socket's name holds a hash of the CLI code that serves it (the bundle's path, or dist/), so a
 * source change, which makes a new bundle, is served by a new server; the old one exits when idle.
 *
 * Protocol: one request line (JSON: argv, cwd, env), one reply line (JSON: out, err, code), then
 * the server closes the connection. A reply of `code: null` means "not served, build it yourself".
 *
 * Invariants: requests run one at a time (each switches the process's working directory,
 * environment, stdout/stderr and exit code to the client's, and back); a build reads the stdlib as
 * it is now (its files are stat'ed per request and the front end's project dropped when they
 * changed); nothing a build does can end the server (commander's exits become exceptions, and
 * `process.exit` is refused while a build runs). The server exits after `IDLE_MS` without requests,
 * or as soon as its socket file is gone (a removed cache directory).
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { CommanderError, type Command } from "commander";
import { stdlibDir } from "../compiler/frontend/host.ts";
import { reloadStdlib } from "../compiler/frontend/project.ts";
import { reportFatal } from "./report.ts";

/** How long the server waits for the next request before it exits. */
const IDLE_MS = 10 * 60_000;
/** How long a client may take to send its request line. */
const REQUEST_MS = 10_000;
/** How often the server checks that its socket file still exists. */
const WATCHDOG_MS = 5_000;

/** A build request from bin/tsbpf.js. */
interface Request {
  readonly argv: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
}

/** The reply: what the build printed and its exit code (null: not served). */
interface Reply {
  readonly out: string;
  readonly err: string;
  readonly code: number | null;
}

/** A stamp of the stdlib files (names, sizes, mtimes): changes whenever one of them does. */
function stdlibStamp(dir: string): string {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".d.ts"))
    .sort()
    .map((n) => {
      const st = statSync(dir + n);
      return `${n}:${st.size}:${st.mtimeMs}`;
    })
    .join("|");
}

/** Replaces the contents of `process.env` with `env`. */
function setEnv(env: Record<string, string>): void {
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
}

/** Runs one build as the client asked, with the client's directory, environment and streams. */
async function serveOne(
  req: Request,
  program: (command: string | undefined) => Promise<Command>,
): Promise<Reply> {
  const saved = { cwd: process.cwd(), env: { ...process.env } as Record<string, string> };
  const out: string[] = [];
  const err: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const exit = process.exit;
  try {
    process.chdir(req.cwd);
  } catch {
    return { out: "", err: "", code: null };
  }
  setEnv(req.env);
  const capture =
    (into: string[]) =>
    (chunk: string | Uint8Array): boolean => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    };
  process.stdout.write = capture(out) as typeof process.stdout.write;
  process.stderr.write = capture(err) as typeof process.stderr.write;
  process.exit = ((code?: number) => {
    throw new CommanderError(code ?? 0, "tsbpf.exit", "process.exit");
  }) as typeof process.exit;
  process.exitCode = undefined;
  let code: number;
  try {
    const cli = await program(req.argv[2]);
    await cli.parseAsync(req.argv);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = e instanceof CommanderError ? e.exitCode : reportFatal(e);
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.exit = exit;
    process.exitCode = undefined;
    setEnv(saved.env);
    process.chdir(saved.cwd);
  }
  return { out: out.join(""), err: err.join(""), code };
}

/** Reads one request line from `conn` (rejects if it closes or stalls first). */
function readRequest(conn: Socket): Promise<Request> {
  return new Promise((resolve, reject) => {
    let text = "";
    conn.setEncoding("utf8");
    conn.setTimeout(REQUEST_MS, () => conn.destroy()); // a client that connects and says nothing
    conn.on("data", (chunk: string) => {
      text += chunk;
      const nl = text.indexOf("\n");
      if (nl < 0) return;
      conn.setTimeout(0);
      try {
        resolve(JSON.parse(text.slice(0, nl)) as Request);
      } catch (e) {
        reject(e as Error);
      }
    });
    conn.on("error", reject);
    conn.on("close", () => reject(new Error("request ended early")));
  });
}

/** True when something listens on the Unix socket `socket` (a server already serving). */
export function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(socket);
    c.on("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.on("error", () => resolve(false));
  });
}

/**
 * Serves builds on `socket` until idle; `program(command)` makes a commander program for the
 * command argv names, with `exitOverride` so that its exits reach this module as exceptions.
 */
export async function serveBuilds(
  socket: string,
  program: (command: string | undefined) => Promise<Command>,
): Promise<void> {
  if (await answers(socket)) return; // another client started one first
  rmSync(socket, { force: true }); // a dead server's socket file
  const dir = stdlibDir();
  let stamp = stdlibStamp(dir);
  let queue: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout;
  const server = createServer((conn) => {
    conn.on("error", () => {}); // a client that went away (Ctrl-C) gets no reply
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        const req = await readRequest(conn);
        const now = stdlibStamp(dir);
        if (now !== stamp) reloadStdlib();
        stamp = now;
        reply = await serveOne(req, program);
      } catch {
        reply = { out: "", err: "", code: null };
      }
      conn.end(JSON.stringify(reply) + "\n");
      clearTimeout(idle);
      idle = setTimeout(stop, IDLE_MS);
    });
  });
  const watchdog = setInterval(() => {
    try {
      statSync(socket);
    } catch {
      stop();
    }
  }, WATCHDOG_MS);
  function stop(): void {
    clearInterval(watchdog);
    clearTimeout(idle);
    server.close();
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, () => resolve());
  });
  idle = setTimeout(stop, IDLE_MS);
  queue = queue.then(warmUp);
  await new Promise<void>((resolve) => server.once("close", () => resolve()));
}

/** Loads the front end and parses the stdlib, so that the first served build is warm too. */
async function warmUp(): Promise<void> {
  const { compileSource } = await import("../compiler/driver.ts");
  const text = 'import { xdp, XDP_PASS } from "tsbpf";\nexport const p = xdp(() => XDP_PASS);\n';
  for (let i = 0; i < 3; i++) await compileSource(`${text}// ${i}\n`, "warm-up.ts");
}
