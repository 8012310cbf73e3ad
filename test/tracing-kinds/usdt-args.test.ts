/**
 * USDT argument reads (`usdtArg`): the spec parser on the operand forms gcc's <sys/sdt.h> emits
 * (register, register dereference with displacement, constant, SIB), checked against the notes of a
 * gcc -O2 build; the program run on the live kernel at that binary's probes, recording what each
 * site passed; and the same program in the VM against pt_regs (and user memory) built from each
 * site's spec, which must record the same.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset } from "../../core/kernel/index.ts";
import {
  encodeUsdtSpec,
  parseUsdtArg,
  ptRegsOffset,
  USDT_ARG_COUNT_OFFSET,
  USDT_ARG_SIZE,
  USDT_SPEC_MAP,
  type UsdtArg,
} from "../../core/usdt/index.ts";
import {
  defaultUsdtCookies,
  kernelHasAttachCookie,
  loadObject,
  programInfo,
  readUsdtProbes,
  type LoadedObject,
  type ObjectLoadOptions,
  type UsdtProbe,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const TARGET_C = `
#include <sys/sdt.h>
#include <stdlib.h>
static const char *names[] = { "alpha", "beta", "gamma" };
__attribute__((noinline)) void work(int n) {
  volatile long deep = 1000 + n;
  int table[16];
  for (int i = 0; i < 16; i++) table[i] = i * 7 - n;
  __asm__ volatile("" ::: "memory");
  for (int i = 0; i < n; i++) {
    DTRACE_PROBE2(tsbpf, tick, i - 2, names[i % 3]);
    DTRACE_PROBE3(tsbpf, mixed, deep, 5, table[i & 15]);
  }
}
int main(int argc, char **argv) { work(atoi(argv[1])); return 0; }
`;
const N = 5;
const NAMES = ["alpha", "beta", "gamma"];

const program = (bin: string) => `
  import { ArrayMap, type CharArray, HashMap, i32, i64, probeReadUserStr, u8, u32, u64, usdt, usdtArg, usdtArgCount } from "tsbpf";
  interface Name { s: CharArray<8>; }
  interface Mixed { deep: i64; five: i64; count: i64; }
  export const ticks = new HashMap<i64, i64>({ maxEntries: 64 });
  export const names = new ArrayMap<Name>({ maxEntries: 8 });
  export const mixed = new HashMap<i64, Mixed>({ maxEntries: 64 });
  export const onTick = usdt("${bin}:tsbpf:tick", (ctx) => {
    const i = usdtArg(ctx, 0);
    ticks.update(i, usdtArgCount(ctx));
    const t = names.lookup(u32(i + 2));
    if (t === null) return 0;
    probeReadUserStr(t.value.s, u64(usdtArg(ctx, 1)));
    return 0;
  });
  export const onMixed = usdt("${bin}:tsbpf:mixed", (ctx) => {
    mixed.update(usdtArg(ctx, 2), {
      deep: usdtArg(ctx, 0),
      five: usdtArg(ctx, 1),
      count: usdtArgCount(ctx),
    });
    return 0;
  });
  // libbpf's BPF_USDT: the same arguments as typed parameters (i32 / u8 narrowed, i64 default).
  export const typed = new HashMap<i64, Mixed>({ maxEntries: 64 });
  export const onMixedTyped = usdt("${bin}:tsbpf:mixed", (ctx, deep, five: u8, t: i32) => {
    typed.update(i64(t), { deep: deep, five: i64(five), count: usdtArgCount(ctx) });
    return 0;
  });
  export const license = "GPL";
`;

describe("USDT argument specs", () => {
  it("parses every x86-64 operand form", () => {
    expect(parseUsdtArg("-4@%edi")).toEqual({ kind: "reg", size: 4, signed: true, reg: "rdi" });
    expect(parseUsdtArg("1@%r8b")).toEqual({ kind: "reg", size: 1, signed: false, reg: "r8" });
    expect(parseUsdtArg("8@-16(%rbp)")).toEqual({
      kind: "mem",
      size: 8,
      signed: false,
      reg: "rbp",
      offset: -16,
    });
    expect(parseUsdtArg("2@(%rax)")).toMatchObject({ kind: "mem", reg: "rax", offset: 0 });
    expect(parseUsdtArg("-4@$5")).toEqual({ kind: "const", size: 4, signed: true, value: 5n });
    expect(parseUsdtArg("8@$-0x10")).toMatchObject({ kind: "const", value: -16n });
    expect(parseUsdtArg("-4@-72(%rsp,%rdx,4)")).toEqual({
      kind: "sib",
      size: 4,
      signed: true,
      reg: "rsp",
      index: "rdx",
      scale: 4,
      offset: -72,
    });
    expect(parseUsdtArg("8@(%rax,%r12)")).toMatchObject({ kind: "sib", index: "r12", scale: 1 });
  });

  it("refuses what it cannot read, saying why", () => {
    expect(() => parseUsdtArg("3@%eax")).toThrow(/sizes are 1, 2, 4 or 8/);
    expect(() => parseUsdtArg("4@%ah")).toThrow(/not an x86-64 register/);
    expect(() => parseUsdtArg("4@counter(%rip)")).toThrow(/symbol relative to %rip/);
    expect(() => parseUsdtArg("4@(%rax,%rbx,3)")).toThrow(/scales are 1, 2, 4 or 8/);
    expect(() => parseUsdtArg("%eax")).toThrow(/size@operand/);
  });

  it("encodes a spec with pt_regs offsets from the kernel's layout", () => {
    const spec = encodeUsdtSpec([parseUsdtArg("-4@%ecx"), parseUsdtArg("-4@-72(%rsp,%rdx,4)")]);
    const v = new DataView(spec.buffer);
    expect(v.getUint32(USDT_ARG_COUNT_OFFSET, true)).toBe(2);
    expect(v.getUint32(8, true)).toBe(1);
    expect(v.getInt16(12, true)).toBe(contextOffset("pt_regs", "rcx"));
    expect(v.getUint8(16)).toBe(1);
    expect(v.getUint8(17)).toBe(32);
    const b = USDT_ARG_SIZE;
    expect(v.getBigInt64(b, true)).toBe(-72n);
    expect(v.getUint32(b + 8, true)).toBe(3);
    expect(v.getInt16(b + 12, true)).toBe(contextOffset("pt_regs", "rsp"));
    expect(v.getInt16(b + 14, true)).toBe(contextOffset("pt_regs", "rdx"));
    expect(v.getUint8(b + 18)).toBe(2);
    expect(() => encodeUsdtSpec(Array(13).fill(parseUsdtArg("8@%rax")))).toThrow(/at most 12/);
  });
});

const sdt = capability(
  "gcc + <sys/sdt.h> (systemtap-sdt-dev)",
  hasCommand("gcc") && existsSync("/usr/include/x86_64-linux-gnu/sys/sdt.h"),
  "USDT argument tests",
);

/** Fake user memory for VM runs: a stack page the test writes into before each run. */
const STACK = 0x7ffd_1000_0000n;
const STRINGS = 0x5555_0000_0000n;

/** pt_regs (and stack bytes) that make a site's `args` evaluate to `values`. */
function regsFor(args: readonly UsdtArg[], values: readonly bigint[], stack: Uint8Array) {
  const regs = new Uint8Array(contextOffset("pt_regs", "ss") + 8);
  const rv = new DataView(regs.buffer);
  const sv = new DataView(stack.buffer);
  stack.fill(0xa5);
  // Garbage above each argument's size, which the read must drop.
  for (let o = 0; o < regs.length; o += 8) rv.setBigUint64(o, 0x1234_5678_0000_0000n, true);
  const setReg = (r: string, v: bigint) =>
    rv.setBigUint64(ptRegsOffset(r), BigInt.asUintN(64, v), true);
  const reg = (r: string) => rv.getBigUint64(ptRegsOffset(r), true);
  args.forEach((a, i) => {
    const v = BigInt.asUintN(a.size * 8, values[i]!);
    if (a.kind === "const") return;
    if (a.kind === "reg")
      return setReg(a.reg, (reg(a.reg) & ~((1n << BigInt(a.size * 8)) - 1n)) | v);
    if (a.reg === "rsp" || a.reg === "rbp") setReg(a.reg, STACK + 2048n);
    let addr = reg(a.reg) + BigInt(a.offset);
    if (a.kind === "sib") {
      setReg(a.index, BigInt(i));
      addr += BigInt(i * a.scale);
    }
    const at = Number(addr - STACK);
    for (let b = 0; b < a.size; b++) sv.setUint8(at + b, Number((v >> BigInt(8 * b)) & 0xffn));
  });
  return regs;
}

describe.skipIf(!sdt)("usdtArg on gcc -O2 probe sites", () => {
  let dir = "";
  let bin = "";
  let probes: UsdtProbe[] = [];
  let object: Uint8Array;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-usdt-args-"));
    writeFileSync(join(dir, "t.c"), TARGET_C);
    bin = join(dir, "t");
    execFileSync("gcc", ["-O2", "-o", bin, join(dir, "t.c")]);
    probes = readUsdtProbes(bin);
    const out = await compileSource(program(bin), "usdt-args.ts", { emit: "obj", check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    object = out.object!;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The rows of a `Mixed` map: key, deep, five, count. */
  const mixedRows = (entries: [Uint8Array, Uint8Array][]) =>
    entries
      .map(([k, v]) => {
        const dv = new DataView(v.buffer, v.byteOffset);
        return [
          new DataView(k.buffer, k.byteOffset).getBigInt64(0, true),
          ...[0, 8, 16].map((o) => dv.getBigInt64(o, true)),
        ].map(Number);
      })
      .sort((a, b) => a[0]! - b[0]!);
  /** What the maps must hold after the probes fired for i = 0..N-1. */
  const expected = () => ({
    ticks: Array.from({ length: N }, (_, i) => [i - 2, 2, NAMES[i % 3]]),
    mixed: Array.from({ length: N }, (_, i) => [i * 7 - N, 1000 + N, 5, 3]),
    typed: Array.from({ length: N }, (_, i) => [i * 7 - N, 1000 + N, 5, 3]),
  });
  const contents = (get: (name: string) => [Uint8Array, Uint8Array][]) => ({
    ticks: get("ticks")
      .map(([k, v]) => {
        const i = Number(new DataView(k.buffer, k.byteOffset).getBigInt64(0, true));
        const name = get("names").find(([nk]) => nk[0] === i + 2)![1];
        const text = new TextDecoder().decode(name).replace(/\0.*$/s, "");
        return [i, Number(new DataView(v.buffer, v.byteOffset).getBigInt64(0, true)), text];
      })
      .sort((a, b) => (a[0] as number) - (b[0] as number)),
    mixed: mixedRows(get("mixed")),
    typed: mixedRows(get("typed")),
  });

  it("the notes hold the register, dereference, constant and SIB forms, all parsed", () => {
    const kinds = probes.map((p) => `${p.name}: ${p.args.map((a) => a.kind).join(" ")}`);
    expect(kinds).toEqual(["tick: reg reg", "mixed: mem const sib"]);
    expect(probes.every((p) => p.argError === undefined)).toBe(true);
  });

  it("in the VM, against pt_regs built from each site's spec, by cookie and by address", () => {
    for (const [engine, byIp] of [
      ["interpreter", false],
      ["jit", false],
      ["interpreter", true],
      ["jit", true],
    ] as const) {
      const stack = new Uint8Array(4096);
      const strings = new Uint8Array(64);
      NAMES.forEach((n, i) => strings.set(new TextEncoder().encode(`${n}\0`), i * 16));
      const vm = VmObject.load(object, {
        engine,
        userMemory: [
          { address: STACK, bytes: stack },
          { address: STRINGS, bytes: strings },
        ],
      });
      const [tick, mixed] = ["tick", "mixed"].map((n) => probes.find((p) => p.name === n)!);
      let tickCookie = 0n;
      let mixedCookie = 0n;
      if (byIp) {
        // No cookies: each site by its address, which the run's regs->ip holds.
        vm.usdtSite(tick!.argText, BigInt(tick!.address));
        vm.usdtSite(mixed!.argText, BigInt(mixed!.address));
      } else {
        tickCookie = vm.usdtCookie(tick!.argText);
        mixedCookie = vm.usdtCookie(mixed!.argText);
        expect([tickCookie, mixedCookie]).toEqual([0n, 1n]);
      }
      const at = (regs: Uint8Array, site: UsdtProbe) => {
        new DataView(regs.buffer).setBigUint64(ptRegsOffset("rip"), BigInt(site.address), true);
        return regs;
      };
      for (let i = 0; i < N; i++) {
        const tv = [BigInt(i - 2), STRINGS + BigInt((i % 3) * 16)];
        const tregs = at(regsFor(tick!.args, tv, stack), tick!);
        vm.program("onTick").run({ ctx: tregs, cookie: tickCookie });
        const mv = [BigInt(1000 + N), 5n, BigInt(i * 7 - N)];
        const regs = at(regsFor(mixed!.args, mv, stack), mixed!);
        vm.program("onMixed").run({ ctx: regs, cookie: mixedCookie });
        vm.program("onMixedTyped").run({ ctx: regs, cookie: mixedCookie });
      }
      expect(contents((name) => vm.map(name).entries())).toEqual(expected());
    }
  });

  it("tsbpf run shows the program's maps, not the loader's spec map", () => {
    const file = join(dir, "p.ts");
    writeFileSync(file, program(bin));
    const regs = "00".repeat(contextOffset("pt_regs", "ss") + 8);
    const r = spawnSync(
      process.execPath,
      [join(import.meta.dirname, "../../bin/tsbpf.js"), "run", "--vm", "--ctx-hex", regs, file],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    // No cookie: spec 0, all zero, so the probe reads argument 0 as 0 and counts 0 arguments.
    expect(r.stdout).toMatch(/@ticks\[0\]: 0/);
    expect(r.stdout).not.toContain(USDT_SPEC_MAP);
  });

  /** Every entry of a loaded map, as [key, value] bytes. */
  const entriesOf = (obj: LoadedObject) => (name: string) => {
    const m = obj.map(name);
    const rows: [Uint8Array, Uint8Array][] = [];
    for (let k = m.nextKey(); k !== undefined; k = m.nextKey(k)) rows.push([k, m.lookup(k)!]);
    return rows;
  };

  /**
   * Loads `bytes` (with `opts`), attaches the three programs, runs `target` and returns what the
   * maps hold, with the helpers each program's verified code still calls.
   */
  const onKernel = (bytes: Uint8Array, target: string, opts: ObjectLoadOptions = {}) => {
    const obj = loadObject(bytes, opts);
    try {
      for (const p of ["onTick", "onMixed", "onMixedTyped"]) obj.attach(p);
      execFileSync(target, [String(N)]);
      const raw = entriesOf(obj);
      const xlated = (p: string) => {
        const id = programInfo(obj.program(p).fd).id;
        return execFileSync("bpftool", ["prog", "dump", "xlated", "id", String(id)], {
          encoding: "utf8",
        });
      };
      return { maps: contents(raw), cookieCalls: xlated("onTick").includes("get_attach_cookie") };
    } finally {
      obj.close();
    }
  };

  it.skipIf(!kernelReady("USDT argument tests"))(
    "the default mode: cookies where kprobe programs may call bpf_get_attach_cookie, unless forced",
    () => {
      // Linux 6.18 has the helper (5.15+): the probe load succeeds, so the default is cookies.
      expect(kernelHasAttachCookie()).toBe(true);
      expect(defaultUsdtCookies({})).toBe(true);
      expect(defaultUsdtCookies({ TSBPF_USDT_COOKIES: "0" })).toBe(false);
      expect(defaultUsdtCookies({ TSBPF_USDT_COOKIES: "1" })).toBe(true);
    },
  );

  it.skipIf(!kernelReady("USDT argument tests"))("on the kernel, at the binary's probes", () => {
    const r = onKernel(object, bin);
    expect(r.maps).toEqual(expected());
    expect(r.cookieCalls).toBe(true);
  });

  it.skipIf(!kernelReady("USDT argument tests"))(
    "on the kernel without bpf cookies, a PIE by where the given process maps it",
    async () => {
      // The target waits for a byte on stdin, so its pid is known (and its mappings in place)
      // before the probes are attached to that process.
      const waiting = join(dir, "t-wait");
      const source = TARGET_C.replace(
        "int main(int argc, char **argv) {",
        "#include <unistd.h>\nint main(int argc, char **argv) { char c; if (read(0, &c, 1) != 1) return 2;",
      );
      writeFileSync(join(dir, "t-wait.c"), source);
      execFileSync("gcc", ["-O2", "-o", waiting, join(dir, "t-wait.c")]);
      const out = await compileSource(program(waiting), "usdt-pid.ts", {
        emit: "obj",
        check: true,
      });
      expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const child = spawn(waiting, [String(N)], { stdio: ["pipe", "ignore", "inherit"] });
      const exited = new Promise<number | null>((res) => child.on("exit", res));
      const obj = loadObject(out.object!, { usdtCookies: false });
      try {
        const pid = child.pid!;
        for (
          let i = 0;
          i < 200 && !readFileSync(`/proc/${pid}/maps`, "utf8").includes(waiting);
          i++
        )
          await new Promise((r) => setTimeout(r, 10));
        for (const p of ["onTick", "onMixed", "onMixedTyped"]) obj.attach(p, { uprobe: { pid } });
        child.stdin!.end("x");
        expect(await exited).toBe(0);
        const raw = entriesOf(obj);
        expect(contents(raw)).toEqual(expected());
      } finally {
        child.kill();
        obj.close();
      }
    },
  );

  it.skipIf(!kernelReady("USDT argument tests"))(
    "on the kernel without bpf cookies: each site's spec found by its address reads the same",
    async () => {
      // Found by address: an executable at its link-time addresses (a PIE needs a pid, below).
      const exec = join(dir, "t-exec");
      execFileSync("gcc", ["-O2", "-no-pie", "-o", exec, join(dir, "t.c")]);
      const out = await compileSource(program(exec), "usdt-ip.ts", { emit: "obj", check: true });
      expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const byCookie = onKernel(out.object!, exec, { usdtCookies: true });
      const byIp = onKernel(out.object!, exec, { usdtCookies: false });
      expect(byCookie.maps).toEqual(expected());
      expect(byIp.maps).toEqual(byCookie.maps);
      // The frozen mode map made the verifier drop the cookie path: a kernel without
      // bpf_get_attach_cookie loads this program.
      expect([byCookie.cookieCalls, byIp.cookieCalls]).toEqual([true, false]);
      // A position-independent binary has no one address without a process.
      const obj = loadObject(object, { usdtCookies: false });
      try {
        expect(() => obj.attach("onTick")).toThrow(
          /without bpf cookies \(usdtCookies: false\) a site is found by its address, and .*\/t is position-independent \(ET_DYN\): give the process id to attach to/,
        );
      } finally {
        obj.close();
      }
    },
  );
});
