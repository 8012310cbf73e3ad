/**
 * Opening a BTF file with Node's fs for the lazy reader (lazy.ts), one reader per path while the
 * file's size and mtime are unchanged. Kept out of core/btf's index so that browser bundles of the
 * front end (which reads files through its host) never pull in node:fs; the kernel loader imports it.
 */
import { readFileSync, statSync } from "node:fs";
import { LazyBtf } from "./lazy.ts";

const cache = new Map<string, { size: number; mtimeMs: number; btf: LazyBtf }>();

/**
 * The lazy reader of the BTF file at `path`, reused while the file's size and mtime are unchanged.
 * Throws BtfError (malformed) or a Node fs error (unreadable).
 */
export function openBtfFile(path: string): LazyBtf {
  const st = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.btf;
  const btf = new LazyBtf(new Uint8Array(readFileSync(path)), path);
  cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, btf });
  return btf;
}
