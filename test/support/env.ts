/**
 * How tests decide whether they can use the live kernel or external tools (clang, llvm-objdump,
 * bpftool), and what they do when they cannot.
 *
 * On a laptop without root, such tests are skipped, and the run ends with one summary of the skips
 * grouped by reason (test/support/skip-summary.ts). Under CI (`TSBPF_REQUIRE_KERNEL=1`, set by `.ci/run`) a missing capability is a failure:
 * CI runs as root on a BPF-capable kernel, so anything missing there is a real problem.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";

/** True when missing capabilities must fail instead of skip (CI). */
export const isRequired = process.env.TSBPF_REQUIRE_KERNEL === "1";

/** True if `cmd` runs (exit 0) with the given arguments. */
export function hasCommand(cmd: string, args: string[] = ["--version"]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** True when running as root on a kernel with BTF (the bpf() syscall is then expected to work). */
export function hasKernelBpf(): boolean {
  return process.getuid?.() === 0 && existsSync("/sys/kernel/btf/vmlinux");
}

const clangNames = ["clang-19", "clang"];
/** The clang able to target BPF with -mcpu=v4 (clang 18+ preferred), or undefined. */
export function findClang(): string | undefined {
  return clangNames.find((c) => hasCommand(c));
}

/**
 * Decides whether a capability-dependent test runs. Returns true to run. When the capability is
 * missing: under CI throws (so the suite fails, naming what is missing); elsewhere returns false and
 * prints one line naming the skipped test, so a laptop run says clearly what it did not check.
 */
export function capability(name: string, available: boolean, what: string): boolean {
  if (available) return true;
  const msg = `${what}: needs ${name}`;
  if (isRequired)
    throw new Error(`${msg}, which is missing (TSBPF_REQUIRE_KERNEL=1: skips are failures)`);
  const log = process.env.TSBPF_SKIP_LOG;
  // Under the suite's reporter (test/support/skip-summary.ts) the skip is summed up at the end of
  // the run; a test file run some other way prints its line at once.
  if (log)
    appendFileSync(log, JSON.stringify({ file: callerTestFile(), reason: `needs ${name}` }) + "\n");
  else process.stderr.write(`[tsbpf] SKIPPED ${msg}\n`);
  return false;
}

/** The `*.test.ts` file on the current call stack (the one asking for a capability). */
function callerTestFile(): string {
  const m = /(\/[^\s():]+\.test\.ts)/.exec(new Error().stack ?? "");
  return m ? m[1]! : "unknown test file";
}
