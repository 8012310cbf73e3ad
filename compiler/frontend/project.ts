/**
 * The front end's TypeScript project: an in-memory ts-morph Project holding the user's file, tsbpf's
 * minimal global lib (stdlib/lib.d.ts, with `noLib`) and the `tsbpf` module (stdlib/index.d.ts,
 * mounted as /node_modules/tsbpf so `import ... from "tsbpf"` resolves without any configuration).
 *
 * Consumes source text; produces the ts-morph `SourceFile` and TypeScript's own diagnostics, mapped
 * to `Diagnostic` records with their `TSnnnn` codes. Only this folder imports ts-morph.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Project, ts } from "ts-morph";
import type { SourceFile } from "ts-morph";
import { typescriptDiagnostic } from "../diag/index.ts";
import type { Diagnostic } from "../diag/index.ts";

const STDLIB_DIR = fileURLToPath(new URL("../../stdlib/", import.meta.url));
let stdlibCache: { lib: string; index: string } | null = null;

/** The stdlib declaration texts (read once per process). */
function stdlibTexts(): { lib: string; index: string } {
  stdlibCache ??= {
    lib: readFileSync(STDLIB_DIR + "lib.d.ts", "utf8"),
    index: readFileSync(STDLIB_DIR + "index.d.ts", "utf8"),
  };
  return stdlibCache;
}

/** Forgets the stdlib texts read so far, so the next compilation rereads them (`build --watch`). */
export function reloadStdlib(): void {
  stdlibCache = null;
}

/** In-memory path of the user's program. */
export const USER_ROOT = "/src/";

/** The loaded program: the user's source file inside its project. */
export interface LoadedProgram {
  readonly project: Project;
  readonly sourceFile: SourceFile;
  /** The name diagnostics report (the caller's file name). */
  readonly fileName: string;
}

/** Creates the in-memory project and adds `source` as the user's file. */
export function loadProgram(source: string, fileName: string): LoadedProgram {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      noLib: true,
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      noEmit: true,
      types: [],
      allowUnreachableCode: true,
    },
  });
  const { lib, index } = stdlibTexts();
  project.createSourceFile("/lib/tsbpf-lib.d.ts", lib);
  project.createSourceFile("/node_modules/tsbpf/index.d.ts", index);
  project.createSourceFile(
    "/node_modules/tsbpf/package.json",
    '{ "name": "tsbpf", "types": "index.d.ts" }',
  );
  const base = fileName.split(/[\\/]/).pop() || "program.ts";
  const sourceFile = project.createSourceFile(
    USER_ROOT + (base.endsWith(".ts") ? base : base + ".ts"),
    source,
  );
  return { project, sourceFile, fileName };
}

/** TypeScript's own syntactic and semantic diagnostics for the user's file. */
export function typescriptDiagnostics(p: LoadedProgram): Diagnostic[] {
  const program = p.project.getProgram().compilerObject;
  const sf = program.getSourceFile(p.sourceFile.getFilePath());
  const raw = [
    ...program.getSyntacticDiagnostics(sf),
    ...program.getSemanticDiagnostics(sf),
    ...program.getGlobalDiagnostics(),
  ];
  return raw.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    let line = 1;
    let col = 1;
    if (d.file && d.start !== undefined) {
      const pos = d.file.getLineAndCharacterOfPosition(d.start);
      line = pos.line + 1;
      col = pos.character + 1;
    }
    const severity = d.category === ts.DiagnosticCategory.Error ? "error" : "warning";
    return typescriptDiagnostic(
      d.code,
      message,
      { file: p.fileName, line, col, length: d.length ?? 1 },
      severity,
    );
  });
}
