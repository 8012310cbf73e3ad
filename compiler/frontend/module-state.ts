/**
 * State shared by the lowering of one source file: diagnostics, type resolution, and the module-level
 * declarations (maps, globals, functions, constants) that function bodies refer to.
 *
 * Consumes the ts-morph source file; accumulates diagnostics (never throws for user errors) and the
 * `MapDecl`/`GlobalDecl`/`Func` records that become the `Module`.
 */
import type { Node, SourceFile } from "ts-morph";
import { makeDiagnostic } from "../diag/index.ts";
import type { Diagnostic, DiagnosticCode, DiagnosticNote } from "../diag/index.ts";
import type { Func, GlobalDecl, MapDecl, Span, StructOpsDecl } from "../ir/index.ts";
import type { MapKind } from "./builtins.ts";
import type { KernelBtf } from "./kernel-btf.ts";
import { DEFAULT_KERNEL_BTF, loadKernelBtf } from "./kernel-btf.ts";
import { KernelTypes } from "./kernel-types.ts";
import type { FrontEndHost } from "./host.ts";
import type { IntType, TsbType } from "./types.ts";
import { SourceTypeTable, TypeResolver } from "./types.ts";

/** A map declared at top level. */
export interface MapInfo {
  readonly name: string;
  readonly kind: MapKind;
  readonly key: TsbType | null;
  readonly value: TsbType | null;
  /** A map of maps' inner maps (what its lookup yields); `name` describes them in messages. */
  readonly inner?: MapInfo;
}

/** A scalar type (register-held). */
export type ScalarType = IntType | { readonly kind: "bool" };

/**
 * What a user function's parameter takes: an integer/bool (a register), a map, the program context,
 * a `Ref<T>`, or a struct/array by reference (the caller's memory, as a JS object is shared).
 */
export type ParamKind =
  | { readonly k: "scalar"; readonly type: ScalarType }
  | {
      readonly k: "map";
      readonly cls: string;
      readonly key: TsbType | null;
      readonly value: TsbType | null;
    }
  | { readonly k: "ctx"; readonly typeName: string }
  | { readonly k: "ref"; readonly target: TsbType }
  | { readonly k: "place"; readonly type: TsbType };

/**
 * A top-level `function`. `mode`: "call" for a BPF-to-BPF subprogram (integer/bool parameters),
 * "inline" when a parameter is a map, context, `Ref<T>`, struct or array (the body is lowered at each
 * call site, like C's `static __always_inline` packet helpers), "invalid" when its signature was
 * refused (calls then stay quiet: the signature's diagnostic is the one error).
 */
export interface FuncInfo {
  readonly name: string;
  readonly mode: "call" | "inline" | "invalid";
  readonly params: readonly { name: string; kind: ParamKind }[];
  readonly returns: ScalarType | { kind: "void" };
  readonly node: Node;
}

/** What a top-level name means inside function bodies. */
export type TopBinding =
  | { readonly k: "map"; readonly map: MapInfo }
  | { readonly k: "global"; readonly name: string; readonly type: TsbType }
  | { readonly k: "const"; readonly type: ScalarType | null; readonly value: bigint }
  | { readonly k: "func"; readonly func: FuncInfo }
  /**
   * A top-level declaration refused with its own diagnostic: uses stay quiet (no "'x' is not
   * declared" or "unknown function" after the real error).
   */
  | { readonly k: "invalid" };

/** Module-wide lowering state. */
export class ModuleState {
  readonly diagnostics: Diagnostic[] = [];
  readonly resolver = new TypeResolver();
  readonly sourceTypes = new SourceTypeTable();
  readonly maps: MapDecl[] = [];
  readonly globals: GlobalDecl[] = [];
  readonly structOps: StructOpsDecl[] = [];
  readonly functions: Func[] = [];
  readonly top = new Map<string, TopBinding>();
  /** Call edges between top-level functions, for recursion detection. */
  readonly calls = new Map<string, Set<string>>();
  /** Callback subprograms made of named functions, by function, walked map and context type. */
  readonly callbackNames = new Map<string, string>();
  license = "";
  /** Every kernel helper call, for the GPL and program-type checks (helper-checks.ts). */
  readonly helperCalls: { readonly helper: string; readonly node: Node; readonly func: string }[] =
    [];
  /** Program name → its ELF section, for the program-type checks. */
  readonly programSections = new Map<string, string>();
  private formatCount = 0;
  private kernel: { btf: KernelBtf } | { error: string } | null = null;

  /**
   * `btfSource`: the kernel BTF typed program arguments are read from (a path, read through `host`,
   * or the bytes).
   */
  constructor(
    readonly sourceFile: SourceFile,
    readonly fileName: string,
    readonly host: FrontEndHost,
    readonly btfSource: string | Uint8Array = DEFAULT_KERNEL_BTF,
  ) {}

  /** The name of the BTF source, for messages. */
  get btfName(): string {
    return typeof this.btfSource === "string" ? this.btfSource : "the BTF given to the compiler";
  }

  /** The kernel BTF, loaded on first use (only programs with typed arguments need it). */
  kernelBtf(): { btf: KernelBtf } | { error: string } {
    if (this.kernel === null) {
      try {
        this.kernel = { btf: loadKernelBtf(this.btfSource, this.host) };
      } catch (err) {
        const code = (err as { code?: string }).code;
        this.kernel = {
          error:
            code === "ENOENT"
              ? "no such file"
              : err instanceof Error
                ? err.message.split("\n")[0]!
                : String(err),
        };
      }
    }
    return this.kernel;
  }

  private core: KernelTypes | null = null;

  /** Kernel struct types for CO-RE access, from the same BTF (loaded on first use). */
  kernelTypes(): KernelTypes | { error: string } {
    if (this.core) return this.core;
    const k = this.kernelBtf();
    if ("error" in k) return k;
    this.core = new KernelTypes(k.btf.btf, this.btfName);
    return this.core;
  }

  /** The local kernel types the module's CO-RE relocations refer to, when any was used. */
  get usedKernelTypes(): KernelTypes | null {
    return this.core && this.core.table.length > 1 ? this.core : null;
  }

  /** Line feeds of the source text, for `span` (with the text they were found in). */
  private lineFeeds: { text: string; at: number[] } | null = null;

  /**
   * The span of a node's start: the line and column ts-morph's `getLineAndColumnAtPos` gives (line =
   * 1 + line feeds before it, column = 1 + characters since the last CR or LF), found by a binary
   * search of the line feeds instead of a scan of the text from its start.
   */
  span(node: Node): Span {
    const text = this.sourceFile.getFullText();
    if (this.lineFeeds?.text !== text) {
      const at: number[] = [];
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) at.push(i);
      this.lineFeeds = { text, at };
    }
    const pos = node.getStart();
    const feeds = this.lineFeeds.at;
    let lo = 0;
    let hi = feeds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (feeds[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    let start = pos;
    while (start > 0 && text[start - 1] !== "\n" && text[start - 1] !== "\r") start--;
    return { file: this.fileName, line: lo + 1, col: pos - start + 1 };
  }

  /** Reports a catalogue diagnostic at `node`. */
  report(
    code: DiagnosticCode,
    node: Node,
    args: Record<string, string | number> = {},
    fix?: string,
  ): void {
    const s = this.span(node);
    const text = node.getText();
    const firstLine = text.split("\n")[0]!;
    this.diagnostics.push(
      makeDiagnostic(
        code,
        { ...s, length: firstLine.length },
        args,
        fix === undefined ? {} : { fix },
      ),
    );
  }

  /** Reports a catalogue diagnostic at an IR span (checks that run on lowered IR). */
  reportAt(
    code: DiagnosticCode,
    at: Span,
    length: number,
    args: Record<string, string | number>,
    notes: readonly DiagnosticNote[] = [],
  ): void {
    this.diagnostics.push(makeDiagnostic(code, { ...at, length }, args, { notes }));
  }

  /** Resolves a type node, reporting failures (TSB2004) at their node. */
  resolveType(node: Node): TsbType | null {
    const before = this.resolver.problems.length;
    const t = this.resolver.fromNode(node);
    this.flushTypeProblems(before);
    return t;
  }

  /** Resolves a declaration to a struct type, reporting failures. */
  resolveDeclaration(decl: Node, at: Node): TsbType | null {
    const before = this.resolver.problems.length;
    const t = this.resolver.fromDeclaration(decl, at);
    this.flushTypeProblems(before);
    return t;
  }

  private flushTypeProblems(from: number): void {
    for (const p of this.resolver.problems.slice(from)) {
      // Problems inside the stdlib are reported at the user's node instead.
      const inUser = p.node.getSourceFile() === this.sourceFile;
      const at = inUser ? p.node : this.sourceFile;
      this.report("TSB2004", at, {
        type: inUser ? p.node.getText() : "(stdlib type)",
        expected: p.message,
      });
    }
  }

  /** Adds a NUL-terminated constant string to .rodata and returns its global name. */
  addFormatString(text: string, node: Node): { name: string; size: number } {
    const bytes = new TextEncoder().encode(text + "\0");
    const name = `__fmt${this.formatCount++}`;
    this.globals.push({
      name,
      section: ".rodata",
      size: bytes.length,
      align: 1,
      init: bytes,
      type: null,
      isStatic: true,
      span: this.span(node),
    });
    return { name, size: bytes.length };
  }
}
