/**
 * Typed kernel arguments (test/frontend/cases/kernel-args.ts with the fixture BTF of
 * test/frontend/btf-fixture.ts): run in the VM with the argument words a trampoline or pt_regs
 * would hold, the emitted sections and program BTF, and the BTF reader on the real vmlinux when the
 * machine has one. The kernel refuses trampolines here, so attaching is not exercised.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { DEFAULT_KERNEL_BTF, loadKernelBtf } from "../../compiler/frontend/kernel-btf.ts";
import { nodeHost } from "../../compiler/frontend/host.ts";
import type { VmObject } from "../../runtime/vm/api.ts";
import { fixtureBtf } from "../frontend/btf-fixture.ts";
import { loadCase, run } from "./support.ts";

const M64 = (1n << 64n) - 1n;

describe("typed kernel arguments in the VM", () => {
  let obj: VmObject;
  beforeAll(async () => void (obj = await loadCase("kernel-args", fixtureBtf())));

  it("fentry binds vfs_read's arguments by name", () => {
    expect(run(obj, "readEntry", 0xffff_8880_0000_1000n, 0x7ffd_0000n, 8192, 0)).toBe(1n);
    expect(run(obj, "readEntry", 0xffff_8880_0000_1000n, 0x7ffd_0000n, 4096, 0)).toBe(0n);
  });

  it("fexit binds the return value after the arguments (ssize_t, signed)", () => {
    expect(run(obj, "readExit", 1, 2, 3, 4, 4000)).toBe(4000n);
    expect(run(obj, "readExit", 1, 2, 3, 4, -14n & M64)).toBe(0n);
  });

  it("narrow arguments take the prototype's width and signedness from the low bits", () => {
    // a: int -5 (upper garbage ignored), b: short 0xffff = -1, c: u8 0x1ff -> 0xff, d: bool 1,
    // e: enum (int) -2, f: unsigned int 7.
    const words = [0xdead_0000_ffff_fffbn, 0xffff, 0x1ff, 0x101, -2n & M64, 7];
    expect(run(obj, "narrow", ...words)).toBe(-5n - 1n - 2n + 255n + 7n);
    // bool low byte 0 (only bits above it set): c is not added.
    expect(run(obj, "narrow", 10, 20, 30, 0x100, 1, 2)).toBe(33n);
  });

  it("a tuple type argument binds like annotations", () => {
    expect(run(obj, "tuple", 0x1000, 0x1800)).toBe(0x800n);
  });

  it("a parameter after a 16-byte struct by value reads slot 2", () => {
    expect(run(obj, "afterPair", 111, 222, -9n & M64)).toBe(-9n);
  });

  it("kprobe reads registers, kretprobe rax, tp_btf the tracepoint's arguments", () => {
    const regs = new Uint8Array(168);
    const v = new DataView(regs.buffer);
    v.setBigUint64(112, 6n, true); // di
    v.setBigUint64(104, (-7n & M64) | 0n, true); // si (short -7 in its low bits)
    v.setBigUint64(80, 123n, true); // ax
    expect(BigInt.asIntN(64, obj.program("probe").run({ ctx: regs }).r0)).toBe(-42n);
    expect(obj.program("probeRet").run({ ctx: regs }).r0).toBe(123n);
    expect(run(obj, "sched", 1, 5)).toBe(15n);
  });
});

describe("typed kernel arguments in the object", () => {
  it("keeps libbpf's sections (attach targets) and a one-argument ctx prototype", async () => {
    const file = "test/frontend/cases/kernel-args.ts";
    const source = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    const out = await compileSource(source, file, { btf: fixtureBtf() });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const sections = Object.fromEntries(out.spec!.programs.map((p) => [p.name, p.section]));
    expect(sections).toMatchObject({
      readEntry: "fentry/vfs_read",
      readExit: "fexit/vfs_read",
      narrow: "fentry/demo_narrow",
      afterPair: "fentry/demo_pair",
      probe: "kprobe/demo_narrow",
      probeRet: "kretprobe/vfs_read",
      sched: "tp_btf/demo_switch",
    });
    // The program's own BTF is `long name(void *ctx)` like BPF_PROG's; the kernel function's
    // prototype is resolved by libbpf from the section's target at load time.
    const btf = out.spec!.btf!;
    const fn = btf.types.find((t) => t.kind === "func" && t.name === "readExit");
    expect(fn).toBeDefined();
    const proto = btf.types[(fn as { type: number }).type]!;
    expect(proto.kind).toBe("func_proto");
    expect(proto.kind === "func_proto" ? proto.params.length : -1).toBe(1);
  });
});

describe.runIf(existsSync(DEFAULT_KERNEL_BTF))("the running kernel's BTF", () => {
  it("resolves vfs_read and a tracepoint quickly", () => {
    const t0 = performance.now();
    const k = loadKernelBtf(DEFAULT_KERNEL_BTF, nodeHost());
    const p = k.func("vfs_read")!;
    const elapsed = performance.now() - t0;
    expect(p.params.map((x) => [x.name, x.type.kind])).toEqual([
      ["file", "ptr"],
      ["buf", "ptr"],
      ["count", "int"],
      ["pos", "ptr"],
    ]);
    expect(p.returns).toEqual({ kind: "int", bits: 64, signed: true });
    expect(k.tracepoint("sched_switch")?.params.length).toBeGreaterThanOrEqual(3);
    expect(k.func("no_such_function_tsbpf")).toBeNull();
    expect(elapsed).toBeLessThan(1000);
  });
});
