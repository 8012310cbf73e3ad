/**
 * The kernel-struct (CO-RE) examples under `tsbpf run` on the live kernel: our loader resolves
 * their relocations against /sys/kernel/btf/vmlinux, the programs attach, and each reports a real
 * value read from kernel structs for something the test does itself: a child's parent pid and the
 * in_execve bitfield (core-execsnoop), an exit code and age (core-exitsnoop), the destination of a
 * connect read from struct sock (core-tcpstate), the executable's file and directory names read
 * through task->mm->exe_file->f_path.dentry (core-exepath).
 */
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectNothingLeft,
  expectRan,
  liveReady,
  recordLines,
  runExample,
  uniqueTag,
} from "./support.ts";

const live = liveReady("CO-RE examples under tsbpf run");

function runChild(
  cmd: string,
  args: string[],
): { pid: () => number; done: Promise<number | null> } {
  const child = spawn(cmd, args);
  return { pid: () => child.pid!, done: new Promise((r) => child.on("close", (c) => r(c))) };
}

describe.runIf(live)("CO-RE examples, live", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-core-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("core-execsnoop reports a child's pid, its parent (this process) and in_execve = 1", async () => {
    const path = join(dir, uniqueTag("t"));
    symlinkSync("/bin/true", path);
    let childPid = 0;
    const out = await runExample("core-execsnoop", ["--duration", "3"], ["onExec"], async () => {
      const c = runChild(path, []);
      childPid = c.pid();
      await c.done;
    });
    expectRan(out, ["onExec"]);
    const ours = recordLines(out.stdout, "events", `.pid = ${childPid}, `);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain(`.ppid = ${process.pid}, .in_execve = 1, `);
    expectNothingLeft(out);
  }, 60_000);

  it("core-exitsnoop reports a child's exit code 7, its parent and a plausible age", async () => {
    let childPid = 0;
    let code: number | null = null;
    const out = await runExample("core-exitsnoop", ["--duration", "3"], ["onExit"], async () => {
      const c = runChild("sh", ["-c", "sleep 0.2; exit 7"]);
      childPid = c.pid();
      code = await c.done;
    });
    expectRan(out, ["onExit"]);
    expect(code).toBe(7);
    const ours = recordLines(out.stdout, "events", `.pid = ${childPid}, `);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain(`.ppid = ${process.pid}, .exit_code = 7, .sig = 0 }`);
    const age = Number(/\.duration_ns = (\d+)/.exec(ours[0]!)![1]);
    expect(age).toBeGreaterThan(150_000_000);
    expect(age).toBeLessThan(30_000_000_000);
    expectNothingLeft(out);
  }, 60_000);

  it("core-tcpstate reads our connect's destination and port from struct sock", async () => {
    const server = createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const out = await runExample("core-tcpstate", ["--duration", "3"], ["onStateChange"], () => {
        return new Promise((resolve, reject) => {
          const c = connect(port, "127.0.0.1", () => {
            c.end();
            resolve();
          });
          c.on("error", reject);
        });
      });
      expectRan(out, ["onStateChange"]);
      // 127.0.0.1 and the port in network order, read as little-endian integers.
      const dport = ((port & 0xff) << 8) | (port >> 8);
      const ours = recordLines(
        out.stdout,
        "events",
        `.pid = ${process.pid}, `,
        `.dport = ${dport}, `,
      );
      expect(ours).toHaveLength(1);
      expect(ours[0]).toContain(`.daddr = ${0x0100007f}, .saddr = ${0x0100007f}, `);
      expect(ours[0]).toContain(".family = 2 }");
      expectNothingLeft(out);
    } finally {
      server.close();
    }
  }, 60_000);

  it("core-exepath reads the executable's file and directory names through its dentry", async () => {
    const name = uniqueTag("x").slice(0, 31);
    const exe = join(dir, name);
    copyFileSync("/bin/true", exe);
    const { chmodSync } = await import("node:fs");
    chmodSync(exe, 0o755);
    let childPid = 0;
    const out = await runExample("core-exepath", ["--duration", "3"], ["onExec"], async () => {
      const c = runChild(exe, []);
      childPid = c.pid();
      await c.done;
    });
    expectRan(out, ["onExec"]);
    const ours = recordLines(out.stdout, "events", `.pid = ${childPid}, `);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain(`.name = ${name}, .dir = ${basename(dir)} }`);
    expectNothingLeft(out);
  }, 60_000);
});
