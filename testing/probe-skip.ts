/**
 * Whether the live kernel can run a probe's tests, and what a test does when it cannot: without
 * root (or without BTF) a kernel-target test is skipped with one `[tsbpf] SKIPPED` line naming it;
 * with `TSBPF_REQUIRE_KERNEL=1` (CI, which runs as root on a BPF-capable kernel) the missing
 * capability is a failure instead.
 *
 * This is the one home of that rule: the repository's own test helpers (test/support/env.ts) call
 * `capability` from here. Under the repository's vitest reporter (test/support/skip-summary.ts),
 * which sets TSBPF_SKIP_LOG, skips are appended there as JSON lines `{file, reason}` and summed up
 * at the end of the run; otherwise each prints its line at once.
 *
 * When the kernel can be used, `kernelReady` also makes sure tracefs and bpffs are mounted, mounting
 * them when absent (CI containers often start without them).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";

/** True when missing capabilities must fail instead of skip (CI). */
export function skipsAreFailures(): boolean {
  return process.env.TSBPF_REQUIRE_KERNEL === "1";
}

/** True when running as root on a kernel with BTF (the bpf() syscall is then expected to work). */
export function hasKernelBpf(): boolean {
  return process.getuid?.() === 0 && existsSync("/sys/kernel/btf/vmlinux");
}

/**
 * Decides whether a capability-dependent test runs. Returns true to run. When the capability is
 * missing: under TSBPF_REQUIRE_KERNEL=1 throws (naming what is missing); elsewhere records or prints
 * one SKIPPED line naming the test and returns false.
 */
export function capability(name: string, available: boolean, what: string): boolean {
  if (available) return true;
  const msg = `${what}: needs ${name}`;
  if (skipsAreFailures())
    throw new Error(`${msg}, which is missing (TSBPF_REQUIRE_KERNEL=1: skips are failures)`);
  const log = process.env.TSBPF_SKIP_LOG;
  if (log)
    appendFileSync(log, JSON.stringify({ file: callerTestFile(), reason: `needs ${name}` }) + "\n");
  else process.stderr.write(`[tsbpf] SKIPPED ${msg}\n`);
  return false;
}

/** The test file (`*.test.ts`, `*.spec.js`, ...) on the current call stack. */
function callerTestFile(): string {
  const m = /(\/[^\s():]+\.(?:test|spec)\.[cm]?[jt]sx?)/.exec(new Error().stack ?? "");
  return m ? m[1]! : "unknown test file";
}

/** Where tracefs is (or gets) mounted. */
export const TRACEFS = "/sys/kernel/tracing";
/** Where bpffs is (or gets) mounted. */
export const BPFFS = "/sys/fs/bpf";

function isMounted(dir: string, fsType: string): boolean {
  try {
    return readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .some((l) => {
        const [, mnt, type] = l.split(" ");
        return mnt === dir && type === fsType;
      });
  } catch {
    return false;
  }
}

function ensureMounted(dir: string, fsType: string, source: string): void {
  if (isMounted(dir, fsType)) return;
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  // An empty directory is not a mount; anything else (e.g. debugfs' tracing) we leave alone.
  if (readdirSync(dir).length > 0 && fsType !== "tracefs") return;
  execFileSync("mount", ["-t", fsType, source, dir], { stdio: "ignore" });
}

/**
 * True when live-kernel tests can run (root, bpf(), BTF); then also ensures tracefs and bpffs.
 * Under TSBPF_REQUIRE_KERNEL=1 throws instead of returning false.
 */
export function kernelReady(what: string): boolean {
  if (!capability("root + bpf()", hasKernelBpf(), what)) return false;
  ensureMounted(TRACEFS, "tracefs", "nodev");
  ensureMounted(BPFFS, "bpf", "bpf");
  return true;
}
