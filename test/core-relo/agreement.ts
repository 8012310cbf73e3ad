/**
 * What the CO-RE agreement tests share (test/core-relo/libbpf-agreement.test.ts on the host's BTF,
 * test/guest/core-agreement.test.ts on the second kernel's): the kernel-struct examples, built once
 * each, and the comparison of our resolved value of every relocation with the one libbpf patches
 * in (its debug log, test/support/libbpf/core-values.c) for a given BTF file.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { openBtfFile } from "../../core/btf/file.ts";
import { CORE_RELO_KIND_NAMES, type Btf } from "../../core/btf/index.ts";
import { applyCoreRelocations } from "../../core/object/core-apply.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { compileSource } from "../../compiler/driver.ts";
import { libbpfCoreValues } from "../support/libbpf/core-values.ts";

export const ROOT = join(import.meta.dirname, "../..");

/** The examples that read kernel structs (CO-RE). */
export const CORE_EXAMPLES = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".ts"))
  .filter((f) => /currentTask|kernelPtr\(/.test(readFileSync(join(ROOT, "examples", f), "utf8")))
  .sort();

const dir = mkdtempSync(join(tmpdir(), "tsbpf-core-agree-"));

/** Compiles examples/`file` and writes its object; returns the object's path. */
export async function buildExample(file: string): Promise<string> {
  const source = readFileSync(join(ROOT, "examples", file), "utf8");
  const r = await compileSource(source, `examples/${file}`, { emit: "obj" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const out = join(dir, file.replace(/\.ts$/, ".o"));
  writeFileSync(out, r.object!);
  return out;
}

/** Our values vs libbpf's for one object and one BTF: [equal, total], failing on any difference. */
export function agreement(objectPath: string, btfPath: string): { equal: number; total: number } {
  const ours = applyCoreRelocations(
    readBpfObject(readFileSync(objectPath)),
    openBtfFile(btfPath),
  ).relocations;
  const theirs = new Map(
    libbpfCoreValues(objectPath, btfPath).map((v) => [`${v.prog}#${v.relo}`, v]),
  );
  let equal = 0;
  const diffs: string[] = [];
  for (const r of ours) {
    const t = theirs.get(`${r.func}#${r.index}`);
    const same = t !== undefined && t.insn === r.slot && t.value === r.targetValue;
    if (same) equal++;
    else
      diffs.push(
        `${r.func} relo #${r.index} ${r.kindName} ${r.chain}: ours ${r.targetValue} at insn ${r.slot}, libbpf ${t ? `${t.value} at insn ${t.insn}` : "none"}`,
      );
  }
  expect(diffs).toEqual([]);
  expect(theirs.size).toBe(ours.length);
  return { equal, total: ours.length };
}

/** `kind root-type access` of each record, with the root type's name. */
export function records(bytes: Uint8Array): Set<string> {
  const obj = readBpfObject(bytes);
  const btf = obj.btf as Btf;
  const out = new Set<string>();
  for (const s of obj.btfExt?.coreRelo ?? [])
    for (const r of s.records) {
      const t = btf.types[r.typeId]!;
      out.add(`${CORE_RELO_KIND_NAMES[r.kind]} ${"name" in t ? t.name : "?"} ${r.accessStr}`);
    }
  return out;
}
