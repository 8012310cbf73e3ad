/**
 * Verifier counts in golden listings: `compileProbe(file, { verifier: true })` loads every program
 * into the running kernel and records the verifier's processed-instruction count per program (the
 * kernel's bpf_prog_info.verified_insns, as runtime/loader reads it), and the header names the kernel
 * they were measured on. A golden made without them says so when compared with one made with them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { release } from "node:os";
import { describe, expect, it } from "vitest";
import { loadObject } from "../../runtime/loader/index.ts";
import { compareGolden, compileProbe } from "../../testing/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { tsbpf } from "../build/support.ts";

const ROOT = join(import.meta.dirname, "../..");

describe("verifier counts", () => {
  it("are the kernel's, per program, and only in a listing that asked for them", async (ctx) => {
    if (!kernelReady("verifier counts in bytecode goldens")) return ctx.skip();
    const file = join(ROOT, "examples/xdp-firewall.ts");
    const measured = await compileProbe(file, { verifier: true });
    const plain = await compileProbe(file);
    expect(measured.golden).toContain(`# verifier: measured on Linux ${release()}`);
    const counts = [
      ...measured.listing.matchAll(/^program (\w+): .*, verifier processed (\d+)$/gm),
    ];
    expect(counts.map((m) => m[1])).toEqual(["firewall"]);
    // The same number the loader reports for the same object.
    const loaded = loadObject(measured.object);
    try {
      expect(Number(counts[0]![2])).toBe(loaded.program("firewall").verifiedInsns);
    } finally {
      loaded.close();
    }
    expect(Number(counts[0]![2])).toBeGreaterThan(0);
    expect(plain.listing).not.toContain("verifier processed");
    const r = compareGolden(plain.golden, "fw.bpf.golden", measured, "UPDATE");
    expect(r.pass).toBe(false);
    expect(r.message).toContain(`verifier counts not measured; now measured on Linux ${release()}`);
    expect(r.message).toMatch(/program firewall: verifier processed - → \d+/);
  });

  it("`tsbpf golden update --verifier` records them, and check rebuilds the same way", (ctx) => {
    if (!kernelReady("verifier counts through tsbpf golden")) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-golden-verifier-"));
    try {
      writeFileSync(join(dir, "tsbpf.json"), "{}");
      cpSync(join(ROOT, "examples/xdp-counter.ts"), join(dir, "probe.ts"));
      const up = tsbpf(["golden", "update", "probe.ts", "--verifier"], { cwd: dir });
      expect(up.code, up.stderr).toBe(0);
      const text = readFileSync(join(dir, "probe.bpf.golden"), "utf8");
      expect(text).toContain(`# verifier: measured on Linux ${release()}`);
      expect(text).toMatch(/^program countProtocols: .*, verifier processed \d+$/m);
      // The header says counts were measured, so a plain check measures them again.
      const check = tsbpf(["golden", "check", "probe.bpf.golden"], { cwd: dir });
      expect(check.code, check.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
