/**
 * USDT on the live kernel: a gcc-built binary with a <sys/sdt.h> probe (systemtap-sdt-dev) has its
 * `.note.stapsdt` note read like libbpf does (provider, name, site, argument specs, matching
 * readelf -n), and a usdt program attached at the site counts exactly the probe's firings.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { readUsdtProbes } from "../../runtime/loader/index.ts";
import { LiveSession } from "../../runtime/user/index.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("USDT tests");
const sdt =
  run &&
  capability(
    "gcc + <sys/sdt.h> (systemtap-sdt-dev)",
    hasCommand("gcc") && existsSync("/usr/include/x86_64-linux-gnu/sys/sdt.h"),
    "USDT tests",
  );

const TARGET_C = `
#include <sys/sdt.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  for (int i = 0; i < n; i++) DTRACE_PROBE2(tsbpf, tick, i, n);
  return 0;
}
`;

describe.skipIf(!sdt)("USDT probes on the kernel", () => {
  let dir = "";
  let bin = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-usdt-"));
    writeFileSync(join(dir, "t.c"), TARGET_C);
    bin = join(dir, "t");
    execFileSync("gcc", ["-O1", "-o", bin, join(dir, "t.c")]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the probe's note as readelf -n shows it", () => {
    const probes = readUsdtProbes(bin);
    expect(probes.map((p) => `${p.provider}:${p.name}`)).toEqual(["tsbpf:tick"]);
    const text = execFileSync("readelf", ["-n", bin], { encoding: "utf8" });
    const loc = /Location: 0x([0-9a-f]+)/.exec(text)![1]!;
    const args = /Arguments: (.*)/.exec(text)![1]!.trim();
    expect(probes[0]!.address).toBe(parseInt(loc, 16));
    expect(probes[0]!.argText).toBe(args);
    expect(probes[0]!.args).toHaveLength(2);
    expect(probes[0]!.args.every((a) => a.size === 4 && a.signed)).toBe(true);
  });

  it("a usdt program counts every firing of the probe", async () => {
    const out = await compileSource(
      `
      import { HashMap, atomicAdd, getCurrentPidTgid, u32, u64, usdt } from "tsbpf";
      export const byPid = new HashMap<u32, u64>({ maxEntries: 64 });
      export const onTick = usdt("${bin}:tsbpf:tick", () => {
        const pid = u32(getCurrentPidTgid() >> 32);
        const c = byPid.lookup(pid);
        if (c === null) byPid.update(pid, 1);
        else atomicAdd(c.value, 1);
        return 0;
      });
      export const license = "GPL";
    `,
      "tick.ts",
      { emit: "obj", check: true },
    );
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const s = LiveSession.open(out.object!);
    try {
      execFileSync(bin, ["25"]);
      s.detach();
      const m = s.typedMaps().find((x) => x.name === "byPid")!;
      expect(m.entries().map((e) => Number(e.value))).toEqual([25]);
    } finally {
      await s.close();
    }
  });
});
