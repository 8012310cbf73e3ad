/**
 * The event and counter examples under `tsbpf run` on the live kernel: syscount, opensnoop,
 * execsnoop, exitsnoop and tcpconnect. Each test runs the tool as a child process, does the traced
 * thing itself while the tool runs (known syscalls, a uniquely named open / exec, a child exiting,
 * a TCP connect on 127.0.0.1), and finds exactly that in the tool's real output; then checks that
 * the run left no program, map or link behind.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, symlinkSync } from "node:fs";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countLines,
  expectNothingLeft,
  expectRan,
  liveReady,
  recordLines,
  runExample,
  uniqueTag,
} from "./support.ts";

const live = liveReady("tracing examples under tsbpf run");
/** x86_64 syscall number of getppid(2). */
const SYS_GETPPID = 110;

describe.runIf(live)("tracing examples, live", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-run-examples-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("syscount counts a child's getppid calls under its pid and under the syscall id", async () => {
    const calls = 3000;
    let childPid = 0;
    const out = await runExample("syscount", ["--duration", "4"], ["countSyscalls"], () => {
      // perl's syscall() issues exactly the raw syscall, `calls` times.
      const child = spawn("perl", ["-e", `syscall(${SYS_GETPPID}) for 1..${calls}`]);
      childPid = child.pid!;
      return new Promise((r) => child.on("close", () => r()));
    });
    expectRan(out, ["countSyscalls"]);
    const byPid = countLines(out.stdout, "byPid");
    const bySyscall = countLines(out.stdout, "bySyscall");
    expect(byPid.get(String(childPid))).toBeGreaterThanOrEqual(BigInt(calls));
    expect(bySyscall.get(String(SYS_GETPPID))).toBeGreaterThanOrEqual(BigInt(calls));
    expectNothingLeft(out);
  }, 60_000);

  it("opensnoop reports our open of a uniquely named file, with our pid", async () => {
    const file = join(dir, uniqueTag("opensnoop"));
    const out = await runExample("opensnoop", ["--duration", "3"], ["traceOpenat"], () => {
      closeSync(openSync(file, "w"));
    });
    expectRan(out, ["traceOpenat"]);
    const ours = recordLines(
      out.stdout,
      "events",
      `.pid = ${process.pid}, `,
      `.filename = ${file} }`,
    );
    expect(ours.length).toBe(1);
    expect(ours[0]).toMatch(/\.uid = 0, \.flags = \d+, \.comm = /);
    expectNothingLeft(out);
  }, 60_000);

  it("execsnoop reports an exec of a uniquely named path, with the child's pid", async () => {
    const path = join(dir, uniqueTag("true"));
    symlinkSync("/bin/true", path);
    let childPid = 0;
    const out = await runExample("execsnoop", ["--duration", "3"], ["onExec"], () => {
      const child = spawn(path, ["--tsbpf-marker"]);
      childPid = child.pid!;
      return new Promise((r) => child.on("close", () => r()));
    });
    expectRan(out, ["onExec"]);
    const ours = recordLines(out.stdout, "events", `.pid = ${childPid}, `, `.filename = ${path} }`);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain(`.old_pid = ${childPid}, .uid = 0`);
    expectNothingLeft(out);
  }, 60_000);

  it("exitsnoop reports a child that exits with a known code", async () => {
    let childPid = 0;
    let exitCode: number | null = null;
    const out = await runExample("exitsnoop", ["--duration", "3"], ["onExit"], () => {
      const child = spawn("sh", ["-c", "exit 7"]);
      childPid = child.pid!;
      return new Promise((r) =>
        child.on("close", (code) => {
          exitCode = code;
          r();
        }),
      );
    });
    expectRan(out, ["onExit"]);
    expect(exitCode).toBe(7);
    const ours = recordLines(out.stdout, "events", `.pid = ${childPid}, `);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(
      /^events: \{ \.timestamp_ns = \d+, .*\.uid = 0, \.prio = 120, \.comm = sh \}$/,
    );
    expectNothingLeft(out);
  }, 60_000);

  it("tcpconnect reports our connect to a listening socket on 127.0.0.1", async () => {
    const server = createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const out = await runExample("tcpconnect", ["--duration", "3"], ["onStateChange"], () => {
        return new Promise((resolve, reject) => {
          const c = connect(port, "127.0.0.1", () => {
            c.end();
            resolve();
          });
          c.on("error", reject);
        });
      });
      expectRan(out, ["onStateChange"]);
      // 127.0.0.1 in network order, read as a little-endian u32: 0x0100007f.
      const ours = recordLines(
        out.stdout,
        "events",
        `.pid = ${process.pid}, `,
        `.daddr = ${0x0100007f}, `,
        `.dport = ${port}, `,
      );
      expect(ours).toHaveLength(1);
      expect(ours[0]).toContain(`.saddr = ${0x0100007f}, `);
      expectNothingLeft(out);
    } finally {
      server.close();
    }
  }, 60_000);

  it("a wrong --prog name is one clear line and exit 1", () => {
    let err = "";
    try {
      execFileSync(
        process.execPath,
        ["bin/tsbpf.js", "run", "examples/syscount.ts", "--prog", "nope"],
        {
          cwd: join(import.meta.dirname, "../.."),
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
    } catch (e) {
      err = (e as { stderr: string }).stderr;
    }
    expect(err.trim()).toBe(
      'tsbpf: examples/syscount.ts: object has no program named "nope" (programs: countSyscalls)',
    );
  }, 60_000);
});
