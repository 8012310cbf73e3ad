/**
 * Failed ring-buffer reserves are reported, not lost silently: a probe that counts them in its
 * `<buffer>Lost` map (test/run/fixtures/lost-probe.ts, a 4 KiB ring of 3000-byte records) under a
 * burst of getppid(2) calls; the live session reports the count as "N events lost" (source
 * `probe`) in the API, text and JSON, and every attempt the probe counted is either a delivered
 * record or a counted loss.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  formatEventJson,
  formatEventText,
  LiveSession,
  type SessionEvent,
} from "../../runtime/user/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const PROBE = join(import.meta.dirname, "fixtures/lost-probe.ts");
const live = kernelReady("failed reserves counted by the probe");

/** Sum of a one-u64 per-CPU array's values. */
function perCpuSum(s: LiveSession, name: string): bigint {
  const v = s.loaded.map(name).lookupPerCpu(new Uint8Array(4)) ?? [];
  return v.reduce((a, b) => a + new DataView(b.buffer, b.byteOffset).getBigUint64(0, true), 0n);
}

describe.runIf(live)("a probe's count of failed reserves", () => {
  it("is reported as N events lost, and records + lost = attempts", async () => {
    const out = await compileSource(readFileSync(PROBE, "utf8"), PROBE, { emit: "obj" });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const s = LiveSession.open(out.object!);
    try {
      let x = 0;
      for (let i = 0; i < 20_000; i++) x += process.ppid; // libuv: one getppid(2) per read
      expect(x).toBeGreaterThan(0);
      s.detach();
      const events: SessionEvent[] = s.poll();
      const lost = events.filter((e) => e.kind === "lost");
      const attempts = perCpuSum(s, "attempts");
      const c = s.counts().get("calls")!;
      expect(attempts).toBeGreaterThanOrEqual(20_000n);
      expect(c.probeLost).toBeGreaterThan(0n);
      expect(c.probeLost).toBe(perCpuSum(s, "callsLost"));
      expect(c.records + c.probeLost).toBe(attempts);
      expect(c.records).toBe(BigInt(events.filter((e) => e.kind === "record").length));
      expect(lost).toEqual([{ kind: "lost", map: "calls", count: c.probeLost, source: "probe" }]);
      expect(formatEventText(lost[0]!)).toBe(
        `calls: ${c.probeLost} events lost (the probe's count: reserve() found the ring buffer full)`,
      );
      expect(JSON.parse(formatEventJson(lost[0]!))).toEqual({
        type: "lost",
        map: "calls",
        count: Number(c.probeLost),
        source: "probe",
      });
    } finally {
      await s.close();
    }
  }, 60_000);

  it("a counter of another shape is named in a warning and not read", async () => {
    const src = readFileSync(PROBE, "utf8")
      .replace(
        "export const callsLost = new PerCpuArray<u64>({ maxEntries: 1 });",
        "export const callsLost = new HashMap<u32, u64>({ maxEntries: 1 });",
      )
      .replace("import {", "import { HashMap,");
    expect(src).toContain("new HashMap<u32, u64>");
    const out = await compileSource(src, PROBE, { emit: "obj" });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const status: string[] = [];
    const s = LiveSession.open(out.object!, { onStatus: (l) => status.push(l) });
    try {
      expect(status).toContain(
        "warning: map callsLost is not read as calls's count of failed reserves: it must be an " +
          "ArrayMap<u64> or PerCpuArray<u64> (key u32, value u64)",
      );
      for (let i = 0; i < 2000; i++) void process.ppid;
      s.detach();
      s.poll();
      expect(s.counts().get("calls")!.probeLost).toBe(0n);
    } finally {
      await s.close();
    }
  }, 60_000);
});
