/**
 * The bytecode golden workflow of tsbpf/test as a user runs it: a project in a temporary folder with
 * a probe and a vitest test using `toMatchBytecodeGolden`, run by the real vitest in a child process.
 * A missing golden fails with the command that creates it; `-u` writes it; a change to the probe
 * fails with an instruction-level diff and count deltas; `-u` accepts it; a damaged golden is a clear
 * error. Also the listing itself: deterministic, and free of paths and offsets.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileProbe, listingDiff, MAX_DIFF_LINES } from "../../testing/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const VITEST = join(ROOT, "node_modules/vitest/vitest.mjs");
const dir = mkdtempSync(join(tmpdir(), "tsbpf-golden-workflow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEST_FILE = `import { expect, it } from "vitest";
import { bytecodeMatchers, compileProbe } from ${JSON.stringify(join(ROOT, "testing/index.ts"))};
expect.extend(bytecodeMatchers);

it("the firewall's bytecode is reviewed", async () => {
  expect(await compileProbe(new URL("./probe.ts", import.meta.url))).toMatchBytecodeGolden(
    "golden/probe.bpf.golden",
  );
}, 120_000);
`;

function vitest(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [VITEST, "run", "--root", dir, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("toMatchBytecodeGolden in a user's project, under the real vitest", () => {
  const golden = join(dir, "golden/probe.bpf.golden");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user-probes", type: "module" }));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  cpSync(join(ROOT, "examples/xdp-firewall.ts"), join(dir, "probe.ts"));
  writeFileSync(join(dir, "probe.test.ts"), TEST_FILE);

  it("fails without a golden, naming the command that creates it; -u writes it and it passes", () => {
    const missing = vitest();
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(
      "no bytecode golden golden/probe.bpf.golden for probe.ts; create it (then review and commit it): npx vitest run probe.test.ts -u",
    );
    const created = vitest("-u");
    expect(created.code, created.out).toBe(0);
    const text = readFileSync(golden, "utf8");
    expect(text.split("\n").slice(0, 5)).toEqual([
      "# tsbpf bytecode golden 1",
      "# source: probe.ts",
      "# compiler: tsbpf 0.1.0, mcpu v3",
      "# btf: none",
      "# verifier: not measured",
    ]);
    expect(text).toMatch(/^program firewall: section xdp, \d+ insns, stack 4 bytes$/m);
    expect(text).toMatch(/^  blocklist: hash, key ipv4_addr \(4 bytes\), value u64 \(8 bytes\)/m);
    const again = vitest();
    expect(again.code, again.out).toBe(0);
  }, 240_000);

  it("a changed probe fails with an instruction-level diff and count deltas; -u accepts it", () => {
    const before = readFileSync(golden, "utf8");
    const src = readFileSync(join(dir, "probe.ts"), "utf8");
    const changed = src.replace(
      "atomicAdd(dropped.value, 1);",
      "atomicAdd(dropped.value, 1);\n  atomicAdd(dropped.value, 7);",
    );
    expect(changed).not.toBe(src);
    writeFileSync(join(dir, "probe.ts"), changed);
    const failed = vitest();
    expect(failed.code).toBe(1);
    expect(failed.out).toContain("bytecode golden golden/probe.bpf.golden does not match probe.ts");
    expect(failed.out).toMatch(/program firewall: insns (\d+) → (\d+) \(\+2\)/);
    expect(failed.out).toMatch(/^\+ ; atomicAdd\(dropped\.value, 7\);$/m);
    expect(failed.out).toMatch(/^\+ +\d+: r1 = 7$/m);
    expect(failed.out).toMatch(/^\+ +\d+: lock \*\(u64 \*\)\(r0 \+ 0\) \+= r1$/m);
    // Jumps over the new code changed; unchanged instructions that only moved are not in the diff.
    expect(failed.out).toMatch(/^- +\d+: if r1 > r3 goto \+18$/m);
    expect(failed.out).not.toMatch(/^[-+] +\d+: exit$/m);
    expect(failed.out).toContain("npx vitest run probe.test.ts -u");
    const updated = vitest("-u");
    expect(updated.code, updated.out).toBe(0);
    const after = readFileSync(golden, "utf8");
    expect(after).not.toBe(before);
    expect(after).toContain("; atomicAdd(dropped.value, 7);");
    expect(vitest().code).toBe(0);
  }, 240_000);

  it("a damaged golden is a clear error that says how to regenerate it", () => {
    writeFileSync(golden, "hello\n");
    const bad = vitest();
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(
      'golden/probe.bpf.golden:1: not a tsbpf bytecode golden (the first line must be "# tsbpf bytecode golden 1")',
    );
    expect(bad.out).toContain(
      "regenerate it (then review the diff): npx vitest run probe.test.ts -u",
    );
  }, 120_000);
});

describe("the listing", () => {
  it("is the same for two builds, and holds no paths, offsets or times", async () => {
    const a = await compileProbe(join(ROOT, "examples/biolatency.ts"));
    const b = await compileProbe(join(ROOT, "examples/biolatency.ts"));
    expect(b.golden).toBe(a.golden);
    expect(a.meta.source).toBe("examples/biolatency.ts");
    expect(a.golden).not.toContain(ROOT);
    expect(a.golden).not.toMatch(/0{8,}|\/tmp\/|\d{4}-\d\d-\d\d/);
    // Every program of the object is there, with its section and counts.
    expect(a.listing).toMatch(/^program \w+: section \S+, \d+ insns, stack \d+ bytes$/m);
  });

  it("is not a wall of text: one line per instruction slot group, source lines interleaved", async () => {
    const p = await compileProbe(join(ROOT, "examples/xdp-counter.ts"));
    const insnLines = p.listing.split("\n").filter((l) => /^\s+\d+: /.test(l));
    const slots = [...p.listing.matchAll(/, (\d+) insns/g)].reduce((n, m) => n + Number(m[1]), 0);
    const lddw = p.listing.split("\n").filter((l) => / ll( |$)/.test(l)).length;
    expect(insnLines.length + lddw).toBe(slots);
    expect(p.listing).toMatch(/^; /m);
  });
});

describe("the diff of two listings", () => {
  it("is cut after MAX_DIFF_LINES lines, saying how many changed lines it left out", async () => {
    const p = await compileProbe(join(ROOT, "examples/biolatency.ts"));
    const many = (n: number) =>
      p.listing + Array.from({ length: n }, (_, i) => `  ${i}: r0 = ${i}`).join("\n") + "\n";
    const short = listingDiff(p.listing, many(3));
    expect(short.split("\n").filter((l) => l.startsWith("+ "))).toHaveLength(3);
    const long = listingDiff(p.listing, many(MAX_DIFF_LINES + 50)).split("\n");
    expect(long).toHaveLength(MAX_DIFF_LINES + 1);
    expect(long.at(-1)).toMatch(/^\.\.\. and \d+ more changed lines \(update the golden/);
  });
});
