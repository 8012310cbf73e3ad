/**
 * Prints diagnostics for humans: `file:line:col: error TSBxxxx: message`, then a code frame with the
 * source line and a caret underline, then notes and the suggested fix.
 *
 * Consumes `Diagnostic` records and (optionally) the source text of each file; produces plain text
 * (no colours: callers may add them).
 */
import type { Diagnostic } from "./diagnostic.ts";

/** Formats one diagnostic. `source` is the text of `d.file` (omit it to print no code frame). */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const out = [`${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`];
  if (source !== undefined) out.push(...codeFrame(source, d.line, d.col, d.length));
  for (const n of d.notes) {
    const where =
      n.file !== undefined && n.line !== undefined ? `${n.file}:${n.line}:${n.col ?? 1}: ` : "";
    out.push(`  note: ${where}${n.message}`);
  }
  if (d.fix !== undefined) out.push(`  fix: ${d.fix}`);
  return out.join("\n");
}

/** Formats many diagnostics; `sources` maps file names to their text. */
export function formatDiagnostics(
  diags: readonly Diagnostic[],
  sources: ReadonlyMap<string, string> | Record<string, string> = {},
): string {
  const get = (f: string): string | undefined =>
    sources instanceof Map ? sources.get(f) : (sources as Record<string, string>)[f];
  return diags.map((d) => formatDiagnostic(d, get(d.file))).join("\n\n");
}

/** The source line with its number and a caret line under columns col..col+length-1. */
export function codeFrame(source: string, line: number, col: number, length: number): string[] {
  const lines = source.split("\n");
  const text = (lines[line - 1] ?? "").replace(/\r$/, "");
  if (line < 1 || line > lines.length) return [];
  const num = String(line);
  const gutter = " ".repeat(num.length);
  const start = Math.max(1, col);
  const width = Math.max(1, Math.min(length, Math.max(1, text.length - start + 1)));
  // Keep tabs in the padding so the caret lines up under tab-indented code.
  const pad = text.slice(0, start - 1).replace(/[^\t]/g, " ");
  return [`  ${num} | ${text}`, `  ${gutter} | ${pad}${"^".repeat(width)}`];
}
