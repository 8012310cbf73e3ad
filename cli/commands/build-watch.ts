/**
 * `tsbpf build --watch`: builds once, then rebuilds whenever the input file or the tsbpf stdlib
 * (stdlib/*.d.ts) changes, until Ctrl-C.
 *
 * The process keeps the compiler and ts-morph loaded, and the front end keeps ONE TypeScript project
 * whose stdlib files are parsed and bound once (compiler/frontend/project.ts), so a rebuild costs only
 * the compilation of the user's file (tens of milliseconds), not the ~0.5 s of a cold start. While it
 * waits for edits, the process compiles the input more times without writing anything
 * (`WARM_UP_BUILDS` in all, resumed after each real build until done): V8 optimises the type checker
 * and the compiler only after they have run many times (measured on xdp-nat: a build's CPU time falls
 * from ~150 ms in builds 2-8 to ~60 ms after about 25 builds, and keeps optimising newly hot functions
 * for tens of builds more), and the first rebuilds would otherwise
 * run cold code at two to three times the steady cost. A warm-up step never delays a real build by
 * more than its own length: it stops as soon as a change is pending. Invariants: a compile error, an unreadable
 * input (an editor replacing the file) or even an internal compiler error is printed and the watch
 * goes on; builds never overlap (a change during a build schedules exactly one more); events are
 * debounced, because one save produces several. The directory is watched rather than the file so
 * that editors which save by renaming a new file over the old one keep being followed.
 */
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, extname, resolve } from "node:path";
import { compileSource } from "../../compiler/driver.ts";
import { stdlibDir } from "../../compiler/frontend/host.ts";
import { releaseUserNodes, reloadStdlib } from "../../compiler/frontend/project.ts";
import { buildOnce, readInput, UsageError, type BuildRequest } from "./build.ts";

/**
 * Quiet time after the last file event before rebuilding, in milliseconds: one save produces its
 * events together (an in-place write: its truncation and write events microseconds apart; a save by
 * rename: one event for the input's name), and the wait is part of every rebuild's latency; a build
 * that still catches a half-written file is followed by another (a change during a build schedules
 * one more), so the last build always sees the saved text.
 */
const DEBOUNCE_MS = 2;
/**
 * Throw-away compilations run while idle after the first build, to warm up V8's JIT. After 25, V8's
 * background threads still compiled ~9 newly hot functions per rebuild (xdp-nat, --trace-opt: 233
 * optimisations over 25 edits, ~28 ms of compiler-thread CPU per rebuild competing with the build
 * on a busy machine); after 60, watch rebuilds of xdp-nat took 44-55 ms of CPU instead of 63-64.
 */
const WARM_UP_BUILDS = 60;

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
  let pending = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let warmUpsLeft = WARM_UP_BUILDS;

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
    // Reported: what the next build would first undo is done now, before the next edit.
    releaseUserNodes();
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
    warmUp();
  };
  const schedule = (stdlibChanged: boolean): void => {
    if (stdlibChanged) reloadStdlib();
    clearTimeout(timer);
    pending = true;
    timer = setTimeout(() => {
      pending = false;
      void rebuild();
    }, DEBOUNCE_MS);
  };
  /**
   * One idle warm-up compilation per macrotask, until all are done or a real build is wanted (the
   * next real build resumes them).
   */
  function warmUp(): void {
    if (warmUpsLeft === 0 || stopped || running || pending || extname(input) !== ".ts") return;
    setTimeout(() => {
      if (warmUpsLeft === 0 || stopped || running || pending) return;
      running = true;
      warmUpsLeft -= 1;
      void compileWarmUp(req, WARM_UP_BUILDS - warmUpsLeft).finally(() => {
        running = false;
        if (again) void rebuild();
        else warmUp();
      });
    }, 0);
  }

  const watchers: FSWatcher[] = [
    watch(dirname(input), (_event, name) => {
      if (name === basename(input)) schedule(false);
    }),
    watch(stdlibDir(), (_event, name) => {
      if (name?.endsWith(".d.ts")) schedule(true);
    }),
  ];
  for (const w of watchers) w.on("error", (e) => io.log(`tsbpf build: watch: ${e.message}`));
  await rebuild();
  io.log(`watching ${req.input} (Ctrl-C to stop)`);

  return new Promise((done) => {
    const stop = (): void => {
      stopped = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const s of io.signals) process.off(s, stop);
      done(0);
    };
    for (const s of io.signals) process.on(s, stop);
  });
}

/**
 * Compiles the input once more in memory (an edited copy, so TypeScript sees a changed file as on a
 * real edit) and discards the result; every failure is ignored, since the real build reports it.
 */
async function compileWarmUp(req: BuildRequest, round: number): Promise<void> {
  try {
    const source = readFileSync(req.input, "utf8");
    await compileSource(`${source}\n// tsbpf warm-up ${round}\n`, req.input, req.compile);
    releaseUserNodes();
  } catch {
    // the real build reports whatever is wrong with the input
  }
}
