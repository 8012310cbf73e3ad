/**
 * Reproducible inputs (issue 16 item 4): a project pins the kernel BTF of typed program arguments in
 * tsbpf.json (a committed file and/or its sha256). With it pinned, the same probe builds to the same
 * bytes from another working directory and on a host whose BTF is elsewhere or different, and the
 * build host's /sys/kernel/btf/vmlinux is never read; a golden records the BTF's hash and says so when
 * a build read another one.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeBtf, decodeBtf } from "../../core/btf/index.ts";
import { DEFAULT_KERNEL_BTF } from "../../compiler/frontend/kernel-btf.ts";
import { nodeHost, type FrontEndHost } from "../../compiler/frontend/host.ts";
import {
  findProject,
  parseProjectConfig,
  ProjectConfigError,
  sha256Hex,
} from "../../compiler/project-config.ts";
import { checkGolden, compareGolden, compileProbe, updateGolden } from "../../testing/index.ts";
import { fixtureBtf } from "../frontend/btf-fixture.ts";
import { tsbpf } from "../build/support.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-pinned-btf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** demo_narrow exists only in the fixture BTF, not in any real kernel's. */
const PROBE = `import { fentry, i32 } from "tsbpf";
export const narrow = fentry("demo_narrow", (ctx, a, b, c, d, e, f) => {
  return a + b + e + (d !== 0 ? i32(c) : 0) + i32(f);
});
export const license = "GPL";
`;

const btf = fixtureBtf();
const sha = sha256Hex(btf);

function project(name: string, config: unknown): string {
  const root = join(dir, name);
  mkdirSync(join(root, "probes"), { recursive: true });
  mkdirSync(join(root, "btf"), { recursive: true });
  writeFileSync(join(root, "btf/kernel.btf"), btf);
  writeFileSync(join(root, "tsbpf.json"), JSON.stringify(config, null, 2));
  writeFileSync(join(root, "probes/narrow.ts"), PROBE);
  return root;
}

/** A host that records every BTF path asked for and serves `vmlinux` (or nothing) as the host's. */
function recordingHost(vmlinux: Uint8Array | undefined, asked: string[]): FrontEndHost {
  const base = nodeHost();
  const absent = (): never => {
    throw Object.assign(new Error("no such file"), { code: "ENOENT" });
  };
  return {
    stdlibFiles: () => base.stdlibFiles(),
    btfStamp: (path) => {
      asked.push(path);
      if (path !== DEFAULT_KERNEL_BTF) return base.btfStamp(path);
      return vmlinux ? `host:${vmlinux.length}` : absent();
    },
    readBtf: (path) => {
      asked.push(path);
      if (path !== DEFAULT_KERNEL_BTF) return base.readBtf(path);
      return vmlinux ?? absent();
    },
  };
}

describe("a BTF pinned in tsbpf.json", () => {
  const root = project("pinned", { btf: { file: "btf/kernel.btf", sha256: sha } });
  const probe = join(root, "probes/narrow.ts");

  it("builds byte-identical objects from two working directories with `tsbpf build`", () => {
    const a = tsbpf(["build", "probes/narrow.ts", "-o", join(dir, "a.o")], { cwd: root });
    expect(a.code, a.stderr).toBe(0);
    const b = tsbpf(["build", probe, "-o", join(dir, "b.o")], { cwd: "/" });
    expect(b.code, b.stderr).toBe(0);
    const objA = readFileSync(join(dir, "a.o"));
    expect(objA.equals(readFileSync(join(dir, "b.o")))).toBe(true);
    // The line info names the source relative to the project, not to either working directory.
    expect(objA.includes(Buffer.from("probes/narrow.ts"))).toBe(true);
    expect(objA.includes(Buffer.from(root))).toBe(false);
  });

  it("gives the same bytes whatever BTF the host has, and never reads the host's", async () => {
    const askedNone: string[] = [];
    const none = await compileProbe(probe, { host: recordingHost(undefined, askedNone) });
    // A host "kernel" whose BTF types demo_narrow's arguments differently (all u64).
    const other = decodeBtf(btf);
    const hostBtf = encodeBtf({
      types: other.types.map((t) => (t.kind === "int" ? { ...t, size: 8, bits: 64 } : t)),
    });
    expect(sha256Hex(hostBtf)).not.toBe(sha);
    const askedOther: string[] = [];
    const withOther = await compileProbe(probe, { host: recordingHost(hostBtf, askedOther) });
    const real = await compileProbe(probe);
    expect(Buffer.from(withOther.object).equals(Buffer.from(none.object))).toBe(true);
    expect(Buffer.from(real.object).equals(Buffer.from(none.object))).toBe(true);
    expect([...askedNone, ...askedOther]).not.toContain(DEFAULT_KERNEL_BTF);
    expect(askedNone).toContain(join(root, "btf/kernel.btf"));
    expect(none.meta.btf).toEqual({ sha256: sha, pinned: true });
    expect(none.golden).toContain(`# btf: sha256 ${sha} (pinned by tsbpf.json)`);
  });

  it("a committed BTF that no longer matches the pinned hash stops the build, naming both", () => {
    const r = project("stale", { btf: { file: "btf/kernel.btf", sha256: "ab".repeat(32) } });
    const out = tsbpf(["build", "probes/narrow.ts", "-o", join(dir, "stale.o")], { cwd: r });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`has sha256 ${sha}, but tsbpf.json pins ${"ab".repeat(32)}`);
    expect(out.stderr).toMatch(/probes\/narrow\.ts:2:\d+/);
  });

  it("a pinned hash alone checks whatever BTF the compiler is given", async () => {
    const r = project("hash-only", { btf: { sha256: sha } });
    const p = join(r, "probes/narrow.ts");
    const good = await compileProbe(p, { btf: join(r, "btf/kernel.btf") });
    expect(good.meta.btf).toEqual({ sha256: sha, pinned: true });
    // The host's BTF (here: absent, or another kernel's) is refused rather than used silently.
    const other = encodeBtf({ types: decodeBtf(btf).types.slice(0, 20) });
    await expect(compileProbe(p, { host: recordingHost(other, []) })).rejects.toThrow(
      /\/sys\/kernel\/btf\/vmlinux has sha256 [0-9a-f]{64}, but tsbpf.json pins/,
    );
  });

  it("a golden made with another BTF says which, and how to update", async () => {
    const p = await compileProbe(probe);
    const golden = join(root, "probes/narrow.bpf.golden");
    updateGolden(p, golden);
    expect(checkGolden(p, golden, "UPDATE").pass).toBe(true);
    // The project moves to another kernel's BTF.
    const newer = encodeBtf({
      types: [
        ...decodeBtf(btf).types,
        { kind: "int", name: "extra", size: 4, encoding: 0, bitOffset: 0, bits: 32 },
      ],
    });
    writeFileSync(join(root, "btf/kernel.btf"), newer);
    writeFileSync(
      join(root, "tsbpf.json"),
      JSON.stringify({ btf: { file: "btf/kernel.btf", sha256: sha256Hex(newer) } }),
    );
    const q = await compileProbe(probe);
    const r = checkGolden(q, golden, "tsbpf golden update probes/narrow.ts");
    expect(r.pass).toBe(false);
    expect(r.message).toContain(
      `made with kernel BTF sha256 ${sha} (pinned by tsbpf.json); this build read sha256 ${sha256Hex(newer)} (pinned by tsbpf.json)`,
    );
    expect(r.message).toContain("the instructions are the same");
    expect(r.message).toContain(
      "update the golden and review it: tsbpf golden update probes/narrow.ts",
    );
  });
});

describe("without a pin", () => {
  it("a golden says it was made with the build host's BTF", async () => {
    const root = join(dir, "unpinned");
    mkdirSync(root);
    writeFileSync(join(root, "package.json"), "{}");
    writeFileSync(join(root, "probe.ts"), PROBE);
    const hostBtf = btf;
    const p = await compileProbe(join(root, "probe.ts"), { host: recordingHost(hostBtf, []) });
    expect(p.meta.btf).toEqual({ sha256: sha, pinned: false });
    expect(p.golden).toContain("(the build host's, not pinned by tsbpf.json)");
    // Compared on a host with another kernel's BTF, the golden says which BTF each used, and to pin.
    const other = encodeBtf({
      types: [
        ...decodeBtf(btf).types,
        { kind: "int", name: "x", size: 4, encoding: 0, bitOffset: 0, bits: 32 },
      ],
    });
    const q = await compileProbe(join(root, "probe.ts"), { host: recordingHost(other, []) });
    const r = compareGolden(p.golden, "probe.bpf.golden", q, "UPDATE");
    expect(r.pass).toBe(false);
    expect(r.message).toContain(
      `made with kernel BTF sha256 ${sha} (the build host's, not pinned by tsbpf.json); this build read sha256 ${sha256Hex(other)} (the build host's, not pinned by tsbpf.json)`,
    );
    expect(r.message).toContain(
      `pin the BTF in tsbpf.json ({ "btf": { "file": "<committed copy>", "sha256": "${sha256Hex(other)}" } })`,
    );
    expect(findProject(join(root, "probe.ts")).root).toBe(root);
  });
});

describe("tsbpf.json mistakes", () => {
  it("stop `tsbpf build` and `tsbpf golden` with the place and a code frame, no stack trace", () => {
    const root = join(dir, "bad-config");
    mkdirSync(root);
    writeFileSync(join(root, "tsbpf.json"), '{\n  "btf": { "flie": "kernel.btf" }\n}\n');
    writeFileSync(join(root, "probe.ts"), PROBE);
    const frame = `${join(root, "tsbpf.json")}:2:12: unknown "btf" setting "flie" (known: file, sha256)\n  2 |   "btf": { "flie": "kernel.btf" }\n    |            ^\n`;
    const build = tsbpf(["build", "probe.ts", "-o", join(dir, "bad.o")], { cwd: root });
    expect(build.code).toBe(1);
    expect(build.stderr).toBe(`tsbpf build: ${frame}`);
    const golden = tsbpf(["golden", "update", "probe.ts"], { cwd: root });
    expect(golden.code).toBe(1);
    expect(golden.stderr).toBe(`tsbpf golden update: ${frame}`);
  });

  const parse = (text: string) => () => parseProjectConfig(text, "/p/tsbpf.json");
  it("are errors with file:line:col and a code frame", () => {
    expect(parse('{\n  "btf": { "file": 3 }\n}')).toThrow(ProjectConfigError);
    expect(parse('{\n  "btf": { "file": 3 }\n}')).toThrow(
      /^\/p\/tsbpf\.json:2:12: "btf\.file" must be a path relative to tsbpf\.json\n  2 \|   "btf": \{ "file": 3 \}\n    \|            \^$/,
    );
    expect(parse('{ "btf": { "sha256": "xyz" } }')).toThrow(/"btf.sha256" must be 64 hex digits/);
    expect(parse('{ "btff": {} }')).toThrow(/1:3: unknown setting "btff" \(known: btf\)/);
    expect(parse('{ "btf": {} }')).toThrow(/"btf" needs "file"/);
    expect(parse('{ "btf": { "file": "a", "hash": "b" } }')).toThrow(
      /unknown "btf" setting "hash"/,
    );
    expect(parse('{\n  "btf": \n}')).toThrow(/^\/p\/tsbpf\.json:3:1: not valid JSON/);
    expect(parse("[]")).toThrow(/must hold a JSON object/);
  });
});
