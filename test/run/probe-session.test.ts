/**
 * tsbpf/user against the live kernel: `openProbe<typeof import("./probe.ts")>` compiles a probe,
 * attaches it, and gives its exported maps and ring buffer with the probe's own types (checked by
 * `tsc`: the assignments below fail to type-check if the typings are wrong); records a full queue
 * drops are reported as "N events lost", in the API, text and JSON.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  formatEventJson,
  formatEventText,
  LiveSession,
  openProbe,
  type SessionEvent,
} from "../../runtime/user/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import type * as probe from "./fixtures/typed-probe.ts";
import type * as inboxProbe from "./fixtures/inbox-probe.ts";

const PROBE = join(import.meta.dirname, "fixtures/typed-probe.ts");
const INBOX = join(import.meta.dirname, "fixtures/inbox-probe.ts");
const live = kernelReady("tsbpf/user on the live kernel");

/** getppid(2) `n` times from this process (libuv calls it on every read of process.ppid). */
function getppid(n: number): void {
  let x = 0;
  for (let i = 0; i < n; i++) x += process.ppid;
  expect(x).toBeGreaterThan(0);
}

describe.runIf(live)("tsbpf/user: openProbe", () => {
  it("writes typed samples into the probe's UserRingBuf, which its program drains", async () => {
    const s = await openProbe<typeof inboxProbe>(INBOX);
    try {
      const wrote: boolean[] = [
        s.inputs.inbox.write({ id: 1, amount: 10 }),
        s.inputs.inbox.write({ id: 2, amount: 5 }),
        s.inputs.inbox.write({ id: 1, amount: 7 }),
      ];
      expect(wrote).toEqual([true, true, true]);
      getppid(1);
      const totals: [number, number][] = s.maps.totals.entries();
      expect(totals.sort((a, b) => a[0] - b[0])).toEqual([
        [1, 17],
        [2, 5],
      ]);
    } finally {
      await s.close();
    }
  }, 60_000);

  it("types maps and records from the probe file, and reads them live", async () => {
    const s = await openProbe<typeof probe>(PROBE);
    try {
      const got: { pid: number; comm: string; addr: string; calls: number }[] = [];
      const reading = (async () => {
        for await (const ev of s.events.calls) {
          if (ev.pid !== process.pid) continue;
          got.push(ev);
          if (got.length === 5) break;
        }
      })();
      getppid(5);
      await reading;
      const count: number | undefined = s.maps.counts.get(process.pid);
      expect(count).toBe(5);
      expect(got.map((e) => e.calls)).toEqual([1, 2, 3, 4, 5]);
      expect(got[0]!.addr).toBe("10.0.0.2");
      expect(got[0]!.comm).toBe(readFileSync("/proc/self/comm", "utf8").trim().slice(0, 15));
      s.maps.counts.set(process.pid, 100);
      getppid(1);
      expect(s.maps.counts.get(process.pid)).toBe(101);
      const entries: [number, number][] = s.maps.counts.entries();
      expect(entries).toContainEqual([process.pid, 101]);
      expect(s.maps.counts.delete(process.pid)).toBe(true);
      expect(s.counts().get("calls")?.userLost).toBe(0n);
    } finally {
      await s.close();
    }
  }, 60_000);

  it("reports records its full queue dropped as N events lost (API, text, JSON)", async () => {
    const out = await compileSource(readFileSync(PROBE, "utf8"), PROBE, { emit: "obj" });
    // No room for a single record: every one read from the kernel is dropped and counted.
    const s = LiveSession.open(out.object!, { maxQueuedBytes: 0 });
    try {
      getppid(20);
      const events: SessionEvent[] = s.poll();
      const lost = events.filter((e) => e.kind === "lost");
      expect(lost).toHaveLength(1);
      const e = lost[0]!;
      expect(e).toMatchObject({ kind: "lost", map: "calls", source: "user" });
      const n = e.kind === "lost" ? e.count : 0n;
      expect(n).toBeGreaterThanOrEqual(20n);
      expect(s.counts().get("calls")).toEqual({
        records: 0n,
        kernelLost: 0n,
        userLost: n,
        probeLost: 0n,
      });
      expect(formatEventText(e)).toBe(
        `calls: ${n} events lost (tsbpf's own: its queue of unread records was full)`,
      );
      expect(JSON.parse(formatEventJson(e))).toEqual({
        type: "lost",
        map: "calls",
        count: Number(n),
        source: "user",
      });
    } finally {
      await s.close();
    }
  }, 60_000);
});
