/**
 * The second kernel (issue 10 item 5): Debian bookworm's Linux 6.1 booted under QEMU
 * (test/support/qemu.ts), where every example object, built once on the host, loads with our
 * loader (`tsbpf prog load`, the loader of the checkout, run by the host's node in the guest) and
 * with libbpf (`bpftool prog loadall`), and where the kernel serves the BTF that
 * scripts/guest-kernel extracts from its vmlinuz. The tracing examples attach and report there in
 * test/guest/tracing.test.ts. Boot and test times are printed at the end.
 *
 * Run with `npm run test:kernels` (also part of `.ci/run`); not part of `npm test`: QEMU's software
 * emulation is CPU-heavy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { readBpfObject } from "../../core/object/index.ts";
import { UNKNOWN_TO_BPFTOOL } from "../support/own-loader.ts";
import { bootGuest, guestReady, type Guest } from "../support/qemu.ts";
import { buildExamplesInto, EXAMPLES, ROOT } from "./support.ts";

const ready = guestReady("examples on the 6.1 guest kernel");

describe.runIf(ready)("examples on Linux 6.1 (QEMU guest)", () => {
  let guest: Guest;
  let programs: Map<string, string[]>;
  const started = Date.now();
  beforeAll(async () => {
    guest = await bootGuest();
    programs = await buildExamplesInto(guest.box);
  }, 600_000);
  afterAll(async () => {
    await guest?.close();
    if (guest)
      process.stderr.write(
        `[tsbpf] guest ${guest.release}: boot ${(guest.bootMs / 1000).toFixed(1)} s, ` +
          `load tests ${((Date.now() - started - guest.bootMs) / 1000).toFixed(1)} s\n`,
      );
  }, 60_000);

  it("is the 6.1 kernel, serving exactly the BTF extracted from its vmlinuz", async () => {
    expect(guest.release).toBe(guest.kernel.release);
    expect(guest.release).toMatch(/^6\.1\./);
    // The cache entry is visible in the guest at its host path (the guest sees the host's files).
    const r = await guest.run(`cmp /sys/kernel/btf/vmlinux ${guest.kernel.btf} && echo same`);
    expect(r.output.trim()).toBe("same");
    expect(r.code).toBe(0);
  });

  for (const name of EXAMPLES) {
    it(`${name} loads with tsbpf's loader`, async () => {
      const r = await guest.run(`cd ${ROOT} && node bin/tsbpf.js prog load ${guest.box}/${name}.o`);
      expect(r.output).not.toMatch(/^\s+at /m);
      expect(r.code, r.output).toBe(0);
      for (const p of programs.get(name)!)
        expect(r.output).toMatch(
          new RegExp(`^${p}: \\S+ \\(section .*\\), id \\d+, \\d+ insns verified$`, "m"),
        );
    }, 240_000);

    it(`${name} loads with libbpf (bpftool prog loadall)`, async () => {
      const pins = `/sys/fs/bpf/tsbpf-${name}`;
      const r = await guest.run(
        `bpftool prog loadall ${guest.box}/${name}.o ${pins} || exit $?\n` +
          `ls ${pins}; rm -r ${pins}`,
      );
      if (UNKNOWN_TO_BPFTOOL.test(r.output)) {
        // The installed bpftool's libbpf (1.1) predates the section name (uprobe.multi: libbpf
        // 1.3) and refuses before the kernel sees the object; tsbpf's loader loaded it above.
        const sections = readBpfObject(readFileSync(`${guest.box}/${name}.o`)).programs.map(
          (p) => p.section,
        );
        expect(
          sections.some((s) => /^u(ret)?probe\.multi\//.test(s)),
          r.output,
        ).toBe(true);
        return;
      }
      expect(r.code, r.output).toBe(0);
      expect(r.output.trim().split("\n").sort()).toEqual([...programs.get(name)!].sort());
    }, 240_000);
  }
});
