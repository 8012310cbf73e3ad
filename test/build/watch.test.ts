/**
 * `tsbpf build --watch` as a user runs it: a spawned process builds, rebuilds after an edit (the
 * object changes), reports a compile error with its code frame and keeps running, recovers when the
 * error is fixed, and exits cleanly (code 0, no stack trace) on SIGINT.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
