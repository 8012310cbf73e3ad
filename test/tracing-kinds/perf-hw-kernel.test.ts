/**
 * perf_event programs on hardware counters: `tsbpf run --perf-event cycles` opens
 * PERF_TYPE_HARDWARE events. This machine's PMU decides the outcome, and the test checks the one
 * that applies: with a cpu PMU in sysfs the probe runs; without one (most VMs, this one) the run
 * fails with exactly the loader's explanation naming the kernel release. `--perf-event cpu-clock`
 * always runs.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelReady } from "../support/kernel-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = kernelReady("perf_event hardware counter tests");
const hasPmu = readdirSync("/sys/bus/event_source/devices").some((d) => /^cpu(_|$)/.test(d));

function tsbpfRun(event: string) {
  return spawnSync(
    process.execPath,
    [
      join(ROOT, "bin/tsbpf.js"),
      "run",
      "--perf-event",
      event,
      "--duration",
      "1",
      join(ROOT, "examples/profile.ts"),
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
}

describe.skipIf(!run)("perf_event hardware counters", () => {
  it(`cycles: ${hasPmu ? "sampled through the cpu PMU" : "refused: this machine has no hardware PMU"}`, () => {
    const r = tsbpfRun("cycles");
    if (hasPmu) {
      expect(r.status).toBe(0);
      return;
    }
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `failed: ENOENT: this machine (Linux ${release()}) has no hardware PMU: /sys/bus/event_source/devices lists no cpu PMU`,
    );
  });

  it("cpu-clock runs, and an unknown event name is one clear error", () => {
    expect(tsbpfRun("cpu-clock").status).toBe(0);
    const bad = tsbpfRun("cycels");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--perf-event must be one of cycles, instructions/);
  });
});
