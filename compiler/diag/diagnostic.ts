/**
 * The `Diagnostic` record every stage reports user-facing problems with, and constructors for it.
 *
 * Consumes catalogue codes (catalogue.ts) and source positions; produces plain records that the
 * formatter (format.ts) prints. Positions are 1-based line and column; `length` is in characters
 * (at least 1) on the first line.
 */
import { DIAGNOSTICS, formatMessage } from "./catalogue.ts";
import type { DiagnosticCode } from "./catalogue.ts";

/** A secondary location or remark attached to a diagnostic. */
export interface DiagnosticNote {
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly length?: number;
}

/** One reported problem. `code` is a catalogue code (`TSB1002`) or a TypeScript one (`TS2322`). */
export interface Diagnostic {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly length: number;
  readonly notes: readonly DiagnosticNote[];
  /** A suggested replacement for the primary span, shown as a hint. */
  readonly fix?: string;
}

/** Where a diagnostic points. */
export interface SourceRange {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly length: number;
}

/** Builds a catalogue diagnostic at `at`. */
export function makeDiagnostic(
  code: DiagnosticCode,
  at: SourceRange,
  args: Readonly<Record<string, string | number>> = {},
  extra: { notes?: readonly DiagnosticNote[]; fix?: string } = {},
): Diagnostic {
  return {
    code,
    severity: DIAGNOSTICS[code].severity,
    message: formatMessage(code, args),
    file: at.file,
    line: at.line,
    col: at.col,
    length: Math.max(1, at.length),
    notes: extra.notes ?? [],
    ...(extra.fix !== undefined ? { fix: extra.fix } : {}),
  };
}

/** Wraps one of TypeScript's own diagnostics, keeping its number as `TSnnnn`. */
export function typescriptDiagnostic(
  tsCode: number,
  message: string,
  at: SourceRange,
  severity: "error" | "warning" = "error",
): Diagnostic {
  return {
    code: `TS${tsCode}`,
    severity,
    message,
    ...at,
    length: Math.max(1, at.length),
    notes: [],
  };
}

/** True if any diagnostic is an error. */
export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Sorts by file, line, column (stable), the order users read them in. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) =>
    a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.line - b.line || a.col - b.col,
  );
}
