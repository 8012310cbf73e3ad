/**
 * The front end's TypeScript project: ONE in-memory ts-morph Project per process, holding tsbpf's
 * minimal global lib (stdlib/lib.d.ts, with `noLib`), the `tsbpf` module (stdlib/index.d.ts and the
 * files it re-exports, such as net.d.ts, mounted as /node_modules/tsbpf so `import ... from "tsbpf"`
 * resolves without any configuration) and the user's file.
 *
 * Consumes source text; produces the ts-morph `SourceFile` and TypeScript's own diagnostics, mapped
 * to `Diagnostic` records with their `TSnnnn` codes. Only this folder imports ts-morph.
 *
 * Why one project: creating a Project, parsing and binding the stdlib and building a program from
 * nothing costs most of a small compile. Keeping the project alive and only overwriting the user's
 * file lets TypeScript's language service reuse the old program's structure: the stdlib and lib
 * source files (parsed and bound once) are taken as they are, and only the user's file is parsed,
 * bound and checked again (`build --watch`, tests and benchmarks compiling in-process).
 *
 * Invariants: a `LoadedProgram` (and every ts-morph node reached from it) is valid only until the
 * next `loadProgram` call, which overwrites the user's file; compilations are synchronous, so no
 * caller holds nodes across calls. `reloadStdlib` drops the project so the next call rereads the
 * stdlib texts.
 */
import { Project, ts } from "ts-morph";
import type { SourceFile } from "ts-morph";
import { typescriptDiagnostic } from "../diag/index.ts";
import type { Diagnostic } from "../diag/index.ts";
import type { FrontEndHost } from "./host.ts";

/** In-memory path of the user's program. */
export const USER_ROOT = "/src/";

/** The process-wide project and the user's file currently in it. */
interface Session {
  readonly host: FrontEndHost;
  /** The stdlib texts the project was made from (`dropStaleStdlib` compares them). */
  readonly stdlib: ReadonlyMap<string, string>;
  readonly project: Project;
  user: SourceFile | undefined;
}
let session: Session | null = null;

/** Creates the project with the host's stdlib files (read now). */
function createSession(host: FrontEndHost): Session {
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
  const stdlib = new Map(host.stdlibFiles());
  for (const [name, text] of stdlib) {
    if (!name.endsWith(".d.ts")) continue;
    const path = name === "lib.d.ts" ? "/lib/tsbpf-lib.d.ts" : "/node_modules/tsbpf/" + name;
    project.createSourceFile(path, text);
  }
  project.createSourceFile(
    "/node_modules/tsbpf/package.json",
    '{ "name": "tsbpf", "types": "index.d.ts" }',
  );
  return { host, stdlib, project, user: undefined };
}

/**
 * Forgets the project (and the stdlib texts it holds), so the next compilation rereads stdlib/*.d.ts
 * (`build --watch` calls this when the stdlib changes).
 */
export function reloadStdlib(): void {
  session = null;
}

/**
 * Forgets the project when the host's stdlib texts now differ from those it was made from (a process
 * started from a startup snapshot, bin/tsbpf-snapshot.cjs, holding a project parsed earlier).
 */
export function dropStaleStdlib(): void {
  if (session === null) return;
  const now = session.host.stdlibFiles();
  const old = session.stdlib;
  if (now.size !== old.size || [...now].some(([name, text]) => old.get(name) !== text)) {
    session = null;
  }
}

/**
 * Drops ts-morph's wrappers of the user's file's nodes (the front end wraps every node it visits),
 * which the next `loadProgram` would otherwise drop before parsing the new text, one by one: the
 * watch calls this once a build is reported, so that work is done while it waits for the next edit.
 * Invalidates the current `LoadedProgram`'s nodes, as the next `loadProgram` would.
 */
export function releaseUserNodes(): void {
  const user = session?.user;
  if (user && !user.wasForgotten()) user.forgetDescendants();
}

/** The loaded program: the user's source file inside its project. */
export interface LoadedProgram {
  readonly project: Project;
  readonly sourceFile: SourceFile;
  /** The name diagnostics report (the caller's file name). */
  readonly fileName: string;
}

/**
 * Puts `source` into the process's project as the user's file (replacing the previous user's file)
 * and returns it. The result is valid until the next call. A different `host` than the previous
 * call's starts a new project with that host's stdlib.
 */
export function loadProgram(source: string, fileName: string, host: FrontEndHost): LoadedProgram {
  if (session?.host !== host) session = createSession(host);
  const s = session;
  const base = fileName.split(/[\\/]/).pop() || "program.ts";
  const path = USER_ROOT + (base.endsWith(".ts") ? base : base + ".ts");
  if (s.user && !s.user.wasForgotten() && s.user.getFilePath() !== path) {
    s.project.removeSourceFile(s.user);
  }
  s.user = s.project.createSourceFile(path, source, { overwrite: true });
  return { project: s.project, sourceFile: s.user, fileName };
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
