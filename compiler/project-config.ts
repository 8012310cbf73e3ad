/**
 * The project file `tsbpf.json`: what a project pins so that its probes compile to the same bytes on
 * every machine. Today that is the kernel BTF typed program arguments are read from:
 *
 * ```json
 * { "btf": { "file": "btf/vmlinux-6.18.btf", "sha256": "9f2c…" } }
 * ```
 *
 * - `file`: a BTF file committed with the project (relative to tsbpf.json). Compilations read it
 *   instead of the build host's /sys/kernel/btf/vmlinux.
 * - `sha256`: the hash the BTF must have: with `file`, the committed file's; without it, whatever BTF
 *   the compiler is given (`--btf`, or the host's) — a build on a host with another kernel then fails
 *   with both hashes instead of silently compiling differently.
 *
 * The project root (tsbpf.json's folder) also names sources: a compilation under a project uses the
 * source's path relative to the root in line info and listings, so the bytes do not depend on the
 * working directory.
 *
 * Consumes the file's text; produces a checked `ProjectConfig`. Mistakes are `ProjectConfigError`s
 * with file:line:col and a code frame. `projectBtfInputs` turns a config into the front end's inputs
 * and records which BTF a compilation actually read (`BtfUse`), for golden files.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { codeFrame } from "./diag/format.ts";
import { DEFAULT_KERNEL_BTF } from "./frontend/kernel-btf.ts";
import type { FrontEndHost } from "./frontend/host.ts";

/** The project file's name. */
export const PROJECT_FILE = "tsbpf.json";

/** A mistake in tsbpf.json, or a pinned BTF that is missing or has another hash. */
export class ProjectConfigError extends Error {
  override name = "ProjectConfigError";
}

/** The BTF a project pins. */
export interface BtfPin {
  /** Absolute path of the committed BTF file. */
  readonly file?: string;
  /** The file as written in tsbpf.json (relative to the root), for messages and goldens. */
  readonly fileName?: string;
  /** Lower-case hex sha256 the BTF must have. */
  readonly sha256?: string;
}

/** A checked tsbpf.json (or the implicit project of a folder without one). */
export interface ProjectConfig {
  /** Absolute folder the project's source names are relative to. */
  readonly root: string;
  /** Absolute path of tsbpf.json; absent for an implicit project. */
  readonly file?: string;
  readonly btf?: BtfPin;
}

/** Which kernel BTF a compilation read (only recorded when a program needed it). */
export interface BtfUse {
  /** `tsbpf.json` when pinned by file, else the path or "the given bytes". */
  readonly source: string;
  readonly sha256: string;
  /** Whether tsbpf.json pins this BTF (by file or by hash). */
  readonly pinned: boolean;
}

/** The sha256 of some bytes, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function fail(file: string, text: string, pos: number, message: string): never {
  const before = text.slice(0, Math.max(0, pos));
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  const frame = pos >= 0 ? codeFrame(text, line, col, 1) : [];
  throw new ProjectConfigError(
    [`${pos >= 0 ? `${file}:${line}:${col}` : file}: ${message}`, ...frame].join("\n"),
  );
}

/** Where key `"name"` is written in the text (for messages), or -1. */
function keyPos(text: string, name: string): number {
  return text.indexOf(`"${name}"`);
}

/**
 * Where JSON text is malformed and why, from TypeScript's JSON parser (Node's JSON.parse does not
 * always say where). Loaded only for a malformed file.
 */
function jsonErrorAt(text: string, file: string): { pos: number; message: string } | undefined {
  const ts = createRequire(import.meta.url)("typescript") as typeof import("typescript");
  const sf = ts.parseJsonText(file, text);
  const d = (sf as unknown as { parseDiagnostics?: import("typescript").Diagnostic[] })
    .parseDiagnostics?.[0];
  if (!d || d.start === undefined) return undefined;
  return { pos: d.start, message: ts.flattenDiagnosticMessageText(d.messageText, " ") };
}

/** Parses and checks tsbpf.json's text; `file` is its absolute path. */
export function parseProjectConfig(text: string, file: string): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const node = /^(.*?) in JSON at position (\d+)/.exec((e as Error).message);
    const at =
      jsonErrorAt(text, file) ?? (node ? { pos: Number(node[2]), message: node[1]! } : undefined);
    fail(file, text, at?.pos ?? -1, `not valid JSON: ${at?.message ?? (e as Error).message}`);
  }
  const root = dirname(file);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    fail(file, text, text.search(/\S/), 'must hold a JSON object, like { "btf": { ... } }');
  for (const key of Object.keys(raw)) {
    if (key !== "btf" && key !== "$schema")
      fail(file, text, keyPos(text, key), `unknown setting "${key}" (known: btf)`);
  }
  const btfRaw = (raw as { btf?: unknown }).btf;
  if (btfRaw === undefined) return { root, file };
  const at = keyPos(text, "btf");
  if (typeof btfRaw !== "object" || btfRaw === null || Array.isArray(btfRaw))
    fail(file, text, at, `"btf" must be an object: { "file": "<path>", "sha256": "<hex>" }`);
  const b = btfRaw as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (key !== "file" && key !== "sha256")
      fail(file, text, keyPos(text, key), `unknown "btf" setting "${key}" (known: file, sha256)`);
  }
  if (b.file === undefined && b.sha256 === undefined)
    fail(file, text, at, `"btf" needs "file" (a committed BTF file), "sha256", or both`);
  if (b.file !== undefined && (typeof b.file !== "string" || b.file === ""))
    fail(file, text, keyPos(text, "file"), `"btf.file" must be a path relative to ${PROJECT_FILE}`);
  if (b.sha256 !== undefined && (typeof b.sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(b.sha256)))
    fail(file, text, keyPos(text, "sha256"), `"btf.sha256" must be 64 hex digits`);
  const pin: BtfPin = {
    ...(typeof b.file === "string" ? { file: resolve(root, b.file), fileName: b.file } : {}),
    ...(typeof b.sha256 === "string" ? { sha256: b.sha256.toLowerCase() } : {}),
  };
  return { root, file, btf: pin };
}

/** Reads and checks the tsbpf.json at `file` (absolute). */
export function readProjectConfig(file: string): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ProjectConfigError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  return parseProjectConfig(text, file);
}

/**
 * The project a file belongs to: the nearest tsbpf.json in its folder or above; without one, an
 * implicit project rooted at the nearest folder with a package.json, else the file's own folder.
 */
export function findProject(path: string): ProjectConfig {
  const start = dirname(resolve(path));
  let packageRoot: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, PROJECT_FILE);
    if (existsSync(candidate)) return readProjectConfig(candidate);
    if (packageRoot === undefined && existsSync(join(dir, "package.json"))) packageRoot = dir;
    if (dirname(dir) === dir) break;
  }
  return { root: packageRoot ?? start };
}

/** The name of `path` in the project: relative to the root, with `/`, or absolute when outside. */
export function projectSourceName(project: ProjectConfig, path: string): string {
  const rel = relative(project.root, resolve(path));
  if (rel.startsWith("..") || isAbsolute(rel)) return resolve(path);
  return rel.split(sep).join("/");
}

/** sha256 of BTF files by path, reused while the host's stamp is unchanged (vmlinux is ~5.5 MB). */
const hashes = new Map<string, { stamp: string; sha256: string }>();

/** The front end's BTF inputs under a project, and what they ended up reading. */
export interface ProjectBtfInputs {
  readonly btf: string | Uint8Array;
  readonly host: FrontEndHost;
  /** The BTF the compilation read, once it has run (undefined when no program needed BTF). */
  used(): BtfUse | undefined;
}

/**
 * The BTF source and host a compilation under `project` uses. A pinned file replaces the default
 * (the host's /sys/kernel/btf/vmlinux is then never read); an explicit `btf` still wins, but a pinned
 * hash is verified against whatever is read. A hash mismatch or an unreadable pinned file surfaces
 * as the front end's "cannot read the BTF" diagnostic with the reason.
 */
export function projectBtfInputs(
  project: ProjectConfig,
  explicit: string | Uint8Array | undefined,
  base: FrontEndHost,
): ProjectBtfInputs {
  const pin = project.btf;
  const btf = explicit ?? pin?.file ?? DEFAULT_KERNEL_BTF;
  const pinned = explicit === undefined ? pin !== undefined : pin?.sha256 !== undefined;
  let used: BtfUse | undefined;
  const source = (path: string): string =>
    pin?.file !== undefined && path === pin.file
      ? `${PROJECT_FILE} btf.file ${pin.fileName}`
      : path;
  const check = (path: string, sha256: string): void => {
    if (pin?.sha256 !== undefined && sha256 !== pin.sha256) {
      throw new ProjectConfigError(
        `${source(path)} has sha256 ${sha256}, but ${PROJECT_FILE} pins ${pin.sha256}` +
          ` (update "btf.sha256" in ${project.file ?? PROJECT_FILE} if this BTF is the intended one)`,
      );
    }
  };
  if (typeof btf !== "string") {
    const sha256 = sha256Hex(btf);
    check("the given BTF", sha256);
    used = { source: "the given bytes", sha256, pinned };
    return { btf, host: base, used: () => used };
  }
  const hashOf = (path: string): string => {
    const stamp = base.btfStamp(path);
    const hit = hashes.get(path);
    if (hit && hit.stamp === stamp) return hit.sha256;
    const sha256 = sha256Hex(base.readBtf(path));
    hashes.set(path, { stamp, sha256 });
    return sha256;
  };
  const host: FrontEndHost = {
    stdlibFiles: () => base.stdlibFiles(),
    btfStamp: (path) => {
      const stamp = base.btfStamp(path);
      const sha256 = hashOf(path);
      check(path, sha256);
      used = { source: pin?.file === path ? PROJECT_FILE : path, sha256, pinned };
      return stamp;
    },
    readBtf: (path) => {
      const bytes = base.readBtf(path);
      check(path, sha256Hex(bytes));
      return bytes;
    },
  };
  return { btf, host, used: () => used };
}
