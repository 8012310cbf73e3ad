/**
 * `tsbpf build --watch` as a user runs it: a spawned process builds, rebuilds after an edit (the
 * object changes), reports a compile error with its code frame and keeps running, recovers when the
 * error is fixed, and exits cleanly (code 0, no stack trace) on SIGINT; killing it leaves no process
 * behind (the launcher runs the watch in a child process, bin/tsbpf.js).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-watch-"));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const probe = (verdict: number, extra = ""): string =>
  [
    'import { ArrayMap, u64, xdp } from "tsbpf";',
    "const hits = new ArrayMap<u64>({ maxEntries: 1 });",
    "export const prog = xdp((ctx) => {",
    "  const h = hits.lookup(0);",
    "  if (h !== null) h.value += 1;",
    extra,
    `  return ${verdict};`,
    "});",
    'export const license = "GPL";',
    "",
  ].join("\n");

/** Collects the child's stderr and waits for a line matching a pattern. */
class Output {
  text = "";
  private waiters: (() => void)[] = [];
  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      this.text += chunk;
      for (const w of this.waiters) w();
    });
  }
  /** Resolves with the text after `from` once it matches `re` (rejects after 20 s). */
  waitFor(re: RegExp, from: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const tail = this.text.slice(from);
        if (re.test(tail)) {
          clearTimeout(timer);
          resolve(tail);
        }
      };
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${re}; output:\n${this.text}`)),
        20_000,
      );
      this.waiters.push(check);
      check();
    });
  }
}

describe("tsbpf build --watch", () => {
  it("rebuilds on edits, survives errors and exits cleanly on SIGINT", async () => {
    const src = join(dir, "probe.ts");
    const obj = join(dir, "probe.o");
    writeFileSync(src, probe(2));
    child = spawn(process.execPath, [BIN, "build", "probe.ts", "-o", "probe.o", "--watch"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = new Output(child.stderr!);
    const exited = new Promise<number | null>((resolve) =>
      child!.on("exit", (code) => resolve(code)),
    );

    await out.waitFor(
      /^built probe\.o: \d+ insns in \d+ ms\nwatching probe\.ts \(Ctrl-C to stop\)\n/m,
      0,
    );
    const first = readFileSync(obj);

    let mark = out.text.length;
    writeFileSync(src, probe(1));
    await out.waitFor(/^built probe\.o: \d+ insns in \d+ ms$/m, mark);
    const second = readFileSync(obj);
    expect(Buffer.compare(first, second)).not.toBe(0);

    mark = out.text.length;
    writeFileSync(src, probe(1, "  const bad: u64 = undefinedName;"));
    const failed = await out.waitFor(/^build failed; waiting for changes$/m, mark);
    expect(failed).toMatch(/^probe\.ts:6:20: error TS\d+: Cannot find name 'undefinedName'/m);
    expect(failed).toMatch(/^ {2}6 \| {3}const bad: u64 = undefinedName;$/m);
    expect(child.exitCode).toBeNull();
    expect(Buffer.compare(readFileSync(obj), second)).toBe(0);

    mark = out.text.length;
    writeFileSync(src, probe(2));
    await out.waitFor(/^built probe\.o: \d+ insns in \d+ ms$/m, mark);
    expect(Buffer.compare(readFileSync(obj), first)).toBe(0);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out.text).not.toMatch(/^\s+at /m);
  }, 60_000);

  it("leaves no process behind when the launcher is killed", async () => {
    const src = join(dir, "orphan.ts");
    writeFileSync(src, probe(2));
    const p = spawn(process.execPath, [BIN, "build", "orphan.ts", "-o", "orphan.o", "--watch"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = new Output(p.stderr!);
    await out.waitFor(/^watching orphan\.ts/m, 0);
    const tree = (pid: number): number[] => {
      const kids = readdirSync(`/proc/${pid}/task`).flatMap((t) =>
        readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean),
      );
      return [pid, ...kids.flatMap((k) => tree(Number(k)))];
    };
    const pids = tree(p.pid!);
    p.kill("SIGKILL");
    const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);
    for (let waited = 0; pids.some(alive) && waited < 10_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pids.filter(alive)).toEqual([]);
  }, 30_000);

  it("refuses to start on a missing file", async () => {
    const p = spawn(process.execPath, [BIN, "build", "missing.ts", "--watch"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = new Output(p.stderr!);
    const code = await new Promise<number | null>((resolve) => p.on("exit", resolve));
    expect(code).toBe(1);
    expect(out.text).toBe("tsbpf build: cannot read missing.ts: no such file\n");
  }, 30_000);
});
