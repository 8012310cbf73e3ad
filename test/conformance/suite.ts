/**
 * Locates the shared bpf_conformance corpus (../shared/conformance relative to the repo root) and
 * lists its `.data` files. Fails loudly when the folder is missing: a silently empty suite would pass.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The corpus folder. */
export const CONFORMANCE_DIR = resolve(REPO_ROOT, "../shared/conformance");

/** Absolute paths of every `.data` file, sorted; throws if the folder is missing or empty. */
export function conformanceFiles(): string[] {
  if (!existsSync(CONFORMANCE_DIR)) {
    throw new Error(`conformance corpus not found at ${CONFORMANCE_DIR}`);
  }
  const files = readdirSync(CONFORMANCE_DIR)
    .filter((f) => f.endsWith(".data"))
    .sort()
    .map((f) => join(CONFORMANCE_DIR, f));
  if (files.length === 0) throw new Error(`no .data files in ${CONFORMANCE_DIR}`);
  return files;
}
