/**
 * Which kernel modules a guest must load, in which order: the named modules and everything they
 * depend on, read from each `.ko`'s `.modinfo` section (`depends=a,b`), dependencies first — what
 * depmod's modules.dep would say, without running depmod.
 *
 * Consumes a modules tree (`lib/modules/<release>/kernel/...`) and module names; produces paths
 * relative to that tree. A name that is not found is an error naming it (a built-in module needs
 * no loading: it is listed in `modules.builtin` and skipped).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { dumpSection } from "./objcopy.ts";

/** Module name → its `.ko` path, for every module under `root` (dashes and underscores equal). */
function indexModules(root: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ko")) index.set(canonical(e.name.slice(0, -3)), p);
    }
  };
  walk(root);
  return index;
}

const canonical = (name: string) => name.replaceAll("-", "_");

/** The `depends=` list of one `.ko`. */
function dependsOf(ko: string): string[] {
  const text = new TextDecoder().decode(dumpSection(ko, ".modinfo") ?? new Uint8Array());
  const line = text.split("\0").find((s) => s.startsWith("depends="));
  return (line?.slice("depends=".length) ?? "").split(",").filter((s) => s !== "");
}

/**
 * The `.ko` files (relative to `moduleDir`, the `lib/modules/<release>` folder) to insmod, in
 * order, so that `names` are loaded.
 */
export function moduleLoadOrder(moduleDir: string, names: readonly string[]): string[] {
  const builtin = new Set(
    readFileSync(join(moduleDir, "modules.builtin"), "utf8")
      .split("\n")
      .map((l) => canonical(l.replace(/^.*\//, "").replace(/\.ko$/, ""))),
  );
  const index = indexModules(join(moduleDir, "kernel"));
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, wantedBy: string) => {
    const n = canonical(name);
    if (seen.has(n) || builtin.has(n)) return;
    seen.add(n);
    const ko = index.get(n);
    if (!ko)
      throw new Error(`kernel module ${name} (needed by ${wantedBy}) is not in ${moduleDir}`);
    for (const dep of dependsOf(ko)) visit(dep, name);
    order.push(relative(moduleDir, ko));
  };
  for (const name of names) visit(name, "the guest");
  return order;
}
