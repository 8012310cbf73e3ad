/**
 * examples/tcp-reno.ts under tsbpf/test. In the VM each member program runs on its arguments: a
 * `struct tcp_sock` built by KernelHeap at this kernel's offsets (vmlinux BTF) with the
 * `snd_cwnd` the test gives, and ssthresh returns half of it (at least 2), undo_cwnd all of it, each
 * call counted in `calls`. On the kernel BPF_PROG_TEST_RUN has no runner for a
 * tcp_congestion_ops member, which the probe says; `trigger` registers the map while its action
 * runs, and a loopback connection that selects tsbpf_reno makes the kernel call init once and
 * cong_avoid per ACK.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KernelHeap, kernelReady, loadProbe } from "../../testing/index.ts";
import { capability, hasCommand, hasVmlinuxBtf } from "../support/env.ts";

type Reno = typeof import("../../examples/tcp-reno.ts");
const FILE = "examples/tcp-reno.ts";
const HELPER = join(import.meta.dirname, "../kernel/fixtures/tcp-congestion.py");
const AVAILABLE = "/proc/sys/net/ipv4/tcp_available_congestion_control";
const hasBtf = hasVmlinuxBtf("struct_ops members are typed from /sys/kernel/btf/vmlinux");

describe.skipIf(!hasBtf)("tcp-reno in the VM", () => {
  it("ssthresh halves snd_cwnd (floor 2), undo_cwnd keeps it, each call counted", async (ctx) => {
    const heap = new KernelHeap();
    const sk = (cwnd: number) => heap.struct("tcp_sock", { snd_cwnd: cwnd });
    const [wide, narrow, one] = [sk(10), sk(3), sk(1)];
    const p = await loadProbe<Reno>(FILE, {
      target: "vm",
      test: ctx,
      coreBtf: heap.btf,
      kernelMemory: heap.ranges(),
    });
    const ssthresh = (s: bigint) => p.program("reno_ssthresh").run({ args: [s] }).ret;
    expect([wide, narrow, one].map(ssthresh)).toEqual([5, 2, 2]);
    expect(p.program("reno_undo_cwnd").run({ args: [wide] }).ret).toBe(10);
    p.program("reno_cong_avoid").run({ args: [wide, 1, 1] });
    p.program("reno_init").run({ args: [wide] });
    p.program("reno_init").run({ args: [narrow] });
    expect(p.map("calls").entries()).toEqual([
      [0, 3],
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 0],
    ]);
  });
});

const live =
  hasBtf &&
  kernelReady("tcp-reno kernel probe") &&
  capability("python3", hasCommand("python3"), "the tcp-reno connection");

describe.skipIf(!live)("tcp-reno on the kernel target", () => {
  it("a member run on an input is refused by name; trigger registers the map while it runs", async (ctx) => {
    const p = await loadProbe<Reno>(FILE, { target: "kernel", test: ctx });
    expect(() => p.program("reno_ssthresh").run({ args: [0] })).toThrow(
      "the kernel cannot run program reno_ssthresh (STRUCT_OPS) on a given input",
    );
    let during = "";
    let connection: unknown;
    await p.trigger(() => {
      during = readFileSync(AVAILABLE, "utf8");
      connection = JSON.parse(
        execFileSync("python3", [HELPER, "tsbpf_reno", String(1 << 20)], { encoding: "utf8" }),
      );
    });
    expect(during.split(/\s+/)).toContain("tsbpf_reno");
    expect(connection).toEqual({ congestion: "tsbpf_reno", received: 1 << 20 });
    expect(readFileSync(AVAILABLE, "utf8").split(/\s+/)).not.toContain("tsbpf_reno");
    expect(p.map("calls").get(3)).toBe(1); // init, once for the one connection
    expect(p.map("calls").get(2)).toBeGreaterThan(0); // cong_avoid
  });
});
