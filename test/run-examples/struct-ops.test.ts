/**
 * `tsbpf run examples/tcp-reno.ts` on the live kernel: the run registers the struct_ops map (its
 * status line on stderr names the map, the ops struct and the member programs), "tsbpf_reno" is a
 * congestion control a loopback connection can select while it runs (the kernel calls its init
 * once and cong_avoid per ACK: the `calls` counts printed at exit), and after the run the name is
 * gone from tcp_available_congestion_control and nothing of the run is left in the kernel.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capability, hasCommand } from "../support/env.ts";
import { countLines, expectNothingLeft, liveReady, ROOT, runExample } from "./support.ts";

const live =
  liveReady("tcp-reno example") &&
  capability(
    "python3",
    hasCommand("python3"),
    "the tcp-reno connection (setsockopt TCP_CONGESTION)",
  );
const AVAILABLE = "/proc/sys/net/ipv4/tcp_available_congestion_control";
const available = () => readFileSync(AVAILABLE, "utf8").trim().split(/\s+/);
const HELPER = join(ROOT, "test/kernel/fixtures/tcp-congestion.py");
const PROGRAMS = [
  "reno_ssthresh",
  "reno_cong_avoid",
  "reno_set_state",
  "reno_undo_cwnd",
  "reno_init",
];

describe.skipIf(!live)("tsbpf run: struct_ops", () => {
  it("registers tcp-reno while it runs and unregisters it on exit", async () => {
    expect(available()).not.toContain("tsbpf_reno");
    let during: string[] = [];
    let connection: unknown;
    const out = await runExample("tcp-reno", ["--duration", "3"], PROGRAMS, () => {
      during = available();
      connection = JSON.parse(
        execFileSync("python3", [HELPER, "tsbpf_reno", String(1 << 20)], { encoding: "utf8" }),
      );
    });
    if (out.code !== 0) throw new Error(`tsbpf run exited ${out.code}:\n${out.stderr}`);
    expect(out.stderr).toContain(
      `registered reno (struct_ops tcp_congestion_ops "tsbpf_reno": ${PROGRAMS.join(", ")})\n`,
    );
    expect(out.stderr).toContain("running 1 struct_ops map; stopping after 3s or Ctrl-C to stop");
    expect(during).toContain("tsbpf_reno");
    expect(connection).toEqual({ congestion: "tsbpf_reno", received: 1 << 20 });
    const calls = countLines(out.stdout, "calls");
    expect(calls.get("3")).toBe(1n); // init
    expect(calls.get("2")).toBeGreaterThan(0n); // cong_avoid
    // The map itself is not printed: its value is the ops struct, not data.
    expect(out.stdout).not.toContain("@reno");
    expect(available()).not.toContain("tsbpf_reno");
    expectNothingLeft(out);
  });
});
