/**
 * The front end's public API: TypeScript source → verified IR `Module` plus diagnostics.
 *
 * Pipeline: in-memory ts-morph project (project.ts) → TypeScript's own diagnostics (reported with
 * their TSnnnn codes, follow-ons of a tsbpf mistake replaced by its diagnostic in ts-followups.ts;
 * lowering stops if any is an error) → the subset checker (check-subset.ts) →
 * lowering (lower-module.ts) → the IR verifier. A thrown exception anywhere is turned into one
 * TSB0001 internal-compiler-error diagnostic, never a crash.
 */
import { makeDiagnostic, hasErrors, sortDiagnostics } from "../diag/index.ts";
import type { Diagnostic } from "../diag/index.ts";
import type { Module } from "../ir/index.ts";
import { InternalCompilerError, assertValid } from "../ir/index.ts";
import { checkSubset } from "./check-subset.ts";
import { lowerModule } from "./lower-module.ts";
import { ModuleState } from "./module-state.ts";
import { getDefaultHost, type FrontEndHost } from "./host.ts";
import { loadProgram, typescriptDiagnostics } from "./project.ts";
import { refineTypescriptDiagnostics } from "./ts-followups.ts";

/** Options of `compileToIr`. */
export interface CompileOptions {
  /** Run the IR verifier on the result (default true). */
  readonly verify?: boolean;
  /** Collects stage timings in milliseconds when given. */
  readonly timings?: Record<string, number>;
  /**
   * Kernel BTF for typed fentry/fexit/kprobe/tp_btf arguments: a file path or the bytes (default
   * /sys/kernel/btf/vmlinux, read only when a program declares arguments).
   */
  readonly btf?: string | Uint8Array;
  /** Where the stdlib and kernel BTF files come from (default: the local file system, `nodeHost`). */
  readonly host?: FrontEndHost;
}

/** The front end's result: a module when there were no errors, and every diagnostic. */
export interface CompileResult {
  readonly module?: Module;
  readonly diagnostics: Diagnostic[];
}

/** Compiles one tsbpf source file to IR. */
export function compileToIr(
  source: string,
  fileName: string,
  options: CompileOptions = {},
): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const time = (stage: string, t0: number): void => {
    if (options.timings) options.timings[stage] = performance.now() - t0;
  };
  try {
    let t0 = performance.now();
    const host = options.host ?? getDefaultHost();
    const program = loadProgram(source, fileName, host);
    const tsDiags = refineTypescriptDiagnostics(program, typescriptDiagnostics(program));
    time("typescript", t0);
    diagnostics.push(...tsDiags);
    if (hasErrors(tsDiags)) return { diagnostics: sortDiagnostics(diagnostics) };
    t0 = performance.now();
    const state = new ModuleState(program.sourceFile, fileName, host, options.btf);
    checkSubset(state);
    time("check", t0);
    if (hasErrors(state.diagnostics))
      return { diagnostics: sortDiagnostics([...diagnostics, ...state.diagnostics]) };
    t0 = performance.now();
    const module = lowerModule(state);
    time("lower", t0);
    diagnostics.push(...state.diagnostics);
    if (hasErrors(diagnostics)) return { diagnostics: sortDiagnostics(diagnostics) };
    if (options.verify !== false) assertValid(module, "lowering");
    return { module, diagnostics: sortDiagnostics(diagnostics) };
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    const notes =
      err instanceof InternalCompilerError
        ? [...err.problems.map((message) => ({ message })), { message: `IR:\n${err.irDump}` }]
        : err instanceof Error && err.stack
          ? [{ message: err.stack }]
          : [];
    diagnostics.push(
      makeDiagnostic(
        "TSB0001",
        { file: fileName, line: 1, col: 1, length: 1 },
        { detail },
        { notes },
      ),
    );
    return { diagnostics: sortDiagnostics(diagnostics) };
  }
}

export { parseIntegerLiteral } from "./lower-expr.ts";
export { memoryHost, nodeHost, type FrontEndHost } from "./host.ts";
