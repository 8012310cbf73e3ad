/**
 * `tsbpf golden check|update FILES…`, the golden workflow without vitest: update writes goldens that
 * check accepts; a changed probe makes check exit 1 with the diff; bad inputs (missing golden,
 * damaged or binary golden, a golden whose probe is gone, a probe that does not compile, a golden
 * from another compiler version, bad options) are clear messages with the command that fixes them.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, tsbpf } from "../build/support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-golden-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "tsbpf.json"), "{}\n");
mkdirSync(join(dir, "probes"));
mkdirSync(join(dir, "golden"));
cpSync(join(ROOT, "examples/xdp-counter.ts"), join(dir, "probes/counter.ts"));
cpSync(join(ROOT, "examples/sockfilter.ts"), join(dir, "probes/sock.ts"));
const golden = (...args: string[]) => tsbpf(["golden", ...args], { cwd: dir });

describe("tsbpf golden", () => {
  it("update writes goldens next to probes (or where --golden says); check accepts them", () => {
    const missing = golden("check", "probes/counter.ts");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "no bytecode golden probes/counter.bpf.golden for probes/counter.ts; create it (then review and commit it): tsbpf golden update probes/counter.ts",
    );
    const up = golden("update", "probes/counter.ts");
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toBe("updated probes/counter.bpf.golden\n");
    const up2 = golden("update", "probes/sock.ts", "--golden", "golden/sock.bpf.golden");
    expect(up2.stdout).toBe("updated golden/sock.bpf.golden\n");
    expect(golden("update", "probes/counter.ts").stdout).toBe(
      "unchanged probes/counter.bpf.golden\n",
    );
    const ok = golden("check", "probes/counter.bpf.golden", "golden/sock.bpf.golden");
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(
      "ok probes/counter.bpf.golden\nok golden/sock.bpf.golden\n2 of 2 goldens match\n",
    );
    // The CLI and the vitest matcher write the same file: compileProbe is shared.
    expect(readFileSync(join(dir, "golden/sock.bpf.golden"), "utf8")).toMatch(
      /^# tsbpf bytecode golden 1\n# source: probes\/sock\.ts\n/,
    );
  });

  it("a changed probe exits 1 with the instruction diff; update accepts it", () => {
    const file = join(dir, "probes/counter.ts");
    const src = readFileSync(file, "utf8");
    writeFileSync(
      file,
      src
        .replace("return XDP_PASS;", "return XDP_DROP;")
        .replace(/import \{/, "import { XDP_DROP,"),
    );
    const bad = golden("check", "probes/counter.bpf.golden", "golden/sock.bpf.golden");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("ok golden/sock.bpf.golden\n1 of 2 goldens match\n");
    expect(bad.stderr).toMatch(/^FAIL probes\/counter\.bpf\.golden\n/);
    expect(bad.stderr).toContain("program countProtocols: insns 23 → 25 (+2)");
    expect(bad.stderr).toMatch(/^- ; if \(eth === null\) return XDP_PASS;$/m);
    expect(bad.stderr).toMatch(/^\+ ; if \(eth === null\) return XDP_DROP;$/m);
    expect(bad.stderr).toMatch(/^\+ +\d+: r0 = 1$/m);
    // Instructions that only moved (slot numbers changed) are context, not changes.
    expect(bad.stderr).toMatch(/^ {3} +\d+: w2 = \*\(u16 \*\)\(r4 \+ 12\)$/m);
    expect(bad.stderr).toContain(
      "update the golden and review it: tsbpf golden update probes/counter.ts",
    );
    expect(golden("update", "probes/counter.bpf.golden").stdout).toBe(
      "updated probes/counter.bpf.golden\n",
    );
    expect(golden("check", "probes/counter.ts").code).toBe(0);
  });

  it("a golden from another compiler version says which and how to update", () => {
    const file = join(dir, "probes/counter.bpf.golden");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("# compiler: tsbpf 0.1.0,", "# compiler: tsbpf 0.0.9,"));
    const r = golden("check", "probes/counter.bpf.golden");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("made with tsbpf 0.0.9, mcpu v3; this is tsbpf 0.1.0, mcpu v3");
    expect(r.stderr).toContain(
      "the instructions are the same; only how the golden was made differs",
    );
    expect(r.stderr).toContain("tsbpf golden update probes/counter.ts");
    writeFileSync(file, text);
  });

  it("the golden's recorded -mcpu is what check and update rebuild with", () => {
    expect(
      golden("update", "probes/sock.ts", "--golden", "golden/sock-v2.bpf.golden", "--mcpu", "v2")
        .code,
    ).toBe(0);
    const v2 = readFileSync(join(dir, "golden/sock-v2.bpf.golden"), "utf8");
    expect(v2).toContain("# compiler: tsbpf 0.1.0, mcpu v2");
    expect(v2).not.toBe(readFileSync(join(dir, "golden/sock.bpf.golden"), "utf8"));
    expect(golden("check", "golden/sock-v2.bpf.golden").code).toBe(0);
  });

  it("checks the examples' goldens from any working directory", () => {
    const files = readdirSync(join(ROOT, "examples/golden")).map((f) =>
      join(ROOT, "examples/golden", f),
    );
    expect(files.length).toBeGreaterThan(0);
    const r = tsbpf(["golden", "check", ...files], { cwd: tmpdir() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${files.length} of ${files.length} goldens match`);
  });

  it("bad inputs are clear messages with the command that fixes them", () => {
    writeFileSync(join(dir, "golden/junk.bpf.golden"), "# something else\n");
    const junk = golden("check", "golden/junk.bpf.golden");
    expect(junk.code).toBe(1);
    expect(junk.stderr).toBe(
      'tsbpf golden check: golden/junk.bpf.golden:1: not a tsbpf bytecode golden (the first line must be "# tsbpf bytecode golden 1")\n' +
        "Its probe is named in the header, so it cannot be checked; regenerate it with: tsbpf golden update <probe.ts> --golden golden/junk.bpf.golden\n",
    );
    const text = readFileSync(join(dir, "golden/sock.bpf.golden"), "utf8");
    writeFileSync(join(dir, "golden/cut.bpf.golden"), text.split("\n").slice(0, 3).join("\n"));
    expect(golden("check", "golden/cut.bpf.golden").stderr).toMatch(
      /^tsbpf golden check: golden\/cut\.bpf\.golden:4: expected the header line "# btf: \.\.\."/,
    );
    writeFileSync(join(dir, "probes/bin.ts"), "export {};\n");
    writeFileSync(join(dir, "probes/bin.bpf.golden"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]));
    expect(golden("check", "probes/bin.ts").stderr).toContain(
      "probes/bin.bpf.golden is binary, not a tsbpf bytecode golden; regenerate it: tsbpf golden update probes/bin.ts",
    );
    expect(golden("check", "golden/none.bpf.golden").stderr).toBe(
      "tsbpf golden check: no golden golden/none.bpf.golden; create it with: tsbpf golden update <probe.ts> --golden golden/none.bpf.golden\n",
    );
    writeFileSync(
      join(dir, "golden/gone.bpf.golden"),
      text.replace("# source: probes/sock.ts", "# source: probes/deleted.ts"),
    );
    expect(golden("check", "golden/gone.bpf.golden").stderr).toContain(
      "golden/gone.bpf.golden was made from probes/deleted.ts, which is not in the project",
    );
    writeFileSync(
      join(dir, "probes/broken.ts"),
      'import { xdp } from "tsbpf";\nexport const p = xdp((ctx) => nope);\n',
    );
    const broken = golden("update", "probes/broken.ts");
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^tsbpf golden update: probes\/broken\.ts does not compile:\nprobes\/broken\.ts:2:\d+: error/,
    );
    expect(broken.stderr).toContain("| export const p = xdp((ctx) => nope);");
    expect(broken.stderr).not.toMatch(/^\s+at /m);
    const two = golden("update", "probes/counter.ts", "probes/sock.ts", "--golden", "x.bpf.golden");
    expect(two.stderr).toContain("--golden names the golden of one probe; give one probe with it");
    expect(golden("check", "probes/counter.ts", "--mcpu", "v9").stderr).toContain(
      "--mcpu must be one of v1, v2, v3, v4 (got 'v9')",
    );
  });
});
