/**
 * The tracing examples on the second kernel (Linux 6.1 under QEMU, test/support/qemu.ts): each
 * object, built once on the host, runs under `tsbpf run` in the guest, the guest does the traced
 * thing (a child with a known pid that execs, exits with a known code, opens a known file, makes
 * known syscalls, connects to a known port…), and the test finds that real value in the tool's
 * output; the CO-RE examples read a parent pid, an exit code and dentry names from 6.1's structs. vfsread-latency (fentry/fexit) attaches here: 6.1 as Debian builds it allows BPF
 * trampolines, which the host kernel refuses.
 *
 * Run with `npm run test:kernels`; see load.test.ts for the load checks of every example.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countLines, histogramRows, recordLines } from "../run-examples/support.ts";
import { bootGuest, guestReady, type Guest } from "../support/qemu.ts";
import { buildExamplesInto, runInGuestTool, type GuestRun } from "./support.ts";

const ready = guestReady("tracing examples on the 6.1 guest kernel");
/** x86_64 syscall number of getppid(2). */
const SYS_GETPPID = 110;

/** Asserts a clean run: Ctrl-C'd with exit 0, every program attached, no stack trace. */
function expectRan(run: GuestRun, programs: readonly string[]): void {
  if (run.code !== 0) throw new Error(`tsbpf run in the guest failed:\n${run.log}`);
  for (const p of programs) expect(run.stderr, run.log).toContain(`attached ${p} (`);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

const sum = (rows: Map<string, bigint>) => [...rows.values()].reduce((a, b) => a + b, 0n);

describe.runIf(ready)("tracing examples on Linux 6.1 (QEMU guest)", () => {
  let guest: Guest;
  const started = Date.now();
  beforeAll(async () => {
    guest = await bootGuest();
    await buildExamplesInto(guest.box);
  }, 600_000);
  afterAll(async () => {
    await guest?.close();
    if (guest)
      process.stderr.write(
        `[tsbpf] guest ${guest.release}: boot ${(guest.bootMs / 1000).toFixed(1)} s, ` +
          `tracing tests ${((Date.now() - started - guest.bootMs) / 1000).toFixed(1)} s\n`,
      );
  }, 60_000);

  it("syscount counts a child's getppid calls under its pid and under the syscall id", async () => {
    const calls = 3000;
    const run = await runInGuestTool(
      guest,
      "syscount",
      `perl -e 'syscall(${SYS_GETPPID}) for 1..${calls}' & echo $! > $B.pid; wait`,
    );
    expectRan(run, ["countSyscalls"]);
    const pid = run.fact("pid");
    expect(pid).toMatch(/^\d+$/);
    expect(countLines(run.stdout, "byPid").get(pid)).toBeGreaterThanOrEqual(BigInt(calls));
    expect(countLines(run.stdout, "bySyscall").get(String(SYS_GETPPID))).toBeGreaterThanOrEqual(
      BigInt(calls),
    );
  });

  it("opensnoop reports a child's open of a known file, with the child's pid", async () => {
    const run = await runInGuestTool(guest, "opensnoop", `sh -c 'echo $$ > $B.pid; : > $B.opened'`);
    expectRan(run, ["traceOpenat"]);
    const file = `${guest.box}/opensnoop.opened`;
    const ours = recordLines(
      run.stdout,
      "events",
      `.pid = ${run.fact("pid")}, `,
      `.filename = ${file} }`,
    );
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toMatch(/\.uid = 0, \.flags = \d+, \.comm = sh, /);
  });

  it("execsnoop reports a child's exec of a known path, with its pid", async () => {
    const run = await runInGuestTool(
      guest,
      "execsnoop",
      `ln -sf /bin/true $B.true; sh -c 'echo $$ > $B.pid; exec $B.true'`,
    );
    expectRan(run, ["onExec"]);
    const pid = run.fact("pid");
    const path = `${guest.box}/execsnoop.true`;
    const ours = recordLines(run.stdout, "events", `.pid = ${pid}, `, `.filename = ${path} }`);
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toContain(`.old_pid = ${pid}, .uid = 0`);
  });

  it("exitsnoop reports a child that exits with a known code", async () => {
    const run = await runInGuestTool(
      guest,
      "exitsnoop",
      `sh -c 'echo $$ > $B.pid; exit 7'; echo $? > $B.status`,
    );
    expectRan(run, ["onExit"]);
    expect(run.fact("status")).toBe("7");
    const ours = recordLines(run.stdout, "events", `.pid = ${run.fact("pid")}, `);
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toMatch(
      /^events: \{ \.timestamp_ns = \d+, .*\.uid = 0, \.prio = 120, \.comm = sh \}$/,
    );
  });

  // The CO-RE examples: their relocations, made against the host's 6.18 BTF, resolved by our loader
  // against 6.1's task_struct, mm_struct, file and dentry layouts.
  it("core-execsnoop reports a child's exec with its parent's pid and in_execve = 1 (CO-RE)", async () => {
    const run = await runInGuestTool(
      guest,
      "core-execsnoop",
      `ln -sf /bin/true $B.true; sh -c 'echo $$ > $B.pid; echo $PPID > $B.ppid; exec $B.true'`,
    );
    expectRan(run, ["onExec"]);
    expect(run.fact("ppid")).toMatch(/^\d+$/);
    // Two execs under the child's pid: the shell's own, then its `exec` of the symlink.
    const ours = recordLines(run.stdout, "events", `.pid = ${run.fact("pid")}, `);
    expect(ours, run.log).toHaveLength(2);
    for (const r of ours) expect(r).toContain(`.ppid = ${run.fact("ppid")}, .in_execve = 1, `);
  });

  it("core-exitsnoop reports a child's exit code and its parent's pid (CO-RE)", async () => {
    const run = await runInGuestTool(
      guest,
      "core-exitsnoop",
      `sh -c 'echo $$ > $B.pid; echo $PPID > $B.ppid; sleep 0.2; exit 7'; echo $? > $B.status`,
    );
    expectRan(run, ["onExit"]);
    expect(run.fact("status")).toBe("7");
    const ours = recordLines(run.stdout, "events", `.pid = ${run.fact("pid")}, `);
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toContain(`.ppid = ${run.fact("ppid")}, .exit_code = 7, .sig = 0 }`);
    const age = Number(/\.duration_ns = (\d+)/.exec(ours[0]!)![1]);
    expect(age).toBeGreaterThan(150_000_000);
  });

  it("core-exepath reads an executable's file and directory names through its dentry (CO-RE)", async () => {
    const name = `tsbpf_exe_${Math.floor(Math.random() * 1e9)}`;
    const run = await runInGuestTool(
      guest,
      "core-exepath",
      `mkdir -p $B.d && cp /bin/true $B.d/${name} && sh -c 'echo $$ > $B.pid; exec $B.d/${name}'`,
    );
    expectRan(run, ["onExec"]);
    // The shell's own exec shares the pid; the copied binary's is the one with its name.
    const ours = recordLines(
      run.stdout,
      "events",
      `.pid = ${run.fact("pid")}, `,
      `.name = ${name}, `,
    );
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toContain(`.name = ${name}, .dir = core-exepath.d }`);
  });

  it("core-tcpstate reads a connect's destination and port from 6.1's struct sock (CO-RE)", async () => {
    const js =
      "const net = require('net'), fs = require('fs'), b = process.env.B;" +
      "const s = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {" +
      "fs.writeFileSync(b + '.port', String(s.address().port));" +
      "fs.writeFileSync(b + '.pid', String(process.pid));" +
      "const c = net.connect(s.address().port, '127.0.0.1', () => { c.end(); s.close(); }); });";
    const run = await runInGuestTool(guest, "core-tcpstate", `B=$B node -e "${js}"`);
    expectRan(run, ["onStateChange"]);
    const port = Number(run.fact("port"));
    // 127.0.0.1 and the port in network order, read as little-endian integers.
    const dport = ((port & 0xff) << 8) | (port >> 8);
    const ours = recordLines(
      run.stdout,
      "events",
      `.pid = ${run.fact("pid")}, `,
      `.dport = ${dport}, `,
    );
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toContain(`.daddr = ${0x0100007f}, .saddr = ${0x0100007f}, `);
    expect(ours[0]).toContain(".family = 2 }");
  });

  it("tcpconnect reports a connect to a listening port on 127.0.0.1, with the pid", async () => {
    const js =
      "const net = require('net'), fs = require('fs'), b = process.env.B;" +
      "const s = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {" +
      "fs.writeFileSync(b + '.port', String(s.address().port));" +
      "fs.writeFileSync(b + '.pid', String(process.pid));" +
      "const c = net.connect(s.address().port, '127.0.0.1', () => { c.end(); s.close(); }); });";
    const run = await runInGuestTool(guest, "tcpconnect", `B=$B node -e "${js}"`);
    expectRan(run, ["onStateChange"]);
    // 127.0.0.1 in network order, read as a little-endian u32: 0x0100007f.
    const ours = recordLines(
      run.stdout,
      "events",
      `.pid = ${run.fact("pid")}, `,
      `.daddr = ${0x0100007f}, `,
      `.dport = ${run.fact("port")}, `,
    );
    expect(ours, run.log).toHaveLength(1);
    expect(ours[0]).toContain(`.saddr = ${0x0100007f}, `);
  });

  it("runqlat fills its log2 histogram from wakeups a child causes", async () => {
    const run = await runInGuestTool(
      guest,
      "runqlat",
      `perl -e 'select(undef, undef, undef, 0.005) for 1..100'`,
    );
    expectRan(run, ["onWakeup", "onSwitch"]);
    const rows = histogramRows(run.stdout, "histogram");
    expect(sum(rows), run.log).toBeGreaterThanOrEqual(100n);
  });

  it("biolatency histograms the completions of direct-I/O writes to the guest's disk", async () => {
    const writes = 64;
    const run = await runInGuestTool(
      guest,
      "biolatency",
      `dd if=/dev/zero of=/dev/vda bs=4k count=${writes} oflag=direct 2> /dev/null`,
    );
    expectRan(run, ["onIssue", "onComplete"]);
    expect(sum(histogramRows(run.stdout, "hist")), run.log).toBeGreaterThanOrEqual(BigInt(writes));
  });

  it("profile counts samples of a CPU-burning child under its pid", async () => {
    const run = await runInGuestTool(
      guest,
      "profile",
      `perl -e '$e = time + 3; 1 while time < $e' & echo $! > $B.pid; wait`,
    );
    expectRan(run, ["onSample"]);
    const pid = run.fact("pid");
    const ours = [...countLines(run.stdout, "counts")].filter(([k]) => k.startsWith(`${pid}, `));
    // Keys are pid, kernel stack, user stack, comm: the child is "sh" until it execs perl.
    const perl = ours.filter(([k]) => k.endsWith(", perl"));
    expect(
      perl.reduce((a, [, n]) => a + n, 0n),
      run.log,
    ).toBeGreaterThanOrEqual(20n);
  });

  it("vfsread-latency attaches fentry/fexit and histograms a child's reads", async () => {
    const reads = 2000;
    const run = await runInGuestTool(
      guest,
      "vfsread-latency",
      `dd if=/dev/zero of=/dev/null bs=1 count=${reads} 2> /dev/null`,
    );
    expectRan(run, ["onReadEntry", "onReadExit"]);
    expect(run.stderr).toContain("attached onReadEntry (fentry/vfs_read)");
    expect(sum(histogramRows(run.stdout, "hist")), run.log).toBeGreaterThanOrEqual(BigInt(reads));
  });

  it("readline reports a line typed into an interactive bash", async () => {
    const tag = `tsbpf_readline_${Math.floor(Math.random() * 1e9)}`;
    const run = await runInGuestTool(
      guest,
      "readline",
      `printf 'echo ${tag}\\nexit\\n' | PS1='$ ' script -qc 'bash --norc -i' /dev/null > $B.bash`,
    );
    expectRan(run, ["onReadline"]);
    expect(run.fact("bash")).toContain(tag);
    const ours = recordLines(run.stdout, "events", `.comm = bash, .line = echo ${tag} }`);
    expect(ours, run.log).toHaveLength(1);
  });
});
