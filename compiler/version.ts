/**
 * The compiler's version: the `version` of the tsbpf package.json this module belongs to, found by
 * walking up from it (the sources sit at compiler/, the compiled package at dist/compiler/). Read on
 * first use, so bundles for the browser that never ask do not touch a file system.
 */
import { existsSync, readFileSync } from "node:fs";

let version: string | undefined;

/** The tsbpf version (`0.1.0`). */
export function tsbpfVersion(): string {
  if (version !== undefined) return version;
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    const file = new URL("package.json", dir);
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "tsbpf" && pkg.version) return (version = pkg.version);
    }
    if (dir.pathname === "/")
      throw new Error(`internal: no tsbpf package.json above ${import.meta.url}`);
  }
}
