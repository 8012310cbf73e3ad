/**
 * ksyscall / kretsyscall (fixture test/kernel/kinds/ksyscall.ts): the programs load on the live
 * kernel; attaching resolves the syscall's arch wrapper (__x64_sys_openat) as libbpf does and puts a
 * kprobe on it. A kernel without kprobes gets exactly the loader's refusal naming the syscall, the
 * wrapper and why; with kprobes, an openat we make is counted. The VM runs the same programs on a
 * wrapper pt_regs whose `di` points at the caller's registers in fake kernel memory, as the kernel
 * hands them, and reads the typed arguments from them.
 */
import { openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset, SYSCALL_ARG_REGS } from "../../core/kernel/index.ts";
import {
  kprobePmu,
  loadObject,
  LoaderError,
  programInfo,
  syscallWrapper,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FIXTURE = join(import.meta.dirname, "kinds", "ksyscall.ts");
const run = kernelReady("ksyscall programs");

async function compileFixture(): Promise<Uint8Array> {
  const out = await compileSource(readFileSync(FIXTURE, "utf8"), "ksyscall.ts", { check: true });
  expect(out.diagnostics).toEqual([]);
  return out.object!;
}

/** Slot `i` of the `calls` map, from the kernel (`lookup`) or the VM (`get`). */
function slot(from: LoadedObject | VmObject, i: number): bigint {
  const key = new Uint8Array(new Uint32Array([i]).buffer);
  const v = from instanceof VmObject ? from.map("calls").get(key)! : from.map("calls").lookup(key)!;
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
}

describe("ksyscall in the VM", () => {
  it("reads the typed arguments from the caller's registers the wrapper's di points at", async () => {
    const user = new Uint8Array(168);
    const uv = new DataView(user.buffer);
    const regs = 0xffff_8880_0000_1000n;
    // openat(AT_FDCWD, path, O_CREAT | O_WRONLY); cx holds garbage (`syscall` clobbers it).
    const args = [-100n, 0x7fff_0000n, 0o101n];
    args.forEach((a, i) =>
      uv.setBigUint64(contextOffset("pt_regs", SYSCALL_ARG_REGS[i]!), BigInt.asUintN(64, a), true),
    );
    uv.setBigUint64(contextOffset("pt_regs", "rcx"), 0xdeadn, true);
    const vm = VmObject.load(await compileFixture(), {
      kernelMemory: [{ address: regs, bytes: user }],
    });
    try {
      const wrapper = new Uint8Array(168);
      new DataView(wrapper.buffer).setBigUint64(contextOffset("pt_regs", "rdi"), regs, true);
      vm.program("onOpenat").run({ ctx: wrapper });
      expect([slot(vm, 0), slot(vm, 2)]).toEqual([0o101n, 1n]);
      // Another dfd is not counted: the first argument is really di of the caller.
      uv.setBigUint64(contextOffset("pt_regs", "rdi"), 3n, true);
      vm.program("onOpenat").run({ ctx: wrapper });
      expect(slot(vm, 2)).toBe(1n);
      // kretsyscall: the return value is the wrapper's ax.
      new DataView(wrapper.buffer).setBigUint64(contextOffset("pt_regs", "rax"), 5n, true);
      vm.program("onOpenatReturn").run({ ctx: wrapper });
      new DataView(wrapper.buffer).setBigInt64(contextOffset("pt_regs", "rax"), -2n, true);
      vm.program("onOpenatReturn").run({ ctx: wrapper });
      expect(slot(vm, 1)).toBe(1n);
    } finally {
      vm.dispose();
    }
  });
});

describe.runIf(run)("ksyscall on the live kernel", () => {
  let obj: LoadedObject;
  beforeAll(async () => {
    obj = loadObject(await compileFixture());
  });
  afterAll(() => obj?.close());

  it("both programs load as kprobe programs in their ksyscall sections", () => {
    expect(
      [...obj.programs.values()].map((p) => [p.section, programInfo(p.program.fd).type]),
    ).toEqual([
      ["ksyscall/openat", 2],
      ["kretsyscall/openat", 2],
    ]);
  });

  it("the syscall resolves to its arch wrapper; a name with none is a LoaderError", () => {
    expect(syscallWrapper("openat")).toBe("__x64_sys_openat");
    expect(() => syscallWrapper("opnat")).toThrow(
      /system call "opnat" has no kernel entry __x64_sys_opnat \(in \/proc\/kallsyms or the kernel's BTF\)/,
    );
  });

  it("attaches a kprobe on __x64_sys_openat, or is refused exactly for lack of kprobes", () => {
    for (const [name, section] of [
      ["onOpenat", "ksyscall"],
      ["onOpenatReturn", "kretsyscall"],
    ] as const) {
      if (!kprobePmu()) {
        const e = (() => {
          try {
            obj.attach(name);
          } catch (err) {
            return err;
          }
          return undefined;
        })();
        expect(e).toBeInstanceOf(LoaderError);
        expect(String((e as Error).message)).toMatch(
          new RegExp(
            `^${section}/openat \\(a kprobe on __x64_sys_openat\\): k(ret)?probe program "${name}" .*a BPF_PROG_TYPE_KPROBE program on Linux \\S+ cannot attach: kprobes are not available on this kernel \\(no kprobe PMU at /sys/bus/event_source/devices/kprobe`,
          ),
        );
        continue;
      }
      const link = obj.attach(name);
      try {
        const before = [slot(obj, 1), slot(obj, 2)];
        closeSync(openSync(FIXTURE, "r"));
        expect(slot(obj, section === "ksyscall" ? 2 : 1)).toBeGreaterThan(
          before[section === "ksyscall" ? 1 : 0]!,
        );
      } finally {
        link.detach();
      }
    }
  });
});
