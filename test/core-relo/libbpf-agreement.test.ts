/**
 * CO-RE relocations of the kernel-struct examples (examples/core-*.ts and every example reading a
 * kernel struct), checked three ways:
 * - our resolution (core/object/core-apply.ts) gives, for every relocation, the value libbpf 1.1
 *   patches in (libbpf's debug log via test/support/libbpf/core-values.c), on the host's BTF and
 *   on every further BTF file named in TSBPF_CORE_BTF (colon-separated: another kernel's vmlinux
 *   BTF); the same for the C twins' objects (clang-19 BPF_CORE_READ), so the resolver is checked
 *   on clang's records too;
 * - our records name the same root types with the same access strings as clang's for the same
 *   fields (libbpf's `0:95` member paths), so libbpf and bpftool read them unchanged;
 * - each object loads with libbpf (its relocation pass reports no error).
 * Prints relocations per example and the agreement count.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileC, defaultCacheDir, ensureVmlinuxHeader } from "../../bench/codegen/clang-build.ts";
import { openBtfFile } from "../../core/btf/file.ts";
import { CORE_RELO_KIND_NAMES, type Btf } from "../../core/btf/index.ts";
import { applyCoreRelocations } from "../../core/object/core-apply.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { compileSource } from "../../compiler/driver.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { libbpfCoreValues } from "../support/libbpf/core-values.ts";

const ROOT = join(import.meta.dirname, "../..");
const HOST_BTF = "/sys/kernel/btf/vmlinux";
const EXTRA_BTF = (process.env.TSBPF_CORE_BTF ?? "").split(":").filter((p) => p !== "");
const EXAMPLES = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".ts"))
  .filter((f) => /currentTask|kernelPtr\(/.test(readFileSync(join(ROOT, "examples", f), "utf8")))
  .sort();

const live = capability(
  "root + cc + libbpf-dev",
  hasKernelBpf() && hasCommand("cc"),
  "libbpf CO-RE agreement",
);
const withClang = capability(
  "clang-19 + bpftool",
  hasCommand("clang-19") && hasCommand("bpftool", ["version"]),
  "clang twins' CO-RE records",
);

const dir = mkdtempSync(join(tmpdir(), "tsbpf-core-agree-"));

async function buildExample(file: string): Promise<string> {
  const source = readFileSync(join(ROOT, "examples", file), "utf8");
  const r = await compileSource(source, `examples/${file}`, { emit: "obj" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const out = join(dir, file.replace(/\.ts$/, ".o"));
  writeFileSync(out, r.object!);
  return out;
}

/** Our values vs libbpf's for one object and one BTF: [equal, total], failing on any difference. */
function agreement(objectPath: string, btfPath: string): { equal: number; total: number } {
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
function records(bytes: Uint8Array): Set<string> {
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

describe("CO-RE relocations agree with libbpf and clang", () => {
  const built = new Map<string, string>();
  beforeAll(async () => {
    for (const ex of EXAMPLES) built.set(ex, await buildExample(ex));
  }, 120_000);

  it("has kernel-struct examples, each with relocations", () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(4);
    for (const [ex, path] of built) {
      const n = records(readFileSync(path)).size;
      expect(n, ex).toBeGreaterThan(0);
    }
  });

  for (const btf of [HOST_BTF, ...EXTRA_BTF]) {
    it.runIf(live)(
      `every relocation of every example: our value = libbpf's on ${btf}`,
      () => {
        expect(existsSync(btf), btf).toBe(true);
        let equal = 0;
        let total = 0;
        for (const [ex, path] of built) {
          const a = agreement(path, btf);
          console.log(
            `${ex}: ${a.total} relocations, ${a.equal}/${a.total} equal to libbpf (${btf})`,
          );
          equal += a.equal;
          total += a.total;
        }
        console.log(`all examples: ${equal}/${total} relocations equal to libbpf on ${btf}`);
        expect(equal).toBe(total);
      },
      120_000,
    );

    it.runIf(live && withClang)(
      `the C twins' (clang) relocations: our value = libbpf's on ${btf}`,
      () => {
        const cache = defaultCacheDir();
        ensureVmlinuxHeader(cache);
        for (const ex of EXAMPLES) {
          const c = join(ROOT, "bench/c", ex.replace(/\.ts$/, ".bpf.c"));
          if (!existsSync(c)) continue;
          const a = agreement(compileC(c, cache).path, btf);
          console.log(
            `${ex} C twin: ${a.total} relocations, ${a.equal}/${a.total} equal to libbpf`,
          );
        }
      },
      120_000,
    );
  }

  it.runIf(withClang)(
    "our records use clang's root types and access strings for the same fields",
    () => {
      const cache = defaultCacheDir();
      ensureVmlinuxHeader(cache);
      for (const [ex, path] of built) {
        const c = join(ROOT, "bench/c", ex.replace(/\.ts$/, ".bpf.c"));
        if (!existsSync(c)) continue;
        const ours = records(readFileSync(path));
        const clang = records(compileC(c, cache).bytes);
        const missing = [...ours].filter((r) => !clang.has(r));
        expect(missing, `${ex}: records clang does not have`).toEqual([]);
        // Clang also relocates the field's signedness for BPF_CORE_READ_BITFIELD_PROBED (known
        // statically to us) and the tracepoint context's fields (vmlinux.h marks trace_event_raw_*
        // preserve_access_index; tsbpf reads the context at the tracepoint format's offsets).
        const extra = [...clang].filter(
          (r) => !ours.has(r) && !r.startsWith("signed ") && !/^\S+ trace_event_raw_/.test(r),
        );
        expect(extra, `${ex}: clang records we lack`).toEqual([]);
      }
    },
    120_000,
  );
});
