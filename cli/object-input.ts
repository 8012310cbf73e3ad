/**
 * The object a command works on: a TypeScript probe compiled with `tsbpf build`'s defaults, or the
 * bytes of a BPF ELF object file. Shared by `tsbpf run` and `tsbpf package`, so both see exactly
 * the object `tsbpf build` writes for the same source.
 *
 * Diagnostics go to stderr with code frames; an unreadable input or a failed compile is an error
 * made by the caller's `fail` (each command has its own one-line error class).
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";

/** Reads `path`, or throws `fail(message)` naming the errno. */
export function readInputBytes(
  path: string,
  what: string,
  fail: (message: string) => Error,
): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fail(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The object bytes: compiled from TypeScript (`.ts`), or read as an ELF object. */
export async function objectBytes(
  input: string,
  fail: (message: string) => Error,
): Promise<Uint8Array> {
  if (extname(input) !== ".ts") return readInputBytes(input, "object file", fail);
  let source: string;
  try {
    source = readFileSync(input, "utf8");
  } catch (e) {
    throw fail(`cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const { compileSource } = await import("../compiler/driver.ts");
  const { formatDiagnostics, hasErrors } = await import("../compiler/diag/index.ts");
  const out = await compileSource(source, input, { emit: "obj" });
  if (out.diagnostics.length > 0) {
    process.stderr.write(formatDiagnostics(out.diagnostics, new Map([[input, source]])) + "\n");
  }
  if (hasErrors(out.diagnostics) || !out.object) throw fail(`${input} did not compile`);
  return out.object;
}
