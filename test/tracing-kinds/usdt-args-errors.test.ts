/**
 * Bad input to USDT argument reads: an argument index that is not a constant 0..11 (TSB4011) and
 * `usdtArg` outside a usdt program (TSB4010) are compile errors at the offending expression, with
 * a code frame and no stack trace from `tsbpf build`; a probe site whose note has an operand the
 * spec cannot express (gcc -O2 puts a global at `-4@counter(%rip)`, which libbpf refuses too) makes
 * attaching a program that reads arguments a loader error naming the site and the operand, through
 * the API and in one line from `tsbpf run`, while a program that does not read them still attaches.
 * The VM's `usdtCookie` refuses the same spec.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { LoaderError, loadObject, readUsdtProbes } from "../../runtime/loader/index.ts";
import { VmApiError, VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const tsbpf = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });

const source = (body: string, bin = "/bin/true") =>
  [
    `import { i64, HashMap, kprobe, u32, usdt, usdtArg, usdtArgCount } from "tsbpf";`,
    `export const seen = new HashMap<u32, i64>({ maxEntries: 8 });`,
    `export const p = usdt("${bin}:tsbpf:global", (ctx) => {`,
    `  ${body}`,
    `  return 0;`,
    `});`,
    `export const license = "GPL";`,
  ].join("\n");

const diags = async (src: string) =>
  (await compileToIr(src, "p.ts")).diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);

describe("usdtArg compile errors", () => {
  it("an index past 11, negative or not constant is TSB4011 at the index", async () => {
    expect(await diags(source(`seen.update(0, usdtArg(ctx, 12));`))).toEqual(["TSB4011@4:31"]);
    expect(await diags(source(`seen.update(0, usdtArg(ctx, -1));`))).toEqual(["TSB4011@4:31"]);
    const dyn = source(`const n = u32(usdtArgCount(ctx)); seen.update(0, usdtArg(ctx, n));`);
    const dd = (await compileToIr(dyn, "p.ts")).diagnostics;
    expect(dd.map((x) => `${x.code}@${x.line}:${x.col}`)).toEqual(["TSB4011@4:65"]);
    expect(dd[0]!.message).toMatch(/from 0 to 11 .* got a value known only at run time/);
    expect(await diags(source(`seen.update(0, usdtArg(ctx, 11));`))).toEqual([]);
  });

  it("usdtArg in a program that is not usdt is TSB4010 naming the program kind", async () => {
    const src = source(
      `return 0; });\nexport const k = kprobe("vfs_read", (ctx) => { usdtArg(ctx, 0);`,
    );
    const d = (await compileToIr(src, "p.ts")).diagnostics;
    expect(d.map((x) => `${x.code}@${x.line}:${x.col}`)).toEqual(["TSB4010@5:48"]);
    expect(d[0]!.message).toMatch(
      /usdtArg reads the arguments of a USDT probe site.*kprobe program/,
    );
  });

  it("typed parameters: past the 12th is TSB4012 at the parameter; a non-number one a TypeScript error", async () => {
    const params = (list: string) =>
      source("seen.update(0, 1);").replace(
        'usdt("/bin/true:tsbpf:global", (ctx)',
        `usdt("/bin/true:tsbpf:global", (ctx, ${list})`,
      );
    const names = Array.from({ length: 13 }, (_, i) => `a${i}`);
    const d = (await compileToIr(params(names.join(", ")), "p.ts")).diagnostics;
    expect(d.map((x) => `${x.code}@${x.line}:${x.col}`)).toEqual(["TSB4012@3:105"]);
    expect(d[0]!.message).toMatch(
      /parameter 'a12': a usdt program binds at most 12 probe arguments/,
    );
    const b = (await compileToIr(params("id: i64, flag: boolean"), "p.ts")).diagnostics;
    // TypeScript itself refuses a parameter that is not a number (KernelArgs is number[]).
    expect(b.map((x) => x.code)).toEqual(["TS2345"]);
    expect(await diags(params(names.slice(0, 12).join(", ")))).toEqual([]);
  });

  it("tsbpf build prints the error with file:line:col and a code frame, no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-usdt-bad-"));
    try {
      const file = join(dir, "p.ts");
      writeFileSync(file, source(`seen.update(0, usdtArg(ctx, 12));`));
      const r = tsbpf("build", file, "-o", join(dir, "p.o"));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${file}:4:31: error TSB4011:`);
      expect(r.stderr).toContain("  4 |   seen.update(0, usdtArg(ctx, 12));");
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const sdt = capability(
  "gcc + <sys/sdt.h> (systemtap-sdt-dev)",
  hasCommand("gcc") && existsSync("/usr/include/x86_64-linux-gnu/sys/sdt.h"),
  "USDT argument error tests",
);

const RIP_C = `
#include <sys/sdt.h>
int counter = 7;
int main(void) { STAP_PROBE1(tsbpf, global, counter); return 0; }
`;
const RIP_REFUSAL =
  /attaching usdt program "p" to tsbpf:global at \S+\+0x[0-9a-f]+: USDT argument "-4@counter\(%rip\)": operand "counter\(%rip\)" is not .* \(a symbol relative to %rip is not supported\)/;

describe.skipIf(!sdt)("a probe site whose argument spec cannot be read", () => {
  let dir = "";
  let bin = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-usdt-rip-"));
    writeFileSync(join(dir, "g.c"), RIP_C);
    bin = join(dir, "g");
    execFileSync("gcc", ["-O2", "-o", bin, join(dir, "g.c")]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const build = async (body: string) => {
    const out = await compileSource(source(body, bin), "p.ts", { emit: "obj", check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return out.object!;
  };

  it("the note is read, its argument kept as an error rather than failing the binary", () => {
    const [site, ...rest] = readUsdtProbes(bin);
    expect(rest).toEqual([]);
    expect(site!.argText).toBe("-4@counter(%rip)");
    expect(site!.args).toEqual([]);
    expect(site!.argError).toMatch(/symbol relative to %rip is not supported/);
  });

  it("the VM refuses the spec", async () => {
    const vm = VmObject.load(await build(`seen.update(0, usdtArg(ctx, 0));`));
    expect(() => vm.usdtCookie("-4@counter(%rip)")).toThrow(VmApiError);
    expect(() => vm.usdtCookie("-4@counter(%rip)")).toThrow(/symbol relative to %rip/);
    expect(vm.usdtCookie("-4@%edi")).toBe(0n);
  });

  it.skipIf(!kernelReady("USDT argument error tests"))(
    "on the kernel: a loader error when the program reads arguments, an attachment when not",
    async () => {
      const reads = loadObject(await build(`seen.update(0, usdtArg(ctx, 0));`));
      try {
        let err: unknown;
        try {
          reads.attach("p");
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(LoaderError);
        expect((err as Error).message).toMatch(RIP_REFUSAL);
      } finally {
        reads.close();
      }
      const counts = loadObject(await build(`seen.update(0, 1);`));
      try {
        counts.attach("p");
        execFileSync(bin);
        const v = counts.map("seen").lookup(new Uint8Array(4));
        expect(v && new DataView(v.buffer, v.byteOffset).getBigInt64(0, true)).toBe(1n);
      } finally {
        counts.close();
      }
    },
  );

  it.skipIf(!kernelReady("USDT argument error tests"))(
    "tsbpf run reports the refusal in one line and exits 1",
    () => {
      const file = join(dir, "p.ts");
      writeFileSync(file, source(`seen.update(0, usdtArg(ctx, 0));`, bin));
      const r = tsbpf("run", "--duration", "1", file);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(RIP_REFUSAL);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    },
  );
});
