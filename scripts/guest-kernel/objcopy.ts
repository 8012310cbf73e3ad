/**
 * One ELF section's bytes from a host (x86-64) ELF file, by llvm-objcopy (llvm-19, which
 * scripts/setup.sh installs). Our own ELF reader (core/elf) is for BPF objects and refuses kernel
 * images and modules (64-bit kernel addresses, non-BPF code sections).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const OBJCOPY = ["llvm-objcopy-19", "llvm-objcopy"];

/** The contents of section `name` of the ELF file `path`, or undefined when it has none. */
export function dumpSection(path: string, name: string): Uint8Array | undefined {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-objcopy-"));
  try {
    const out = join(dir, "section");
    let why = "";
    for (const cmd of OBJCOPY) {
      try {
        execFileSync(cmd, [`--dump-section=${name}=${out}`, path, join(dir, "rest")], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        return existsSync(out) ? new Uint8Array(readFileSync(out)) : undefined;
      } catch (e) {
        const err = e as { code?: string; stderr?: Buffer };
        if (err.code === "ENOENT") continue; // this llvm-objcopy name is not installed
        why = String(err.stderr ?? e).trim();
        if (why.includes("not found")) return undefined; // no such section
        throw new Error(`llvm-objcopy ${path}: ${why}`);
      }
    }
    throw new Error(`cannot read ${name} of ${path}: llvm-objcopy is not installed (llvm-19)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
