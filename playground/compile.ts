/**
 * What the playground shows for one source text: the compiler's diagnostics with code frames, the IR
 * before and after optimisation, the assembly listing, the object's disassembly with source lines,
 * and the ELF bytes. The same compiler as `tsbpf build` (compiler/driver.ts over the front end's
 * in-memory ts-morph project); only the host differs: the stdlib texts come bundled with the page.
 *
 * Consumes source text, a file name (it lands in BTF line info, so `examples/<name>.ts` gives the
 * bytes `tsbpf build examples/<name>.ts` writes) and a front-end host; produces plain text and bytes.
 * No DOM here, so Node tests can call it too.
 */
import { formatDiagnostics, hasErrors } from "../compiler/diag/index.ts";
import { compileSource } from "../compiler/driver.ts";
import type { FrontEndHost } from "../compiler/frontend/host.ts";
import { formatObject, readBpfObject } from "../core/object/index.ts";

/** Everything one compilation shows. */
export interface PageCompile {
  /** True when an object was produced. */
  readonly ok: boolean;
  /** Formatted diagnostics (code frames included); empty when there were none. */
  readonly diagnostics: string;
  readonly errorCount: number;
  readonly ir: string;
  readonly irOpt: string;
  readonly asm: string;
  readonly objdump: string;
  readonly object: Uint8Array | undefined;
  /** Program (function) names of the object, in order. */
  readonly programs: readonly string[];
  /** Wall time of the compilation in milliseconds. */
  readonly ms: number;
}

/** Compiles `source` as `tsbpf build` would, and also renders the listings. */
export async function compileInPage(
  source: string,
  fileName: string,
  host: FrontEndHost,
): Promise<PageCompile> {
  const t0 = performance.now();
  const sources = new Map([[fileName, source]]);
  // The IR texts and the listing come from an asm build (an object build prints no IR), shown even
  // when the back end fails; the object is a second build, on the project warm by now.
  const text = await compileSource(source, fileName, { emit: "asm", host });
  const out = hasErrors(text.diagnostics)
    ? text
    : await compileSource(source, fileName, { emit: "obj", host });
  const errors = out.diagnostics.filter((d) => d.severity === "error").length;
  const diagnostics = formatDiagnostics(out.diagnostics, sources);
  let objdump = "";
  let programs: string[] = [];
  if (out.object && errors === 0) {
    const obj = readBpfObject(out.object);
    objdump = formatObject(obj);
    programs = obj.programs.map((p) => p.name);
  }
  return {
    ok: out.object !== undefined && errors === 0,
    diagnostics,
    errorCount: errors,
    ir: text.ir ?? "",
    irOpt: text.irOpt ?? "",
    asm: out.object ? (text.asm ?? "") : "",
    objdump,
    object: errors === 0 ? out.object : undefined,
    programs,
    ms: performance.now() - t0,
  };
}
