/**
 * The end-of-run skip summary (issue 14 item 9): skipped tests are counted per file and grouped by
 * the reason `capability()` recorded, in one block, instead of one line per capability check.
 */
import { describe, expect, it } from "vitest";
import { formatSkipSummary, groupSkips } from "./skip-summary.ts";

describe("skip summary", () => {
  it("counts tests, not capability checks, and groups them by reason", () => {
    const skipped = new Map([
      ["test/kernel/map.test.ts", 5],
      ["test/kernel/attach.test.ts", 7],
      ["test/build/real-tools.test.ts", 3],
      ["test/ir/parse.test.ts", 0],
      ["test/vm-engine/x.test.ts", 1],
    ]);
    const records = [
      { file: "test/kernel/map.test.ts", reason: "needs root + bpf()" },
      { file: "test/kernel/map.test.ts", reason: "needs root + bpf()" },
      { file: "test/kernel/attach.test.ts", reason: "needs root + bpf()" },
      { file: "test/build/real-tools.test.ts", reason: "needs bpftool" },
    ];
    expect(formatSkipSummary(groupSkips(skipped, records))).toBe(
      [
        "[tsbpf] SKIPPED 16 tests, by reason:",
        "  12 tests in 2 files: needs root + bpf()",
        "    test/kernel/attach.test.ts, test/kernel/map.test.ts",
        "  3 tests in 1 file: needs bpftool",
        "    test/build/real-tools.test.ts",
        "  1 test in 1 file: no capability recorded (it.skip or a condition)",
        "    test/vm-engine/x.test.ts",
        "",
      ].join("\n"),
    );
  });

  it("says nothing when nothing was skipped", () => {
    expect(formatSkipSummary(groupSkips(new Map([["a.test.ts", 0]]), []))).toBe("");
  });
});
