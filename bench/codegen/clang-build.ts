/**
 * Building the C twins (bench/c/<tool>.bpf.c) with clang, the reference compiler of the benchmark.
 *
 * Consumes a C source path; produces the ELF object's bytes (written next to a cache directory) or a
 * `ClangError` whose message says what is missing or what clang printed. Flags are fixed so results
 * are comparable run to run: `clang-19 -O2 -g -target bpf -mcpu=v3`, plus `-D__TARGET_ARCH_x86` (for
 * bpf_tracing.h's PT_REGS_* macros), the multiarch include dir (asm/ headers) and the cache directory
 * holding a `vmlinux.h` generated from the running kernel's BTF (never committed: it is megabytes).
 *
 * Side effects, all explicit: `ensureClang()` may `apt-get install clang-19` when running as root;
 * `ensureVmlinuxHeader()` writes `<cacheDir>/vmlinux.h` once per kernel release.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir, release } from "node:os";
import { basename, join } from "node:path";

/** The clang the benchmark uses, named as the task fixes it. */
export const CLANG = "clang-19";

/** A C twin could not be built (missing tool, missing header, or a compile error). */
export class ClangError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClangError";
  }
}

/** True if `cmd --version` runs. */
export function hasCommand(cmd: string): boolean {
  return spawnSync(cmd, ["--version"], { stdio: "ignore", timeout: 20_000 }).status === 0;
}

/**
 * Makes sure clang-19 is on PATH: if it is missing and we are root, installs it with apt-get (printing
 * apt's progress to stderr). Returns undefined when clang-19 is usable, else the reason it is not.
 */
export function ensureClang(log: (line: string) => void = () => {}): string | undefined {
  if (hasCommand(CLANG)) return undefined;
  if (process.getuid?.() !== 0)
    return `${CLANG} is not installed (and not root, so not installing it)`;
  log(`${CLANG} missing: installing it with apt-get`);
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", CLANG]]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) return `apt-get ${args.join(" ")} failed (exit ${r.status ?? r.signal})`;
  }
  return hasCommand(CLANG) ? undefined : `${CLANG} still missing after apt-get install`;
}

/** Per-user cache directory of the benchmark (vmlinux.h and built objects), one per kernel release. */
export function defaultCacheDir(): string {
  return join(tmpdir(), `tsbpf-bench-${process.getuid?.() ?? "u"}`, release());
}

/**
 * Makes sure `<cacheDir>/vmlinux.h` exists, dumping the running kernel's BTF as C with bpftool.
 * Written to a temporary name then renamed, so a concurrent or interrupted run never leaves half a
 * header. Throws `ClangError` when it cannot be made.
 */
export function ensureVmlinuxHeader(cacheDir: string): string {
  const header = join(cacheDir, "vmlinux.h");
  if (existsSync(header)) return header;
  const btf = "/sys/kernel/btf/vmlinux";
  if (!existsSync(btf))
    throw new ClangError(`cannot generate vmlinux.h: ${btf} missing (kernel without BTF)`);
  mkdirSync(cacheDir, { recursive: true });
  let text: string;
  try {
    text = execFileSync("bpftool", ["btf", "dump", "file", btf, "format", "c"], {
      encoding: "utf8",
      maxBuffer: 256 << 20,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    throw new ClangError(`cannot generate vmlinux.h with bpftool: ${firstLine(e)}`);
  }
  const partial = `${header}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, header);
  return header;
}

/** The full clang command line for `source` → `output`. */
export function clangArgs(source: string, output: string, cacheDir: string): string[] {
  return [
    "-O2",
    "-g",
    "-target",
    "bpf",
    "-mcpu=v3",
    "-D__TARGET_ARCH_x86",
    "-I/usr/include/x86_64-linux-gnu",
    `-I${cacheDir}`,
    "-c",
    source,
    "-o",
    output,
  ];
}

/** Where the object of `source` goes inside the cache directory. */
export function objectPathFor(source: string, cacheDir: string): string {
  return join(cacheDir, "objects", basename(source).replace(/\.c$/, ".o"));
}

/**
 * Compiles one C twin and returns the object path and bytes. Needs `ensureVmlinuxHeader(cacheDir)`
 * first if the source includes vmlinux.h. Throws `ClangError` with clang's first error lines.
 */
export function compileC(
  source: string,
  cacheDir: string,
): { readonly path: string; readonly bytes: Uint8Array } {
  const output = objectPathFor(source, cacheDir);
  mkdirSync(join(cacheDir, "objects"), { recursive: true });
  const r = spawnSync(CLANG, clangArgs(source, output, cacheDir), { encoding: "utf8" });
  if (r.error) throw new ClangError(`cannot run ${CLANG}: ${r.error.message}`);
  if (r.status !== 0) {
    const errors = r.stderr
      .split("\n")
      .filter((l) => l.includes("error"))
      .slice(0, 3);
    throw new ClangError(
      `${CLANG} failed on ${basename(source)}: ${errors.join(" | ") || r.stderr}`,
    );
  }
  return { path: output, bytes: new Uint8Array(readFileSync(output)) };
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string | Buffer; message?: string };
  const text = String(err.stderr ?? "").trim() || String(err.message ?? e);
  return text.split("\n")[0]!;
}
