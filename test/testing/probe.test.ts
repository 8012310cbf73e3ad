/**
 * tsbpf/test's probe API on xdp-firewall and opensnoop: runs, named return values, typed maps and
 * events, per-CPU values, printk, trigger, the kernel target (BPF_PROG_TEST_RUN, attached
 * tracepoints) and the errors of misuse. Types are checked with expectTypeOf (tsc runs them).
 */
import { openSync, closeSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ethernet,
  ipv4,
  ipv4Word,
  loadProbe,
  packet,
  ProbeCompileError,
  tcp,
  tracepointContext,
  type Probe,
} from "../../testing/index.ts";

const O_CLOEXEC = 0o2000000;
const FIREWALL = "examples/xdp-firewall.ts";
const OPENSNOOP = "examples/opensnoop.ts";
type Firewall = typeof import("../../examples/xdp-firewall.ts");
type Opensnoop = typeof import("../../examples/opensnoop.ts");

const from = (src: string) =>
  packet(ethernet(), ipv4({ src, dst: "10.0.0.254" }), tcp({ sport: 1234, dport: 80 }));

for (const target of ["vm", "kernel"] as const) {
  describe(`xdp-firewall on the ${target}`, () => {
    it("drops blocklisted sources and counts them in the probe's own types", async (ctx) => {
      const p = await loadProbe<Firewall>(FIREWALL, { target, test: ctx });
      const blocklist = p.map("blocklist");
      blocklist.set("10.0.0.1", 0); // the key is an Ipv4Addr: its text, or ipv4Word's number
      expect(blocklist.get(ipv4Word("10.0.0.1"))).toBe(0);
      const fw = p.program("firewall");
      expect(fw.progType).toBe("XDP");
      const dropped = fw.run({ packet: from("10.0.0.1") });
      expect(dropped.ret).toBe(1);
      expect(dropped.retName).toBe("XDP_DROP");
      expect(dropped.packetOut).toEqual(from("10.0.0.1"));
      expect(fw.run({ packet: from("10.0.0.2") }).retName).toBe("XDP_PASS");
      expect(fw.run({ packet: from("10.0.0.1"), repeat: 3 }).retName).toBe("XDP_DROP");
      expect(blocklist.get(ipv4Word("10.0.0.1"))).toBe(4);
      expect(blocklist.get(ipv4Word("10.0.0.2"))).toBeUndefined();
      expect(blocklist.entries()).toEqual([["10.0.0.1", 4]]);
      const verdicts = p.map("verdicts");
      expect(verdicts.kind).toBe("percpu_array");
      expect(verdicts.get(1)).toBe(4); // XDP_DROP, summed over CPUs
      expect(verdicts.get(2)).toBe(1);
      expect(blocklist.delete(ipv4Word("10.0.0.1"))).toBe(true);
      expect(blocklist.delete(ipv4Word("10.0.0.1"))).toBe(false);
      expect(fw.run({ packet: from("10.0.0.1") }).retName).toBe("XDP_PASS");

      expectTypeOf(blocklist.get).parameter(0).toEqualTypeOf<string | number>();
      expectTypeOf(blocklist.entries()).toEqualTypeOf<[string, number][]>();
      expectTypeOf(blocklist.get(1)).toEqualTypeOf<number | undefined>();
      expectTypeOf(verdicts.entries()).toEqualTypeOf<[number, number][]>();
      const typeOnly = (f: () => void) => void f; // checked by tsc, never run
      typeOnly(() => {
        // An unexported or misspelt map is untyped: its values are not numbers.
        // @ts-expect-error: the probe exports no map of this name
        p.map("blocklistt").get(1) satisfies number | undefined;
        // @ts-expect-error: verdict keys are integers, not addresses
        verdicts.set("10.0.0.1", 0);
      });
    });
  });

  describe(`opensnoop on the ${target}`, () => {
    it("reports an open as the probe's OpenEvent", async (ctx) => {
      const p = await loadProbe<Opensnoop>(OPENSNOOP, {
        target,
        test: ctx,
        process: { pid: 77, tgid: 77, uid: 5, comm: "cat" },
        userMemory: [{ address: 0x7000n, bytes: new TextEncoder().encode("/etc/hostname\0") }],
      });
      await p.trigger(() => closeSync(openSync("/etc/hostname", "r")), {
        vm: [
          {
            program: "traceOpenat",
            ctx: tracepointContext("syscalls/sys_enter_openat", {
              filename: 0x7000n,
              flags: O_CLOEXEC, // what Node's openSync(path, "r") passes
            }),
          },
        ],
      });
      const mine = p
        .events("events")
        .filter((e) => (target === "vm" ? true : e.pid === process.pid));
      expect(mine.length).toBeGreaterThanOrEqual(1);
      const ev = mine.find((e) => e.filename === "/etc/hostname");
      expect(ev).toMatchObject({ filename: "/etc/hostname", flags: O_CLOEXEC });
      if (target === "vm") expect(ev).toMatchObject({ pid: 77, uid: 5, comm: "cat" });
      else expect(ev?.uid).toBe(process.getuid!());
      expectTypeOf(ev!.pid).toEqualTypeOf<number>();
      expectTypeOf(ev!.filename).toEqualTypeOf<string>();
      // @ts-expect-error: OpenEvent has no such field
      void ev!.path;
    });
  });
}

describe("misuse", () => {
  it("names the problem: unknown programs and maps, packets for tracing programs", async () => {
    const p: Probe<Firewall> = await loadProbe<Firewall>(FIREWALL);
    expect(() => p.program("nope").run()).toThrow(/no program nope; the object has: firewall/);
    expect(() => p.map("nope")).toThrow(/no map nope/);
    const o = await loadProbe<Opensnoop>(OPENSNOOP);
    expect(() => o.program("traceOpenat").run({ packet: from("1.1.1.1") })).toThrow(
      /does not take a packet/,
    );
    await expect(o.trigger(() => undefined)).rejects.toThrow(/needs the runs that stand for/);
  });

  it("reports a probe that does not compile with file:line:col and a code frame", async () => {
    const err = await loadProbe("test/testing/fixtures/broken-probe.ts").catch((e) => e);
    expect(err).toBeInstanceOf(ProbeCompileError);
    expect(err.message).toMatch(/broken-probe\.ts:\d+:\d+/);
    expect(err.message).not.toMatch(/at .*\.ts:\d+:\d+\)/); // no stack trace
  });
});
