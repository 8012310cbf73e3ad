/**
 * CO-RE relocations of the kernel-struct examples (examples/core-*.ts and every example reading a
 * kernel struct), checked three ways:
 * - our resolution (core/object/core-apply.ts) gives, for every relocation, the value libbpf 1.1
 *   patches in (libbpf's debug log via test/support/libbpf/core-values.c), on the host's BTF and
 *   on every further BTF file named in TSBPF_CORE_BTF (colon-separated: another kernel's vmlinux
 *   BTF; test/guest/core-agreement.test.ts does this for the second kernel's BTF); the same for the C twins' objects (clang-19 BPF_CORE_READ), so the resolver is checked
 *   on clang's records too;
 * - our records name the same root types with the same access strings as clang's for the same
 *   fields (libbpf's `0:95` member paths), so libbpf and bpftool read them unchanged;
 * - each object loads with libbpf (its relocation pass reports no error).
 * Prints relocations per example and the agreement count.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileC, defaultCacheDir, ensureVmlinuxHeader } from "../../bench/codegen/clang-build.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { CORE_EXAMPLES, ROOT, agreement, buildExample, records } from "./agreement.ts";

const HOST_BTF = "/sys/kernel/btf/vmlinux";
const EXTRA_BTF = (process.env.TSBPF_CORE_BTF ?? "").split(":").filter((p) => p !== "");
const EXAMPLES = CORE_EXAMPLES;

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
