/**
 * Loading an object with libbpf as bpftool does (`bpftool prog loadall`), for the tests that make
 * libbpf and the kernel verifier the judge of an object tsbpf wrote.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Loads an object with bpftool into a fresh pin directory; returns bpftool's error text or "". */
export function bpftoolLoad(obj: Uint8Array, tag: string): string {
  if (
    !existsSync("/sys/fs/bpf/") ||
    !readFileSync("/proc/mounts", "utf8").includes(" /sys/fs/bpf bpf ")
  ) {
    execFileSync("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"]);
  }
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-load-"));
  const file = join(dir, `${tag}.o`);
  writeFileSync(file, obj);
  const pin = `/sys/fs/bpf/tsbpf-test-${tag}-${process.pid}`;
  try {
    execFileSync("bpftool", ["prog", "loadall", file, pin], { stdio: "pipe" });
    return "";
  } catch (e) {
    const err = e as { stderr?: Buffer };
    return err.stderr?.toString() ?? String(e);
  } finally {
    rmSync(pin, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
