/**
 * `tsbpf/ts-plugin`: a TypeScript language-service plugin, so VS Code and every tsserver-based editor
 * show tsbpf's own diagnostics while the user types, next to TypeScript's:
 *
 * ```json
 * { "compilerOptions": { "plugins": [{ "name": "tsbpf/ts-plugin" }] } }
 * ```
 *
 * - Diagnostics: for each file that imports "tsbpf", the editor's current text goes through the
 *   compiler (front end, then the back end when the front end accepts it) and every TSB diagnostic
 *   (unsupported constructs, width and sign errors, back-end limits) is added to the semantic
 *   diagnostics with its code (`tsbpf(2101)` in VS Code: source `tsbpf`, numeric part of TSB2101),
 *   span, severity, notes and suggested fix. TypeScript's own errors are left to TypeScript: the
 *   compiler stops at them, so there are no follow-on TSB errors.
 * - Hover and completion details: a stdlib function whose TSDoc names a kernel helper
 *   (`(bpf_get_current_pid_tgid)`) gets that helper's id and C signature from the generated kernel
 *   table appended to the stdlib's documentation.
 *
 * Consumes the language service of the project tsserver hands over; produces a decorated one. The
 * compiler runs synchronously (tsserver asks synchronously) and its result is cached per file text.
 * tsserver loads plugins with require(): scripts/build-ts-plugin.ts bundles this module into
 * dist/ts-plugin/index.cjs, which ts-plugin/package.json names as the entry point.
 */
import { fileURLToPath } from "node:url";
import type tsModule from "typescript";
import type { Diagnostic } from "../compiler/diag/index.ts";
import { compileModule } from "../compiler/driver.ts";
import { compileToIr, nodeHost, type FrontEndHost } from "../compiler/frontend/index.ts";
import { helperRecord, helperSignature } from "../core/kernel/index.ts";

type Ts = typeof tsModule;

/** The `source` of every diagnostic the plugin adds. */
export const DIAGNOSTIC_SOURCE = "tsbpf";

/** True when `text` is a tsbpf program (imports the "tsbpf" module). */
export function isProbeSource(text: string): boolean {
  return /\bfrom\s*["']tsbpf["']/.test(text);
}

/** Every tsbpf diagnostic (front end and back end) of `text`, TypeScript's own (TSnnnn) left out. */
export function tsbpfDiagnostics(text: string, fileName: string, host: FrontEndHost): Diagnostic[] {
  const fe = compileToIr(text, fileName, { host });
  const all = [...fe.diagnostics];
  if (fe.module && !all.some((d) => d.severity === "error")) {
    all.push(...compileModule(fe.module, new Map([[fileName, text]])).diagnostics);
  }
  return all.filter((d) => d.code.startsWith("TSB"));
}

/** A compiler diagnostic as a TypeScript one, positioned in `sf`. */
function toTsDiagnostic(ts: Ts, d: Diagnostic, sf: tsModule.SourceFile): tsModule.Diagnostic {
  const lines = sf.getLineStarts();
  const line = Math.min(Math.max(d.line - 1, 0), lines.length - 1);
  const start = Math.min(sf.getPositionOfLineAndCharacter(line, 0) + d.col - 1, sf.text.length);
  const extra = [
    ...d.notes.map((n) => `note: ${n.line !== undefined ? `line ${n.line}: ` : ""}${n.message}`),
    ...(d.fix !== undefined ? [`fix: ${d.fix}`] : []),
  ];
  return {
    file: sf,
    start,
    length: Math.max(0, Math.min(d.length, sf.text.length - start)),
    messageText: [`${d.code}: ${d.message}`, ...extra].join("\n"),
    category: d.severity === "error" ? ts.DiagnosticCategory.Error : ts.DiagnosticCategory.Warning,
    code: Number(d.code.slice(3)),
    source: DIAGNOSTIC_SOURCE,
  };
}

/** The kernel helpers a stdlib TSDoc text names (`bpf_get_current_pid_tgid`), as display lines. */
export function helperNotes(doc: string): string[] {
  const names = new Set([...doc.matchAll(/\bbpf_([a-z0-9_]+)\b/g)].map((m) => m[1]!));
  return [...names].flatMap((n) => {
    const h = helperRecord(n);
    return h ? [`BPF helper #${h.id}: \`${helperSignature(h)}\``] : [];
  });
}

/** Appends the helper notes to documentation parts that came from the stdlib. */
function withHelperNotes(
  parts: readonly tsModule.SymbolDisplayPart[] | undefined,
): tsModule.SymbolDisplayPart[] | undefined {
  if (parts === undefined) return undefined;
  const notes = helperNotes(parts.map((p) => p.text).join(""));
  if (notes.length === 0) return [...parts];
  return [...parts, { kind: "text", text: "\n\n" + notes.join("\n") }];
}

/** The plugin factory tsserver calls with its own `typescript` module. */
function init(modules: { typescript: Ts }): tsModule.server.PluginModule {
  const ts = modules.typescript;
  // This file and its bundle (ts-plugin/index.cjs) both sit one folder below the package root.
  const stdlibDir = fileURLToPath(new URL("../stdlib/", import.meta.url));
  const host = nodeHost(stdlibDir);
  const realStdlib = ts.sys.realpath?.(stdlibDir) ?? stdlibDir;
  /** True when `fileName` is one of tsbpf's stdlib declaration files. */
  const isStdlibFile = (fileName: string): boolean =>
    [stdlibDir, realStdlib].some((d) => fileName.startsWith(d.replace(/\/?$/, "/"))) ||
    /[\\/]tsbpf[\\/]stdlib[\\/][^\\/]+\.d\.ts$/.test(fileName);
  const cache = new Map<string, { text: string; diags: Diagnostic[] }>();

  function create(info: tsModule.server.PluginCreateInfo): tsModule.LanguageService {
    const ls = info.languageService;
    const log = (m: string): void => info.project.projectService.logger.info(`[tsbpf] ${m}`);
    log("ts-plugin loaded");
    const proxy = Object.create(null) as tsModule.LanguageService;
    for (const k of Object.keys(ls) as (keyof tsModule.LanguageService)[]) {
      const f = ls[k] as unknown;
      (proxy as unknown as Record<string, unknown>)[k] =
        typeof f === "function" ? (...a: unknown[]) => (f as Function).apply(ls, a) : f;
    }

    proxy.getSemanticDiagnostics = (fileName) => {
      const prior = ls.getSemanticDiagnostics(fileName);
      const sf = ls.getProgram()?.getSourceFile(fileName);
      if (!sf || !isProbeSource(sf.text)) return prior;
      let hit = cache.get(fileName);
      if (hit?.text !== sf.text) {
        try {
          hit = { text: sf.text, diags: tsbpfDiagnostics(sf.text, fileName, host) };
        } catch (e) {
          log(`compiler failed on ${fileName}: ${e instanceof Error ? e.stack : String(e)}`);
          return prior;
        }
        cache.set(fileName, hit);
      }
      return [...prior, ...hit.diags.map((d) => toTsDiagnostic(ts, d, sf))];
    };

    proxy.getQuickInfoAtPosition = (fileName, position, ...rest) => {
      const q = ls.getQuickInfoAtPosition(fileName, position, ...rest);
      if (!q?.documentation) return q;
      const defs = ls.getDefinitionAtPosition(fileName, position) ?? [];
      if (!defs.some((d) => isStdlibFile(d.fileName))) return q;
      return { ...q, documentation: withHelperNotes(q.documentation) };
    };

    proxy.getCompletionEntryDetails = (fileName, position, name, ...rest) => {
      const d = ls.getCompletionEntryDetails(fileName, position, name, ...rest);
      if (!d?.documentation) return d;
      const symbol = ls.getCompletionEntrySymbol(fileName, position, name, rest[1]);
      const decl = symbol?.declarations?.[0]?.getSourceFile().fileName;
      return decl !== undefined && isStdlibFile(decl)
        ? { ...d, documentation: withHelperNotes(d.documentation) }
        : d;
    };
    return proxy;
  }

  return { create };
}

export default init;
