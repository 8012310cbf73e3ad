/**
 * What the front end reads from its surroundings, behind one seam: the stdlib declaration texts
 * (stdlib/*.d.ts, mounted into the in-memory TypeScript project) and kernel BTF files (typed program
 * arguments, /sys/kernel/btf/vmlinux by default).
 *
 * The CLI, the API and the editor plugin use `nodeHost()` (files on disk, found from this module's
 * location or a given stdlib folder); the playground passes a host holding the stdlib texts bundled
 * into the page and no kernel BTF. Everything else in the front end is the same code everywhere.
 *
 * Invariant: a host's answers do not change while it is in use, except that `btfStamp` changes
 * whenever the file's bytes do (so a cached BTF index is reused only for the same bytes).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The front end's view of its environment. */
export interface FrontEndHost {
  /**
   * The stdlib declaration files by base name: `lib.d.ts` (the global lib) and the files of the
   * `tsbpf` module (`index.d.ts` and the files it re-exports).
   */
  stdlibFiles(): ReadonlyMap<string, string>;
  /** A stamp that changes when the file at `path` changes; throws (`code: "ENOENT"`) when absent. */
  btfStamp(path: string): string;
  /** The bytes of the BTF file at `path`; throws like `btfStamp`. */
  readBtf(path: string): Uint8Array;
}

/**
 * The package's stdlib/ folder (with a trailing slash), found by walking up from this module: the
 * sources (compiler/frontend/), the compiled package (dist/compiler/frontend/) and the launcher's
 * bundle all sit at different depths below the package root. A function, not a constant: the
 * playground bundles this module for the browser, where there is no file system to search.
 */
export function stdlibDir(): string {
  const from = new URL(".", import.meta.url);
  for (let dir = from; ; dir = new URL("..", dir)) {
    const candidate = new URL("stdlib/", dir);
    if (existsSync(new URL("index.d.ts", candidate))) return fileURLToPath(candidate);
    if (dir.pathname === "/") throw new Error(`internal: no stdlib/ above ${from.href}`);
  }
}

function defaultStdlibDir(): string {
  return stdlibDir();
}

/** A host over the local file system; `stdlibDir` defaults to this checkout's stdlib/. */
export function nodeHost(stdlibDir?: string): FrontEndHost {
  const dir = (stdlibDir ?? defaultStdlibDir()).replace(/\/?$/, "/");
  return {
    stdlibFiles: () =>
      new Map(
        readdirSync(dir)
          .filter((n) => n.endsWith(".d.ts"))
          .sort()
          .map((n) => [n, readFileSync(dir + n, "utf8")]),
      ),
    btfStamp: (path) => {
      const st = statSync(path);
      return `${st.size}:${st.mtimeMs}`;
    },
    readBtf: (path) => new Uint8Array(readFileSync(path)),
  };
}

/** A host with the given stdlib texts and no files at all (a browser page). */
export function memoryHost(stdlib: ReadonlyMap<string, string>): FrontEndHost {
  const absent = (path: string): never => {
    throw Object.assign(new Error(`${path}: no such file`), { code: "ENOENT" });
  };
  return { stdlibFiles: () => stdlib, btfStamp: absent, readBtf: absent };
}

let defaultHost: FrontEndHost | undefined;

/** The host used when a compilation names none: `nodeHost()`, created on first use. */
export function getDefaultHost(): FrontEndHost {
  return (defaultHost ??= nodeHost());
}
