/**
 * The kernel verifier's work per program: loads an object on the live kernel with
 * `bpftool -d prog loadall` and reads "processed N insns" from each program's verifier log.
 *
 * Consumes an object file path (clang's or tsbpf's; bpftool/libbpf does the map creation, CO-RE and
 * attach-target resolution, so both go through the same loader). Produces a `LoadReport`: per program
 * either the processed count or the reason it did not load. Pins go to a fresh directory under
 * /sys/fs/bpf that is always removed afterwards, which also unloads the programs.
 *
 * Log shape relied on (libbpf's debug output, which `bpftool -d` enables together with verifier log
 * level 1|2|4): `libbpf: prog 'NAME': -- BEGIN PROG LOAD LOG --`, the kernel's log ending with
 * `processed N insns (limit 1000000) ...` (kernel/bpf/verifier.c, Documentation/bpf/verifier.rst),
 * then `-- END PROG LOAD LOG --`; failures add `libbpf: prog 'NAME': BPF program load failed: MSG`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statfsSync } from "node:fs";
import { join } from "node:path";

/** What the verifier said about one program. */
export type ProgramVerdict =
  { readonly processed: number } | { readonly error: string; readonly processed?: number };

/** The outcome of loading one object. */
export interface LoadReport {
  /** True when every program of the object loaded. */
  readonly loaded: boolean;
  /** Why the object did not load (the first failure bpftool/libbpf reported), when it did not. */
  readonly error?: string;
  /** Per program name; programs libbpf never reached (after a failure) are absent. */
  readonly programs: ReadonlyMap<string, ProgramVerdict>;
}

const BPF_FS = "/sys/fs/bpf";
/** BPF_FS_MAGIC from include/uapi/linux/magic.h. */
const BPF_FS_MAGIC = 0xcafe4a11;
const BEGIN = /^libbpf: prog '([^']+)': -- BEGIN PROG LOAD LOG --/;
const END = /-- END PROG LOAD LOG --/;
const PROCESSED = /^processed (\d+) insns \(limit \d+\)/;
const LOAD_FAILED = /^libbpf: prog '([^']+)': BPF program load failed: (.*)$/;
/** libbpf lines naming a specific failure (map creation, relocation, ...), not a retry notice. */
const SPECIFIC_ERROR =
  /^libbpf: (?!.*Retrying)(?!failed to load object)(.*(?:failed|[Ee]rror|invalid).*)$/;
/** The generic last words of a failed load. */
const GENERIC_ERROR = /^(?:libbpf: )?(failed to load object.*|Error: .*)$/;

/**
 * Parses `bpftool -d prog loadall` output (stdout and stderr together) into per-program verdicts.
 * Pure; `exitOk` is whether bpftool exited 0.
 */
export function parseLoadallOutput(output: string, exitOk: boolean): LoadReport {
  const programs = new Map<string, ProgramVerdict>();
  const processed = new Map<string, number>();
  let inLog: string | undefined;
  let firstError: string | undefined;
  let genericError: string | undefined;
  for (const raw of output.split("\n")) {
    const line = raw.trimEnd();
    const begin = BEGIN.exec(line);
    if (begin) {
      inLog = begin[1]!;
      continue;
    }
    if (inLog !== undefined) {
      const m = PROCESSED.exec(line);
      if (m) processed.set(inLog, Number(m[1]));
      if (END.test(line)) inLog = undefined;
      continue;
    }
    const failed = LOAD_FAILED.exec(line);
    if (failed) {
      const error = `kernel refused to load '${failed[1]}': ${failed[2]}`;
      programs.set(failed[1]!, { error });
      firstError ??= error;
      continue;
    }
    if (exitOk) continue;
    const specific = SPECIFIC_ERROR.exec(line);
    if (specific) firstError ??= specific[1]!;
    else genericError ??= GENERIC_ERROR.exec(line)?.[1];
  }
  for (const [name, n] of processed) {
    const prev = programs.get(name);
    programs.set(
      name,
      prev && "error" in prev ? { error: prev.error, processed: n } : { processed: n },
    );
  }
  if (exitOk) return { loaded: true, programs };
  return {
    loaded: false,
    error: firstError ?? genericError ?? "bpftool prog loadall failed",
    programs,
  };
}

/** True when /sys/fs/bpf is a mounted bpffs. */
function isBpfFsMounted(): boolean {
  try {
    return statfsSync(BPF_FS).type === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Why kernel loading is impossible here (not root, no bpftool, no bpffs that can be mounted), or
 * undefined when `loadWithBpftool` can run. Mounts bpffs on /sys/fs/bpf if needed (root only).
 */
export function kernelLoadUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "loading on the kernel needs root";
  if (spawnSync("bpftool", ["version"], { stdio: "ignore" }).status !== 0)
    return "bpftool is not installed";
  if (!isBpfFsMounted()) {
    mkdirSync(BPF_FS, { recursive: true });
    spawnSync("mount", ["-t", "bpf", "bpf", BPF_FS], { stdio: "ignore" });
    if (!isBpfFsMounted()) return `no bpffs on ${BPF_FS} and mounting one failed`;
  }
  return undefined;
}

let pinCounter = 0;

/**
 * Loads every program of `objectPath` with `bpftool -d prog loadall`, collects the verifier's counts,
 * and removes the pins (unloading the programs) before returning. Call `kernelLoadUnavailable()` first.
 */
export function loadWithBpftool(objectPath: string): LoadReport {
  const pinDir = join(BPF_FS, `tsbpf-bench-${process.pid}-${pinCounter++}`);
  try {
    const r = spawnSync("bpftool", ["-d", "prog", "loadall", objectPath, pinDir], {
      encoding: "utf8",
      maxBuffer: 512 << 20,
      timeout: 120_000,
    });
    if (r.error)
      return { loaded: false, error: `bpftool: ${r.error.message}`, programs: new Map() };
    return parseLoadallOutput(`${r.stdout}\n${r.stderr}`, r.status === 0);
  } finally {
    if (existsSync(pinDir)) rmSync(pinDir, { recursive: true, force: true });
  }
}
