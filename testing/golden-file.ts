/**
 * Golden files on disk, shared by the vitest matcher (matcher.ts) and `tsbpf golden` (cli): read a
 * golden (absent is not an error: the caller says how to create it), compare it with a built probe,
 * write it back in update mode.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import type { CompiledProbe } from "./compile-probe.ts";
import { compareGolden, GoldenFormatError, type GoldenComparison } from "./golden.ts";

/** A path as the user should type it: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** The golden's text, or undefined when there is no such file. Other read errors throw. */
export function readGoldenFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new GoldenFormatError(`cannot read golden ${displayPath(path)}: ${code ?? String(e)}`);
  }
}

/**
 * Compares `probe` with the golden at `path` (absolute). `update` is the command that writes it,
 * named in every failure; a missing file fails with that command.
 */
export function checkGolden(probe: CompiledProbe, path: string, update: string): GoldenComparison {
  const text = readGoldenFile(path);
  if (text === undefined) {
    return {
      pass: false,
      message: `no bytecode golden ${displayPath(path)} for ${probe.meta.source}; create it (then review and commit it): ${update}`,
    };
  }
  if (text.includes("\0"))
    return {
      pass: false,
      message: `${displayPath(path)} is binary, not a tsbpf bytecode golden; regenerate it: ${update}`,
    };
  return compareGolden(
    text,
    displayPath(path),
    { meta: probe.meta, listing: probe.listing },
    update,
  );
}

/** Writes the probe's golden to `path` when it differs; returns whether the file changed. */
export function updateGolden(probe: CompiledProbe, path: string): boolean {
  if (readGoldenFile(path) === probe.golden) return false;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, probe.golden);
  return true;
}
