/**
 * tsbpf/test coverage: the interpreter's slot and jump counters mapped to the probe's TS lines and
 * branch directions, merged across processes, written as lcov that genhtml reads.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { collectCoverage, resetCoverage, type CoverageReport } from "../../testing/coverage.ts";
import {
  coverageTotals,
  formatLcov,
  lcovTotals,
  mergeReports,
} from "../../testing/coverage-lcov.ts";
import { ethernet, ipv4, ipv4Word, loadProbe, packet, tcp } from "../../testing/index.ts";
import { capability, hasCommand } from "../support/env.ts";

const FILE = resolve("examples/xdp-firewall.ts");
const source = readFileSync(FILE, "utf8").split("\n");
/** The 1-based line holding `text` (unique in the file). */
const lineOf = (text: string) => {
  const hits = source.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  expect(hits, text).toHaveLength(1);
  return hits[0]!;
};
type Firewall = typeof import("../../examples/xdp-firewall.ts");

describe("coverage", () => {
  it("counts the lines and branch directions a run took, and none of the rest", async () => {
    resetCoverage();
    const p = await loadProbe<Firewall>(FILE, { coverage: true });
    const arp = packet(ethernet({ type: 0x0806 }), new Uint8Array(28));
    p.program("firewall").run({ packet: arp });
    p.program("firewall").run({ packet: arp });
    const f = collectCoverage()[FILE]!;
    expect(f).toBeDefined();
    const protoCheck = lineOf("eth.value.h_proto !== htons(ETH_P_IP)");
    const ipHeader = lineOf("ctx.header<Ipv4Hdr>(ETH_HLEN)");
    const drop = lineOf("return countVerdict(XDP_DROP)");
    expect(f.lines[lineOf("ctx.header<EthHdr>(0)")]).toBe(2);
    expect(f.lines[protoCheck]).toBe(2);
    // Never reached: instrumented with a zero count.
    expect(f.lines[ipHeader]).toBe(0);
    expect(f.lines[drop]).toBe(0);
    // The EtherType test went one way twice; its other direction never.
    const blocks = Object.values(f.branches[protoCheck]!);
    expect(blocks.length).toBeGreaterThan(0);
    const [taken, fell, reached] = blocks[0]!;
    expect(reached).toBe(2);
    expect([taken, fell].sort()).toEqual([0, 2]);
    expect(f.functions.firewall).toEqual({ line: expect.any(Number), hits: 2 });
    expect(f.functions.countVerdict!.hits).toBe(2);

    // A blocklisted IPv4 packet then covers every line.
    p.map("blocklist").set(ipv4Word("10.0.0.1"), 0);
    const ip = packet(ethernet(), ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }), tcp());
    p.program("firewall").run({ packet: ip });
    const all = collectCoverage()[FILE]!;
    expect(Object.values(all.lines).every((n) => n > 0)).toBe(true);
    expect(all.lines[drop]).toBe(1);
    resetCoverage();
  });

  it("merges reports by summing and formats lcov tracefile records", async () => {
    const a = {
      "/p.ts": {
        lines: { 3: 1, 4: 0 },
        branches: { 3: { "f@2": [1, 0, 1] as [number, number, number] } },
        functions: { f: { line: 3, hits: 1 } },
      },
    };
    const b = {
      "/p.ts": {
        lines: { 3: 2, 4: 1 },
        branches: { 3: { "f@2": [0, 2, 2] as [number, number, number] } },
        functions: { f: { line: 3, hits: 2 } },
      },
    };
    const merged = mergeReports([a, b]);
    expect(merged["/p.ts"]!.lines).toEqual({ 3: 3, 4: 1 });
    expect(merged["/p.ts"]!.branches[3]).toEqual({ "f@2": [1, 2, 3] });
    expect(formatLcov(merged)).toBe(
      [
        "TN:",
        "SF:/p.ts",
        "FN:3,f",
        "FNDA:3,f",
        "FNF:1",
        "FNH:1",
        "BRDA:3,0,0,1",
        "BRDA:3,0,1,2",
        "BRF:2",
        "BRH:2",
        "DA:3,3",
        "DA:4,1",
        "LF:2",
        "LH:2",
        "end_of_record",
        "",
      ].join("\n"),
    );
    expect(formatLcov(a)).toContain("BRDA:3,0,1,0\n"); // reached, not taken: 0, not "-"
    expect(
      formatLcov({
        "/q.ts": { lines: { 1: 0 }, branches: { 1: { "g@0": [0, 0, 0] } }, functions: {} },
      }),
    ).toContain("BRDA:1,0,0,-\nBRDA:1,0,1,-\n");
    expect(coverageTotals(merged)).toEqual([
      { file: "/p.ts", lines: 2, linesHit: 2, branches: 2, branchesHit: 2 },
    ]);
  });

  it("reads the totals back from a tracefile, with or without its LF/LH/BRF/BRH lines", () => {
    const report: CoverageReport = {
      "/a.ts": {
        lines: { 1: 4, 2: 0, 5: 1 },
        branches: { 1: { "f@0": [3, 0, 3] as [number, number, number] } },
        functions: {},
      },
      "/b.ts": { lines: { 7: 0 }, branches: { 7: { "g@1": [0, 0, 0] } }, functions: {} },
    };
    const text = formatLcov(report);
    expect(lcovTotals(text)).toEqual(coverageTotals(report));
    const bare = text
      .split("\n")
      .filter((l) => !/^(LF|LH|BRF|BRH):/.test(l))
      .join("\n");
    expect(lcovTotals(bare)).toEqual([
      { file: "/a.ts", lines: 3, linesHit: 2, branches: 2, branchesHit: 1 },
      { file: "/b.ts", lines: 1, linesHit: 0, branches: 2, branchesHit: 0 },
    ]);
  });

  it.runIf(capability("genhtml (lcov)", hasCommand("genhtml", ["--version"]), "lcov output"))(
    "genhtml renders the lcov of a real run",
    async () => {
      resetCoverage();
      const p = await loadProbe<Firewall>(FILE, { coverage: true });
      p.program("firewall").run({
        packet: packet(ethernet(), ipv4({ src: "1.1.1.1", dst: "2.2.2.2" }), tcp()),
      });
      const dir = mkdtempSync(join(tmpdir(), "tsbpf-lcov-"));
      try {
        writeFileSync(join(dir, "lcov.info"), formatLcov(collectCoverage()));
        const out = execFileSync(
          "genhtml",
          ["--branch-coverage", "-o", join(dir, "html"), join(dir, "lcov.info")],
          { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
        expect(out).toMatch(/lines\.+: \d+\.\d% \(\d+ of 13 lines\)/);
        expect(out).toMatch(/functions\.+: 100\.0% \(2 of 2 functions\)/);
        expect(readFileSync(join(dir, "html", "index.html"), "utf8")).toContain("examples");
      } finally {
        rmSync(dir, { recursive: true, force: true });
        resetCoverage();
      }
    },
  );
});
