/**
 * The compiler's table of contents: front end → verify → passes → per function (isel → regalloc →
 * frame → layout → encode) → object spec → ELF.
 *
 * Consumes TypeScript source (or an IR module, for tests and `.ir` input) and options; produces the
 * requested artefact (`ir`, `ir-opt`, `asm` or `obj` bytes) plus diagnostics. User mistakes come back
 * as diagnostics, never exceptions; an exception out of here is an internal compiler error.
 */
import { slotTotal } from "../core/isa/insn.ts";
import { writeBpfObject } from "../core/object/write.ts";
import type { BpfObjectSpec } from "../core/object/spec.ts";
import { hasErrors, makeDiagnostic, type Diagnostic } from "./diag/index.ts";
import { buildObjectSpec } from "./emit/object.ts";
import { printModule } from "./ir/print.ts";
import type { Module, Span } from "./ir/types.ts";
import { assertValid } from "./ir/verify.ts";
import { runPipeline } from "./passes/pipeline.ts";
import {
  compileFunction,
  printMFunc,
  type BackendDiagnostic,
  type EncodedFunc,
  type Mcpu,
} from "./target/bpf/index.ts";
import { formatEncoded } from "./target/bpf/print-asm.ts";
import { getDefaultHost, type FrontEndHost } from "./frontend/host.ts";
import { projectBtfInputs, type BtfUse, type ProjectConfig } from "./project-config.ts";

/** What the driver should produce. */
/** Back-end stages `dumpAfter` may name besides the IR passes of compiler/passes. */
export const BACKEND_STAGES: readonly string[] = ["isel", "regalloc"];

export type EmitKind = "ir" | "ir-opt" | "asm" | "obj";

/** Compiler options. */
export interface CompileOptions {
  /** -mcpu v1..v4 like clang; default 3. */
  readonly mcpu?: Mcpu;
  readonly emit?: EmitKind;
  /** Print the IR after this pass (into `dumps`). */
  readonly dumpAfter?: string;
  /** Run optimisation passes (default true). */
  readonly optimize?: boolean;
  /** Verify IR after every pass and check register allocation (tests; default false). */
  readonly check?: boolean;
  /** Kernel BTF for typed fentry/kprobe/tp_btf arguments (default /sys/kernel/btf/vmlinux). */
  readonly btf?: string | Uint8Array;
  /** Where the front end reads the stdlib and kernel BTF (default: the local file system). */
  readonly host?: FrontEndHost;
  /**
   * The project (tsbpf.json, compiler/project-config.ts): its pinned BTF replaces the default host
   * BTF and its hash is verified; the output then records which BTF was read (`btf`).
   */
  readonly project?: ProjectConfig;
}

/** Per-function numbers, for reports. */
export interface FunctionStats {
  readonly name: string;
  /** Instructions in 8-byte slots (an lddw counts twice, as the kernel and llvm-objdump count). */
  readonly insns: number;
  readonly frameSize: number;
  readonly spilled: number;
  readonly coalesced: number;
}

/** Everything a compilation produced. */
export interface CompileOutput {
  readonly diagnostics: readonly Diagnostic[];
  /**
   * IR text after lowering and after optimisation, for the text emits (`ir`: `ir` only; `ir-opt` and
   * `asm`: both); an object build prints no IR (the watch rebuilds objects, and nobody reads it).
   */
  readonly ir?: string;
  readonly irOpt?: string;
  /** Assembly listing (`asm`): one section per function, after register allocation and layout. */
  readonly asm?: string;
  /** The writer's input and the ELF bytes (`obj`). */
  readonly spec?: BpfObjectSpec;
  readonly object?: Uint8Array;
  readonly dumps: readonly string[];
  readonly stats: readonly FunctionStats[];
  /** With `project`: the kernel BTF the compilation read, if a program needed one. */
  readonly btf?: BtfUse;
}

/**
 * Compiles an IR module (already lowered) to the requested output. `verified`: the front end has
 * already run the IR verifier on `m` (compileSource), so it is not run again.
 */
export function compileModule(
  m: Module,
  sources: ReadonlyMap<string, string>,
  opts: CompileOptions = {},
  verified = false,
): CompileOutput {
  const mcpu = opts.mcpu ?? 3;
  const emit = opts.emit ?? "obj";
  if (!verified) assertValid(m, "IR from the front end");
  const text = emit !== "obj";
  const ir = text ? printModule(m) : undefined;
  if (emit === "ir") return { diagnostics: [], ir, dumps: [], stats: [] };
  const { module: opt, dumps } = runPipeline(m, {
    optimize: opts.optimize ?? true,
    verify: opts.check ?? false,
    // "isel" and "regalloc" name back-end stages, dumped below; the rest name IR passes.
    ...(opts.dumpAfter !== undefined && !BACKEND_STAGES.includes(opts.dumpAfter)
      ? { dumpAfter: opts.dumpAfter }
      : {}),
  });
  const irOpt = text ? printModule(opt) : undefined;
  if (emit === "ir-opt") return { diagnostics: [], ir, irOpt, dumps, stats: [] };
  const diagnostics: Diagnostic[] = [];
  const encoded: EncodedFunc[] = [];
  const stats: FunctionStats[] = [];
  const asm: string[] = [];
  for (const f of opt.functions) {
    const r = compileFunction(f, opt, { mcpu, check: opts.check ?? false });
    diagnostics.push(...r.diagnostics.map((d) => toDiagnostic(d, f.span)));
    if (!r.encoded) continue;
    encoded.push(r.encoded);
    stats.push({
      name: f.name,
      insns: slotTotal(r.encoded.insns),
      frameSize: r.encoded.frameSize,
      spilled: r.stats.spilled,
      coalesced: r.stats.coalesced,
    });
    if (emit === "asm") asm.push(formatEncoded(r.encoded));
    if (opts.dumpAfter === "isel" && r.selected) dumps.push(printMFunc(r.selected));
    if (opts.dumpAfter === "regalloc" && r.allocated) dumps.push(printMFunc(r.allocated));
  }
  if (hasErrors(diagnostics)) return { diagnostics, ir, irOpt, dumps, stats };
  if (emit === "asm") return { diagnostics, ir, irOpt, asm: asm.join("\n"), dumps, stats };
  const spec = buildObjectSpec(opt, encoded, sources);
  const object = writeBpfObject(spec);
  return { diagnostics, spec, object, dumps, stats };
}

/** The front end's entry point (compiler/frontend): TypeScript source → IR module + diagnostics. */
export type FrontEnd = (
  source: string,
  fileName: string,
  options?: { readonly btf?: string | Uint8Array; readonly host?: FrontEndHost },
) => { readonly module?: Module; readonly diagnostics: readonly Diagnostic[] };

/** Loads the front end (compiler/frontend/index.ts, `compileToIr`). */
export async function loadFrontEnd(): Promise<FrontEnd> {
  // A literal specifier, so the bin/tsbpf.js bundle keeps the front end (and ts-morph) in a lazy chunk.
  const mod = (await import("./frontend/index.ts")) as { compileToIr?: FrontEnd };
  if (typeof mod.compileToIr !== "function") {
    throw new Error("internal: compiler/frontend does not export compileToIr");
  }
  return mod.compileToIr;
}

/**
 * Compiles TypeScript source: front end, then `compileModule`. Front-end errors stop the build and
 * come back as diagnostics.
 */
export async function compileSource(
  source: string,
  fileName: string,
  opts: CompileOptions = {},
): Promise<CompileOutput> {
  const frontEnd = await loadFrontEnd();
  const project = opts.project
    ? projectBtfInputs(opts.project, opts.btf, opts.host ?? getDefaultHost())
    : undefined;
  const btf = project?.btf ?? opts.btf;
  const host = project?.host ?? opts.host;
  const fe = frontEnd(source, fileName, {
    ...(btf !== undefined ? { btf } : {}),
    ...(host !== undefined ? { host } : {}),
  });
  const used = project?.used();
  const btfUse = used ? { btf: used } : {};
  if (!fe.module || hasErrors(fe.diagnostics)) {
    return { diagnostics: fe.diagnostics, dumps: [], stats: [], ...btfUse };
  }
  // The front end verified its module (compileToIr's default), reporting an invalid one as TSB0001.
  const out = compileModule(fe.module, new Map([[fileName, source]]), opts, true);
  return { ...out, diagnostics: [...fe.diagnostics, ...out.diagnostics], ...btfUse };
}

function toDiagnostic(d: BackendDiagnostic, fallback: Span): Diagnostic {
  const span = d.span ?? fallback;
  return makeDiagnostic(
    d.code,
    { file: span.file, line: span.line, col: span.col, length: 1 },
    d.args,
  );
}
