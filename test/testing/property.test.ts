/**
 * tsbpf/test property helpers: generated frames run through the same program on the VM and the
 * live kernel must agree (return value, packet, maps), a planted disagreement is shrunk to a
 * minimal frame, and generated tracepoint records drive a VM-only property.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  agreeOnTargets,
  loadProbe,
  packetArbitrary,
  tracepointArbitrary,
} from "../../testing/index.ts";

type Firewall = typeof import("../../examples/xdp-firewall.ts");
type PortCount = typeof import("../../examples/tc-portcount.ts");
type Syscount = typeof import("../../examples/syscount.ts");

const sorted = <K extends number | string>(e: [K, number][]) =>
  e.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const BLOCKED = ["10.0.0.1", "192.168.7.7"];

describe("VM and kernel agree on generated frames", () => {
  it("xdp-firewall: verdicts, packets, blocklist hits and verdict counts", async (test) => {
    const runs = await agreeOnTargets<Firewall, unknown>("examples/xdp-firewall.ts", {
      program: "firewall",
      packets: packetArbitrary({ sources: BLOCKED }),
      runs: 300,
      load: { test },
      setup: (p) => BLOCKED.forEach((a) => p.map("blocklist").set(a, 0)),
      // Hash maps iterate in each implementation's own order: compare them sorted.
      observe: (p) => [sorted(p.map("blocklist").entries()), p.map("verdicts").entries()],
    });
    expect(runs).toBe(300);
  });

  it("tc-portcount: verdicts and the port counts", async (test) => {
    const runs = await agreeOnTargets<PortCount, unknown>("examples/tc-portcount.ts", {
      program: "portcount",
      // An skb test run needs the whole IPv4 / IPv6 header (the kernel refuses shorter frames).
      packets: packetArbitrary({ minLength: 14 + 40 }),
      runs: 300,
      load: { test },
      observe: (p) => sorted(p.map("portCounts").entries()),
    });
    expect(runs).toBe(300);
  });

  it("shrinks a disagreement to a minimal frame and names it", async (test) => {
    // A planted difference: the VM side "observes" frames longer than 60 bytes.
    const err = await agreeOnTargets<Firewall, boolean>("examples/xdp-firewall.ts", {
      program: "firewall",
      packets: packetArbitrary({ truncate: false }),
      runs: 300,
      seed: 42,
      load: { test },
      observe: (p, r) => p.target === "vm" && r.packetOut!.length > 60,
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const m = /VM and kernel disagree on ([0-9a-f]+):/.exec(String((err as Error).message));
    expect(m).not.toBeNull();
    // Shrunk from frames of up to ~200 bytes to one just over the planted threshold.
    expect(m![1]!.length / 2).toBe(61);
  });
});

describe("generated tracepoint records (VM)", () => {
  it("syscount counts every record once, by syscall id", async () => {
    const p = await loadProbe<Syscount>("examples/syscount.ts", { process: { pid: 9, tgid: 9 } });
    const ids = new Map<number, number>();
    fc.assert(
      fc.property(tracepointArbitrary("raw_syscalls/sys_enter"), (ctx) => {
        const id = Number(new DataView(ctx.buffer).getBigInt64(8, true) & 0xffffffffn);
        ids.set(id, (ids.get(id) ?? 0) + 1);
        expect(p.program("countSyscalls").run({ ctx }).ret).toBe(0);
      }),
      { numRuns: 200 },
    );
    // bySyscall is a 1024-entry hash: every id fits while there are at most 1024 of them.
    expect(new Map(p.map("bySyscall").entries())).toEqual(ids);
    expect(p.map("byPid").get(9)).toBe(200);
  });
});
