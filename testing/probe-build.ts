/**
 * Compiling a probe for its tests: the TypeScript file → ELF object bytes through the compiler API
 * (compiler/driver.ts), once per content. The cache lives in the test process and is keyed by the
 * SHA-256 of the file's path and text, so editing the probe between runs (vitest --watch) recompiles
 * it, and the dozens of `loadProbe` calls of one test file compile it once.
 *
 * Consumes a file path; produces the object bytes and the parsed `BpfObject`. A probe that does not
 * compile throws `ProbeCompileError`, whose message is the formatted diagnostics (file:line:col and a
 * code frame), never a stack trace of the compiler.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readBpfObject, type BpfObject } from "../core/object/index.ts";
import { formatDiagnostics, hasErrors } from "../compiler/diag/index.ts";
import { compileSource } from "../compiler/driver.ts";
// One error class for "the probe does not compile", shared with compileProbe (golden tests).
import { ProbeCompileError } from "./compile-probe.ts";

export { ProbeCompileError };

/** A compiled probe. */
export interface BuiltProbe {
  /** Absolute path of the probe file (the name its line info carries). */
  readonly file: string;
  /** SHA-256 of path and source (the cache key). */
  readonly hash: string;
  readonly source: string;
  readonly bytes: Uint8Array;
  readonly object: BpfObject;
}

const cache = new Map<string, Promise<BuiltProbe>>();

/** An absolute path from a path (relative to the working directory) or a file: URL. */
export function probePath(file: string | URL): string {
  return typeof file === "string" && !file.startsWith("file:")
    ? resolve(file)
    : fileURLToPath(file);
}

/** Compiles `file` (cached by content); throws `ProbeCompileError` on diagnostics. */
export function buildProbe(file: string | URL): Promise<BuiltProbe> {
  const path = probePath(file);
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (e) {
    return Promise.reject(
      new ProbeCompileError(`cannot read probe ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`),
    );
  }
  const hash = createHash("sha256").update(path).update("\0").update(source).digest("hex");
  let hit = cache.get(hash);
  if (!hit) {
    hit = (async () => {
      const out = await compileSource(source, path);
      if (hasErrors(out.diagnostics) || !out.object)
        throw new ProbeCompileError(formatDiagnostics(out.diagnostics, { [path]: source }));
      return { file: path, hash, source, bytes: out.object, object: readBpfObject(out.object) };
    })();
    // A failed build is not cached: the next call (after the fix) compiles again.
    hit.catch(() => cache.delete(hash));
    cache.set(hash, hit);
  }
  return hit;
}
