/**
 * The unprivileged runner the "without privileges" tests use (test/support/unprivileged.ts) reaches
 * files under a directory other users cannot enter, as a checkout in a 0700 home is (issue 14 item
 * 2: `runuser -u nobody` failed there with "Cannot find module"), yet has no access to bpf().
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capability } from "../support/env.ts";
import { canDropPrivileges, NOBODY, runUnprivileged } from "../support/unprivileged.ts";

const run = capability("root + setpriv", canDropPrivileges(), "unprivileged runner");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-private-")); // mkdtemp makes it 0700
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(run)("running as nobody from a private checkout", () => {
  it("node as nobody runs a script inside a 0700 directory", () => {
    const script = join(dir, "who.mjs");
    writeFileSync(script, "process.stdout.write(String(process.getuid()));\n");
    const r = runUnprivileged(process.execPath, [script]);
    expect(r).toMatchObject({ code: 0, stdout: String(NOBODY) });
  });

  it("but cannot write there, and holds no capability besides reading", () => {
    const r = runUnprivileged("sh", ["-c", `touch ${dir}/x; grep CapEff /proc/self/status`]);
    expect(r.stderr).toMatch(/Permission denied/);
    // CAP_DAC_READ_SEARCH is bit 2: the effective set is exactly 0x4.
    expect(r.stdout).toMatch(/^CapEff:\s+0000000000000004$/m);
  });
});
