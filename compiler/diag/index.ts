/**
 * Public surface of diagnostics: the code catalogue, the `Diagnostic` record and the formatter.
 */
export { DIAGNOSTICS, formatMessage } from "./catalogue.ts";
export type { DiagnosticCode, DiagnosticTemplate } from "./catalogue.ts";
export { makeDiagnostic, typescriptDiagnostic, hasErrors, sortDiagnostics } from "./diagnostic.ts";
export type { Diagnostic, DiagnosticNote, SourceRange } from "./diagnostic.ts";
export { formatDiagnostic, formatDiagnostics, codeFrame } from "./format.ts";
export { editDistance, nearestNames } from "./nearest.ts";
