/**
 * Shared setup for live-kernel tests: decides whether they run (root + bpf(), via
 * `capability` from env.ts) and makes sure tracefs and bpffs are mounted, mounting them when absent
 * (CI containers often start without them).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { capability, findClang, hasKernelBpf } from "./env.ts";

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
 * Under CI (TSBPF_REQUIRE_KERNEL=1) throws instead of returning false.
 */
export function kernelReady(what: string): boolean {
  if (!capability("root + bpf()", hasKernelBpf(), what)) return false;
  ensureMounted(TRACEFS, "tracefs", "nodev");
  ensureMounted(BPFFS, "bpf", "bpf");
  return true;
}

/** The clang able to compile BPF C fixtures, or undefined (after reporting via `capability`). */
export function clangForFixtures(what: string): string | undefined {
  const clang = findClang();
  return capability("clang (BPF target)", clang !== undefined, what) ? clang : undefined;
}
