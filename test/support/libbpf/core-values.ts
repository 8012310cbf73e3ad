/**
 * libbpf's CO-RE results for an object, for comparison with ours: builds core-values.c (cc, -lbpf)
 * once per process into a temporary directory, runs it on the object with a target BTF file, and
 * parses libbpf's debug log — `prog 'P': relo #N: patched insn #I (...) imm A -> B` (or `off`,
 * `imm64`) and `substituting insn #I w/ invalid insn` (poisoned) — into one value per relocation,
 * keyed by program and relocation index (the record's index in its section).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One relocation as libbpf resolved it: the patched value, or null when it poisoned the insn. */
export interface LibbpfCoreValue {
  readonly prog: string;
  readonly relo: number;
  readonly insn: number;
  readonly value: bigint | null;
}

let binary: string | undefined;

/** The built helper's path (built on first use). */
export function coreValuesTool(): string {
  if (binary) return binary;
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-core-values-"));
  const out = join(dir, "core-values");
  execFileSync("cc", ["-O1", "-o", out, join(import.meta.dirname, "core-values.c"), "-lbpf"]);
  binary = out;
  return out;
}

/** Parses libbpf's debug log lines into relocation values. */
export function parseLibbpfLog(log: string): LibbpfCoreValue[] {
  const out: LibbpfCoreValue[] = [];
  const patched =
    /prog '([^']+)': relo #(\d+): patched insn #(\d+) \([^)]*\) (?:imm|off|imm64) (\d+) -> (\d+)/;
  const poisoned = /prog '([^']+)': relo #(\d+): substituting insn #(\d+) w\/ invalid insn/;
  for (const line of log.split("\n")) {
    const p = patched.exec(line);
    if (p) {
      out.push({ prog: p[1]!, relo: Number(p[2]), insn: Number(p[3]), value: BigInt(p[5]!) });
      continue;
    }
    const q = poisoned.exec(line);
    if (q) out.push({ prog: q[1]!, relo: Number(q[2]), insn: Number(q[3]), value: null });
  }
  return out;
}

/** libbpf's values for `objectPath` resolved against `btfPath` (root: libbpf probes the kernel). */
export function libbpfCoreValues(objectPath: string, btfPath: string): LibbpfCoreValue[] {
  const r = spawnSync(coreValuesTool(), [objectPath, btfPath], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`core-values failed: ${r.stderr || r.stdout}`);
  return parseLibbpfLog(r.stdout);
}
