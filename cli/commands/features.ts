/**
 * `tsbpf features [--json]`: the coverage table, generated from the kernel records (core/kernel):
 * every helper, map type and libbpf section, with whether the stdlib declares it (and can lower it),
 * the VM implements it, and a test of `npm test` loads it on the kernel.
 *
 * `kernelTested` is derived, not claimed: the kernel tests load every examples/*.ts on the live
 * kernel (test/golden-build/golden.test.ts iterates that directory) and every test/kernel/kinds/*.ts
 * (test/kernel/program-kinds.test.ts loads and attaches each), so this command compiles the same
 * files (the second folder only in a checkout) and collects the helpers their programs call, the
 * map types they create and the sections they use. Programs that need a BPF trampoline (fentry,
 * fexit, lsm, ...) do not count: this kernel refuses them before the verifier, and the tests accept
 * exactly that refusal. Other BTF-targeted kinds (tp_btf, iter) load and count.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import type { Command } from "commander";
import { compileSource } from "../../compiler/driver.ts";
import { PROGRAM_KINDS, type ProgramKind } from "../../compiler/frontend/builtins.ts";
import { spelledSection, spellingNames } from "../../compiler/frontend/section-spelling.ts";
import {
  BPF_MAP_TYPE,
  HELPER_OVERRIDES,
  HELPER_RECORDS,
  MAP_KIND_RECORDS,
  SECTION_DEFS,
  matchesSection,
  resolveSection,
} from "../../core/kernel/index.ts";
import { CallSrc } from "../../core/isa/index.ts";
import { STRUCT_OPS_SECTIONS } from "../../core/object/struct-ops.ts";
import { VM_HELPER_NAMES } from "../../runtime/helpers/index.ts";
import { needsTrampoline } from "../../runtime/loader/trampoline-refusal.ts";
import { SUPPORTED_MAP_KINDS } from "../../runtime/maps/index.ts";
import { vmIterates } from "../../runtime/vm/iter.ts";

/** One row per kind, in the shape of issue 8. */
export interface FeaturesTable {
  readonly helpers: {
    name: string;
    id: number;
    declared: boolean;
    vm: boolean;
    kernelTested: boolean;
  }[];
  readonly mapTypes: { name: string; declared: boolean; vm: boolean; kernelTested: boolean }[];
  readonly programTypes: {
    section: string;
    declared: boolean;
    vm: boolean;
    kernelTested: boolean;
  }[];
}

/** What the kernel tests load: helper ids, map type numbers and sections of the examples. */
export interface KernelCoverage {
  readonly helpers: ReadonlySet<number>;
  readonly mapTypes: ReadonlySet<number>;
  readonly sections: ReadonlySet<string>;
}

const EXAMPLES_DIR = new URL("../../examples/", import.meta.url);
/** Fixtures of the program kinds' kernel test (absent from the installed package). */
const KIND_FIXTURES_DIR = new URL("../../test/kernel/kinds/", import.meta.url);

/** Compiles every example (and kind fixture) and collects what its kernel-loaded programs use. */
export async function kernelCoverage(
  dirs: readonly URL[] = [EXAMPLES_DIR, KIND_FIXTURES_DIR],
): Promise<KernelCoverage> {
  const helpers = new Set<number>();
  const mapTypes = new Set<number>();
  const sections = new Set<string>();
  const files = dirs
    .filter((d) => existsSync(d))
    .flatMap((d) =>
      readdirSync(d)
        .filter((n) => n.endsWith(".ts"))
        .sort()
        .map((n) => new URL(n, d)),
    );
  for (const url of files) {
    const source = readFileSync(url, "utf8");
    const name = url.pathname.split("/").slice(-2).join("/");
    const out = await compileSource(source, name, { check: true });
    if (!out.spec) continue;
    for (const m of out.spec.maps) mapTypes.add(m.type);
    // A struct_ops map is written as a variable of its data section, not a `.maps` definition.
    if (out.spec.data?.some((d) => (STRUCT_OPS_SECTIONS as readonly string[]).includes(d.name)))
      mapTypes.add(BPF_MAP_TYPE.BPF_MAP_TYPE_STRUCT_OPS);
    for (const p of out.spec.programs) {
      const sec = resolveSection(p.section);
      if (sec && needsTrampoline(sec.progTypeId, sec.attachTypeId ?? 0)) continue;
      sections.add(p.section);
      for (const i of p.insns)
        if (i.spec.kind === "call" && i.src === CallSrc.HELPER) helpers.add(i.imm);
    }
  }
  return { helpers, mapTypes, sections };
}

/** The table from the records and the coverage. */
export function featuresTable(cov: KernelCoverage): FeaturesTable {
  const vmMapKinds = new Set<string>(SUPPORTED_MAP_KINDS);
  // A kind's sections and libbpf's second spellings of them (the `section` option: `tp/...`).
  const sectionsOf = (k: ProgramKind) =>
    (k.targets ? k.targets.map(k.section) : [k.section("x")]).flatMap((c) => [
      c,
      ...spellingNames(c).map((n) => spelledSection(c, n)!),
    ]);
  const stdlibSections = [...PROGRAM_KINDS.values()].flatMap(sectionsOf);
  // A context that is a kernel struct (`btf`) is one the VM builds only for iterators: it walks
  // them over given objects with a seq_file (runtime/vm/iter.ts, by the section's attach type).
  const vmSections = [...PROGRAM_KINDS.values()].flatMap((k) =>
    sectionsOf(k).filter((s) => k.ctx.kind !== "btf" || vmIterates(s)),
  );
  return {
    helpers: HELPER_RECORDS.map((h) => ({
      name: `bpf_${h.name}`,
      id: h.id,
      // A callback helper is callable once its callback's parameters are known (helper-overrides.ts).
      declared:
        !h.params.some((p) => p.kind === "callback") ||
        HELPER_OVERRIDES[h.name]?.callback !== undefined,
      vm: VM_HELPER_NAMES.has(h.name),
      kernelTested: cov.helpers.has(h.id),
    })),
    mapTypes: MAP_KIND_RECORDS.map((r) => ({
      name: r.name,
      // A class declared only to refuse it (TSB3073: not supported yet) does not count.
      declared: r.stdlib !== null && r.unsupported === null,
      vm: vmMapKinds.has(r.kind),
      kernelTested: cov.mapTypes.has(r.id),
    })),
    programTypes: SECTION_DEFS.map((d) => {
      const declared = stdlibSections.some((s) => matchesSection(d.pattern, s));
      return {
        section: d.pattern.replace(/\+$/, ""),
        declared,
        // The VM runs the stdlib program kinds on contexts it is given (packet contexts, argument
        // words, tracepoint structs) and walks iterators over objects it is given.
        vm: vmSections.some((s) => matchesSection(d.pattern, s)),
        kernelTested: [...cov.sections].some((s) => matchesSection(d.pattern, s)),
      };
    }),
  };
}

/** The text table: counts, then one line per kind. */
export function formatFeatures(t: FeaturesTable): string {
  const count = (rows: readonly { declared: boolean; vm: boolean; kernelTested: boolean }[]) =>
    `declared ${rows.filter((r) => r.declared).length}/${rows.length}, vm ${rows.filter((r) => r.vm).length}, kernel-tested ${rows.filter((r) => r.kernelTested).length}`;
  const mark = (b: boolean) => (b ? "yes" : "-");
  const lines = [
    `helpers: ${count(t.helpers)}`,
    `map types: ${count(t.mapTypes)}`,
    `program types (libbpf sections): ${count(t.programTypes)}`,
    "",
    `${"helper".padEnd(36)} ${"id".padStart(3)}  declared  vm   kernel`,
  ];
  for (const h of t.helpers)
    lines.push(
      `${h.name.padEnd(36)} ${String(h.id).padStart(3)}  ${mark(h.declared).padEnd(8)}  ${mark(h.vm).padEnd(3)}  ${mark(h.kernelTested)}`,
    );
  lines.push("", `${"map type".padEnd(40)} declared  vm   kernel`);
  for (const m of t.mapTypes)
    lines.push(
      `${m.name.padEnd(40)} ${mark(m.declared).padEnd(8)}  ${mark(m.vm).padEnd(3)}  ${mark(m.kernelTested)}`,
    );
  lines.push("", `${"section".padEnd(40)} declared  vm   kernel`);
  for (const p of t.programTypes)
    lines.push(
      `${p.section.padEnd(40)} ${mark(p.declared).padEnd(8)}  ${mark(p.vm).padEnd(3)}  ${mark(p.kernelTested)}`,
    );
  return lines.join("\n") + "\n";
}

/** Registers `tsbpf features`. */
export function registerFeatures(program: Command): void {
  program
    .command("features")
    .description(
      "coverage of kernel helpers, map types and program types (from the kernel records)",
    )
    .option("--json", "print the table as JSON")
    .action(async (opts: { json?: boolean }) => {
      const table = featuresTable(await kernelCoverage());
      process.stdout.write(
        opts.json ? JSON.stringify(table, null, 2) + "\n" : formatFeatures(table),
      );
    });
}
