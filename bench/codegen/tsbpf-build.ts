/**
 * Building an example (examples/<tool>.ts) with tsbpf for the codegen benchmark.
 *
 * Consumes a TypeScript source path; produces the object's bytes, written to
 * `<cacheDir>/objects/<tool>.tsbpf.o` so bpftool can load it, or the reason there is none. Uses the
 * compiler's API (`compileSource` in compiler/driver.ts) in-process with clang's settings (`mcpu` 3,
 * optimised). The driver is imported lazily and checked at run time: the benchmark must print "n/a"
 * with a reason, never crash, while the compiler is missing, half-written or rejects a program.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/** The slice of compiler/driver.ts's API the benchmark relies on. */
interface DriverApi {
  compileSource(
    source: string,
    fileName: string,
    opts: { readonly mcpu?: number; readonly emit?: "obj" },
  ): Promise<{
    readonly diagnostics: readonly {
      readonly severity: string;
      readonly code: string;
      readonly message: string;
      readonly line: number;
      readonly col: number;
    }[];
    readonly object?: Uint8Array;
  }>;
}

/** A successful tsbpf build. */
export interface TsbpfObject {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** Compiles the same source again (for timing); rejects if it stops succeeding. */
  readonly rebuild: () => Promise<void>;
}

/** Outcome of building one example: the object, or why there is none. */
export type TsbpfBuildResult =
  ({ readonly ok: true } & TsbpfObject) | { readonly ok: false; readonly reason: string };

const DRIVER = "../../compiler/driver.ts";

let driver: Promise<DriverApi | string> | undefined;

/** Imports the driver once; resolves to the API or to the reason it is unusable. */
function loadDriver(): Promise<DriverApi | string> {
  driver ??= import(DRIVER).then(
    (mod: Partial<DriverApi>) =>
      typeof mod.compileSource === "function"
        ? (mod as DriverApi)
        : "compiler/driver.ts does not export compileSource()",
    (e: unknown) => `compiler/driver.ts cannot be imported: ${firstLine(e)}`,
  );
  return driver;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0]!;
}

/** Compiles `sourcePath` with tsbpf; never throws. */
export async function buildWithTsbpf(
  sourcePath: string,
  cacheDir: string,
): Promise<TsbpfBuildResult> {
  const api = await loadDriver();
  if (typeof api === "string") return { ok: false, reason: api };
  let source: string;
  try {
    source = readFileSync(sourcePath, "utf8");
  } catch (e) {
    return { ok: false, reason: `cannot read ${sourcePath}: ${firstLine(e)}` };
  }
  const compile = async (): Promise<Uint8Array> => {
    const out = await api.compileSource(source, sourcePath, { mcpu: 3, emit: "obj" });
    const error = out.diagnostics.find((d) => d.severity === "error");
    if (error) {
      throw new Error(
        `tsbpf ${error.code} at ${basename(sourcePath)}:${error.line}:${error.col}: ${error.message}`,
      );
    }
    if (!out.object) throw new Error("tsbpf produced no object and no error diagnostic");
    return out.object;
  };
  try {
    const bytes = await compile();
    const dir = join(cacheDir, "objects");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, basename(sourcePath).replace(/\.ts$/, ".tsbpf.o"));
    writeFileSync(path, bytes);
    return {
      ok: true,
      path,
      bytes,
      rebuild: async () => {
        await compile();
      },
    };
  } catch (e) {
    return { ok: false, reason: `tsbpf build failed: ${firstLine(e)}` };
  }
}
