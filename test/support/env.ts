/**
 * How tests decide whether they can use the live kernel or external tools (clang, llvm-objdump,
 * bpftool), and what they do when they cannot.
 *
 * On a laptop without root, such tests are skipped, and the run ends with one summary of the skips
 * grouped by reason (test/support/skip-summary.ts). Under CI (`TSBPF_REQUIRE_KERNEL=1`, set by `.ci/run`) a missing capability is a failure:
 * CI runs as root on a BPF-capable kernel, so anything missing there is a real problem.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { capability, hasKernelBpf, skipsAreFailures } from "../../testing/probe-skip.ts";

// The skip rule lives with tsbpf/test (testing/probe-skip.ts), which users' probe tests share.
export { capability, hasKernelBpf };

/** True when missing capabilities must fail instead of skip (CI). */
export const isRequired = skipsAreFailures();

/** True when this kernel's BTF (/sys/kernel/btf/vmlinux) is readable; `why` names the use. */
export function hasVmlinuxBtf(why: string): boolean {
  let readable = true;
  try {
    readFileSync("/sys/kernel/btf/vmlinux", { flag: "r" });
  } catch {
    readable = false;
  }
  return capability("kernel BTF", readable, why);
}

/** True if `cmd` runs (exit 0) with the given arguments. */
export function hasCommand(cmd: string, args: string[] = ["--version"]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const clangNames = ["clang-19", "clang"];
/** The clang able to target BPF with -mcpu=v4 (clang 18+ preferred), or undefined. */
export function findClang(): string | undefined {
  return clangNames.find((c) => hasCommand(c));
}
