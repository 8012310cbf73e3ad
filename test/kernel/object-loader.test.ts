import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import {
  loadObject,
  LoaderError,
  mapInfo,
  MapType,
  programInfo,
  testRun,
  VerifierError,
} from "../../runtime/loader/index.ts";
import { objectNameOf } from "../../core/object/index.ts";
import { hasCommand } from "../support/env.ts";
import { clangForFixtures, kernelReady } from "../support/kernel-setup.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const run = kernelReady("kernel object loader tests");
const clang = run ? clangForFixtures("kernel object loader tests") : undefined;

let dir = "";
const objects = new Map<string, Uint8Array>();

function compile(name: string): Uint8Array {
  const out = join(dir, `${name}.o`);
  execFileSync(clang!, [
    "-O2",
    "-g",
    "-target",
    "bpf",
    "-mcpu=v3",
    "-I/usr/include/x86_64-linux-gnu",
    "-c",
    join(FIXTURES, `${name}.bpf.c`),
    "-o",
    out,
  ]);
  return readFileSync(out);
}

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64At = (b: Uint8Array, at = 0) =>
  new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);

function mapIdsNamed(name: string): number[] {
  const maps = JSON.parse(
    execFileSync("bpftool", ["-j", "map", "show"], { encoding: "utf8" }) || "[]",
  );
  return (maps as { id: number; name?: string }[]).filter((m) => m.name === name).map((m) => m.id);
}

describe.runIf(run && clang)("object loader on clang-compiled objects", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-kobj-"));
    for (const n of ["counter", "xdp-drop", "bad-deref"]) objects.set(n, compile(n));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counter: maps incl. global data, subprogram call, tracepoint attach, clean close", () => {
    const obj = loadObject(objects.get("counter")!);
    let progId = 0;
    try {
      expect([...obj.maps.keys()].sort()).toEqual(
        [".bss", ".data", ".rodata", "calls_by_pid", "events", "percpu_hits"].sort(),
      );
      expect(obj.map("events").type).toBe(MapType.RINGBUF);
      expect(u64At(obj.map(".data").lookup(u32(0))!)).toBe(3n); // initial value of `step`
      expect(() => obj.map(".rodata").update(u32(0), new Uint8Array(4))).toThrow(/EPERM/); // frozen
      const prog = obj.program("count_getppid");
      progId = programInfo(prog.fd).id;
      expect(programInfo(prog.fd).btfId).toBeGreaterThan(0);
      obj.attach("count_getppid");
      for (let i = 0; i < 5; i++) void process.ppid;
      expect(u64At(obj.map("calls_by_pid").lookup(u32(process.pid))!)).toBeGreaterThanOrEqual(5n);
      const total = u64At(obj.map(".bss").lookup(u32(0))!);
      expect(total).toBeGreaterThanOrEqual(15n);
      expect(total % 3n).toBe(0n);
      const perCpu = obj.map("percpu_hits").lookupPerCpu(u32(0))!;
      expect(perCpu.reduce((s, v) => s + u64At(v), 0n)).toBeGreaterThanOrEqual(5n);
    } finally {
      obj.close();
      obj.close();
    }
    if (hasCommand("bpftool", ["version"])) {
      eventually(() => {
        const progs = JSON.parse(
          execFileSync("bpftool", ["-j", "prog", "show"], { encoding: "utf8" }),
        );
        expect((progs as { id: number }[]).map((p) => p.id)).not.toContain(progId);
      });
    }
  });

  it("global data maps get libbpf's object-name prefix in the kernel (<obj>.bss)", () => {
    const named = loadObject(objects.get("counter")!, {
      objectName: objectNameOf("out/counter.o"),
    });
    const anonymous = loadObject(objects.get("counter")!);
    try {
      const kernelName = (o: typeof named, m: string) => mapInfo(o.map(m).fd).name;
      expect(kernelName(named, ".bss")).toBe("counter.bss");
      expect(kernelName(named, ".data")).toBe("counter.data");
      expect(kernelName(named, ".rodata")).toBe("counter.rodata");
      expect(kernelName(named, "calls_by_pid")).toBe("calls_by_pid");
      expect(kernelName(anonymous, ".bss")).toBe(".bss");
    } finally {
      named.close();
      anonymous.close();
    }
  });

  it("xdp-drop: links the .text subprogram and test-runs both verdicts", () => {
    const obj = loadObject(objects.get("xdp-drop")!);
    try {
      const prog = obj.program("xdp_drop_broadcast");
      const frame = new Uint8Array(60);
      frame.fill(0xff, 0, 6);
      expect(testRun(prog, { data: frame }).retval).toBe(1); // XDP_DROP
      frame[0] = 0x02;
      expect(testRun(prog, { data: frame, repeat: 10 }).retval).toBe(2); // XDP_PASS
      expect(u64At(obj.map("verdicts").lookup(u32(1))!)).toBe(1n);
      expect(u64At(obj.map("verdicts").lookup(u32(2))!)).toBe(10n);
      expect(() => obj.attach("xdp_drop_broadcast")).toThrow(/needs an interface/);
    } finally {
      obj.close();
    }
  });

  it("bad-deref: VerifierError points at the source line; nothing is left behind", async () => {
    const before = hasCommand("bpftool", ["version"]) ? mapIdsNamed("counts") : [];
    let err: unknown;
    try {
      loadObject(objects.get("bad-deref")!);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.program).toBe("missing_null_check");
    expect(v.reason).toMatch(/invalid mem access 'map_value_or_null'/);
    expect(v.sourceLine).toMatch(/\*value \+= 1;.*bad-deref\.bpf\.c:16/);
    expect(v.message).toMatch(/at instruction \d+ \(\*value \+= 1;/);
    expect(v.log).toMatch(/^; \*value \+= 1; @ bad-deref\.bpf\.c:16$/m);
    if (hasCommand("bpftool", ["version"])) {
      eventually(() =>
        expect(mapIdsNamed("counts").filter((id) => !before.includes(id))).toEqual([]),
      );
    }
  });

  it("user mistakes are clean errors", () => {
    expect(() => loadObject(objects.get("xdp-drop")!, { programs: ["nope"] })).toThrow(
      /no program named "nope"/,
    );
    expect(() => loadObject(new Uint8Array([1, 2, 3]))).toThrow(/not an ELF file/);
    const obj = loadObject(objects.get("xdp-drop")!);
    try {
      expect(() => obj.map("nope")).toThrow(LoaderError);
      expect(() => obj.map("nope")).toThrow(/maps: verdicts/);
    } finally {
      obj.close();
    }
  });

  it("tsbpf prog load prints verified-insn counts, and clean errors", () => {
    const obj = join(dir, "counter.o");
    const cli = join(import.meta.dirname, "../../bin/tsbpf.js");
    const out = execFileSync(cli, ["prog", "load", obj, "--log-level", "4"], { encoding: "utf8" });
    expect(out).toMatch(
      /count_getppid: TRACEPOINT \(section tracepoint\/syscalls\/sys_enter_getppid\), id \d+, [1-9]\d* insns verified/,
    );
    expect(out).toMatch(/processed [1-9]\d* insns/);
    let stderr = "";
    try {
      execFileSync(cli, ["prog", "load", join(dir, "bad-deref.o")], {
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (e) {
      stderr = String((e as { stderr: string }).stderr);
      expect((e as { status: number }).status).toBe(1);
    }
    expect(stderr.startsWith(`tsbpf: ${join(dir, "bad-deref.o")}: verifier rejected program`)).toBe(
      true,
    );
    expect(stderr).toMatch(/rejected program "missing_null_check"/);
  });
});
