/**
 * Shared setup for live-kernel tests: decides whether they run (root + bpf(), via
 * `capability` from env.ts) and makes sure tracefs and bpffs are mounted, mounting them when absent
 * (CI containers often start without them).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { capability, findClang } from "./env.ts";

// kernelReady (root + bpf() + BTF, then tracefs and bpffs mounted) is tsbpf/test's rule too.
export { BPFFS, kernelReady, TRACEFS } from "../../testing/probe-skip.ts";

/** The clang able to compile BPF C fixtures, or undefined (after reporting via `capability`). */
export function clangForFixtures(what: string): string | undefined {
  const clang = findClang();
  return capability("clang (BPF target)", clang !== undefined, what) ? clang : undefined;
}

/**
 * Compiles one BPF C source (`name`.bpf.c in a temporary directory, so line info names that path)
 * with the fixtures' flags and returns the object's bytes and the source path; throws with clang's
 * output when it fails.
 */
export function compileCObject(
  clang: string,
  name: string,
  source: string,
): { bytes: Uint8Array; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `tsbpf-${name}-`));
  const path = join(dir, `${name}.bpf.c`);
  const out = join(dir, `${name}.bpf.o`);
  writeFileSync(path, source);
  const c = spawnSync(clang, [
    ...["-O2", "-g", "-target", "bpf", "-mcpu=v3", "-D__TARGET_ARCH_x86"],
    ...["-I/usr/include/x86_64-linux-gnu", "-c", path, "-o", out],
  ]);
  if (c.status !== 0) throw new Error(`clang failed on ${path}: ${c.stderr?.toString()}`);
  return {
    bytes: new Uint8Array(readFileSync(out)),
    path,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * "y" or "n" for a kernel config option, read from /proc/config.gz: a test's own evidence of what the
 * kernel is built with, apart from the loader's reading of it.
 */
export function kernelConfigOption(name: string): "y" | "n" {
  const text = gunzipSync(readFileSync("/proc/config.gz")).toString("utf8");
  return new RegExp(`^${name}=y$`, "m").test(text) ? "y" : "n";
}
