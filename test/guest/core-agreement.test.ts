/**
 * CO-RE on the second kernel's BTF (issue 10 item 4): for every relocation of every kernel-struct
 * example and of their C twins (clang-19 BPF_CORE_READ), the value our resolver
 * (core/object/core-apply.ts) gives against Debian bookworm's Linux 6.1 BTF equals the one libbpf
 * patches in against the same file. The BTF is the one scripts/guest-kernel extracts from that
 * kernel's vmlinuz (test/guest/load.test.ts checks the booted guest serves exactly it), so this
 * needs no boot; the host's BTF is compared in test/core-relo/libbpf-agreement.test.ts.
 * Prints relocations per example and the agreement count.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileC, defaultCacheDir, ensureVmlinuxHeader } from "../../bench/codegen/clang-build.ts";
import { ensureGuestKernel, type GuestKernel } from "../../scripts/guest-kernel/fetch.ts";
import { agreement, buildExample, CORE_EXAMPLES, ROOT } from "../core-relo/agreement.ts";
import { capability, hasCommand } from "../support/env.ts";
import { guestReady } from "../support/qemu.ts";

const ready =
  guestReady("CO-RE agreement on the 6.1 kernel's BTF") &&
  capability("cc + libbpf-dev", hasCommand("cc"), "CO-RE agreement on the 6.1 kernel's BTF") &&
  capability("clang-19", hasCommand("clang-19"), "C twins' CO-RE on the 6.1 kernel's BTF");

describe.runIf(ready)("CO-RE relocations on Linux 6.1's BTF agree with libbpf", () => {
  let kernel: GuestKernel;
  const built = new Map<string, string>();
  beforeAll(async () => {
    kernel = ensureGuestKernel();
    for (const ex of CORE_EXAMPLES) built.set(ex, await buildExample(ex));
  }, 600_000);

  it("every relocation of every example and C twin: our value = libbpf's", () => {
    expect(kernel.release).toMatch(/^6\.1\./);
    expect(built.size).toBeGreaterThanOrEqual(4);
    const cache = defaultCacheDir();
    ensureVmlinuxHeader(cache);
    let equal = 0;
    let total = 0;
    for (const [ex, path] of built) {
      const a = agreement(path, kernel.btf);
      const c = join(ROOT, "bench/c", ex.replace(/\.ts$/, ".bpf.c"));
      const twin = existsSync(c) ? agreement(compileC(c, cache).path, kernel.btf) : undefined;
      console.log(
        `${ex}: ${a.equal}/${a.total} relocations equal to libbpf on Linux ${kernel.release}` +
          (twin ? `; C twin ${twin.equal}/${twin.total}` : ""),
      );
      equal += a.equal + (twin?.equal ?? 0);
      total += a.total + (twin?.total ?? 0);
    }
    console.log(`all: ${equal}/${total} relocations equal to libbpf on Linux ${kernel.release}`);
    expect(total).toBeGreaterThan(0);
    expect(equal).toBe(total);
  }, 300_000);
});
