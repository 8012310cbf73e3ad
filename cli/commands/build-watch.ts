/**
 * `tsbpf build --watch`: builds once, then rebuilds whenever the input file or the tsbpf stdlib
 * (stdlib/*.d.ts) changes, until Ctrl-C.
 *
 * The process keeps the compiler and ts-morph loaded, so a rebuild costs only the compilation itself
 * (tens of milliseconds), not the ~0.5 s of a cold start. Invariants: a compile error, an unreadable
 * input (an editor replacing the file) or even an internal compiler error is printed and the watch
 * goes on; builds never overlap (a change during a build schedules exactly one more); events are
 * debounced, because one save produces several. The directory is watched rather than the file so
 * that editors which save by renaming a new file over the old one keep being followed.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { reloadStdlib } from "../../compiler/frontend/project.ts";
import { buildOnce, readInput, UsageError, type BuildRequest } from "./build.ts";

/** Quiet time after the last file event before rebuilding, in milliseconds. */
const DEBOUNCE_MS = 15;
const STDLIB_DIR = fileURLToPath(new URL("../../stdlib/", import.meta.url));

/** Options for tests: where messages go and which signals stop the watch. */
export interface WatchIo {
  readonly log: (line: string) => void;
  readonly signals: readonly NodeJS.Signals[];
}

const defaultIo: WatchIo = {
  log: (line) => process.stderr.write(line + "\n"),
  signals: ["SIGINT", "SIGTERM"],
};

/**
 * Builds `req` and rebuilds it on every change until one of `io.signals` arrives; resolves to the
 * exit code (0). Throws `UsageError` only when the input cannot be read at the start.
 */
export async function watchBuild(req: BuildRequest, io: WatchIo = defaultIo): Promise<number> {
  readInput(req.input);
  const input = resolve(req.input);
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const buildAndReport = async (): Promise<void> => {
    try {
      const r = await buildOnce(req);
      io.log(r.summary ?? (r.code === 0 ? "built" : "build failed; waiting for changes"));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      io.log(
        e instanceof UsageError
          ? `tsbpf build: ${message}; waiting for changes`
          : `tsbpf build: internal error: ${message}; waiting for changes`,
      );
    }
  };
  const rebuild = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      await buildAndReport();
    } while (again);
    running = false;
  };
  const schedule = (stdlibChanged: boolean): void => {
    if (stdlibChanged) reloadStdlib();
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), DEBOUNCE_MS);
  };

  const watchers: FSWatcher[] = [
    watch(dirname(input), (_event, name) => {
      if (name === basename(input)) schedule(false);
    }),
    watch(STDLIB_DIR, (_event, name) => {
      if (name?.endsWith(".d.ts")) schedule(true);
    }),
  ];
  for (const w of watchers) w.on("error", (e) => io.log(`tsbpf build: watch: ${e.message}`));
  await rebuild();
  io.log(`watching ${req.input} (Ctrl-C to stop)`);

  return new Promise((done) => {
    const stop = (): void => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const s of io.signals) process.off(s, stop);
      done(0);
    };
    for (const s of io.signals) process.on(s, stop);
  });
}
