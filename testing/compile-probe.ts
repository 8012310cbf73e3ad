/**
 * `compileProbe(path)`: builds a probe the way a golden test needs it: under its project
 * (tsbpf.json: the pinned kernel BTF, source names relative to the project root, so the bytes do not
 * depend on the working directory or the host), then reads the object back and makes the review
 * listing (listing.ts) and the golden text (golden.ts). With `verifier: true` it also loads every
 * program into the running kernel and records the verifier's processed-instruction counts (root).
 *
 * Compile errors throw `ProbeCompileError` carrying the diagnostics with code frames.
 */
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readBpfObject } from "../core/object/index.ts";
import { formatDiagnostics, hasErrors } from "../compiler/diag/index.ts";
import { compileSource } from "../compiler/driver.ts";
import type { FrontEndHost } from "../compiler/frontend/host.ts";
import { findProject, projectSourceName, type ProjectConfig } from "../compiler/project-config.ts";
import type { Mcpu } from "../compiler/target/bpf/index.ts";
import { tsbpfVersion } from "../compiler/version.ts";
import { formatGolden, type GoldenMeta } from "./golden.ts";
import { formatListing, type FunctionFacts } from "./listing.ts";

/** Options of `compileProbe`. */
export interface CompileProbeOptions {
  /** BPF ISA version, like clang's -mcpu (default 3). */
  readonly mcpu?: Mcpu;
  /** Load the programs into the running kernel and record verifier counts (needs root). */
  readonly verifier?: boolean;
  /** Kernel BTF (a path or bytes) instead of tsbpf.json's pin or the host's. */
  readonly btf?: string | Uint8Array;
  /** The project; default: found from the probe's folder (`findProject`). */
  readonly project?: ProjectConfig;
  /** Where the compiler reads the stdlib and BTF files (default: the file system). */
  readonly host?: FrontEndHost;
}

/** A built probe with its listing. */
export interface CompiledProbe {
  /** Absolute path of the source. */
  readonly path: string;
  readonly project: ProjectConfig;
  readonly meta: GoldenMeta;
  /** The review listing (golden body). */
  readonly listing: string;
  /** The whole golden text: header and listing. */
  readonly golden: string;
  /** The ELF object. */
  readonly object: Uint8Array;
  /** The options the probe was built with, so a golden update rebuilds it the same way. */
  readonly options: { readonly mcpu: Mcpu; readonly verifier: boolean };
}

/** The probe does not compile; `message` holds the diagnostics with code frames. */
export class ProbeCompileError extends Error {
  override name = "ProbeCompileError";
}

function toPath(path: string | URL): string {
  return path instanceof URL ? fileURLToPath(path) : resolve(path);
}

/** Loads every program and returns the verifier's processed counts by program name. */
async function verifierCounts(object: Uint8Array): Promise<Map<string, number>> {
  const { loadObject } = await import("../runtime/loader/index.ts");
  const loaded = loadObject(object);
  try {
    return new Map([...loaded.programs].map(([name, p]) => [name, p.program.verifiedInsns]));
  } finally {
    loaded.close();
  }
}

/**
 * Compiles the probe at `path` (relative to the working directory, or a file URL such as
 * `new URL("./probe.ts", import.meta.url)`).
 */
export async function compileProbe(
  path: string | URL,
  opts: CompileProbeOptions = {},
): Promise<CompiledProbe> {
  const abs = toPath(path);
  let source: string;
  try {
    source = readFileSync(abs, "utf8");
  } catch (e) {
    throw new ProbeCompileError(
      `cannot read probe ${abs}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  const project = opts.project ?? findProject(abs);
  const name = projectSourceName(project, abs);
  const mcpu = opts.mcpu ?? 3;
  const out = await compileSource(source, name, {
    emit: "obj",
    mcpu,
    project,
    ...(opts.btf !== undefined ? { btf: opts.btf } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
  });
  if (hasErrors(out.diagnostics) || !out.object) {
    throw new ProbeCompileError(
      `${name} does not compile:\n${formatDiagnostics(out.diagnostics, new Map([[name, source]]))}`,
    );
  }
  const obj = readBpfObject(out.object);
  const verified = opts.verifier ? await verifierCounts(out.object) : undefined;
  const facts = new Map<string, FunctionFacts>();
  for (const s of out.stats) {
    const v = verified?.get(s.name);
    facts.set(s.name, { stack: s.frameSize, ...(v !== undefined ? { verified: v } : {}) });
  }
  const listing = formatListing(obj, facts);
  const meta: GoldenMeta = {
    source: name,
    compiler: tsbpfVersion(),
    mcpu,
    btf: out.btf ? { sha256: out.btf.sha256, pinned: out.btf.pinned } : null,
    verifier: verified ? `Linux ${release()}` : null,
  };
  return {
    path: abs,
    project,
    meta,
    listing,
    golden: formatGolden(meta, listing),
    object: out.object,
    options: { mcpu, verifier: opts.verifier ?? false },
  };
}
