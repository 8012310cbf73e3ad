/**
 * freplace (BPF_PROG_TYPE_EXT, fixture test/fixtures/freplace.ts): the program compiles into its
 * libbpf section and runs in the VM on the struct it declares; on the live kernel the loader finds
 * the replaced function in the kernel's copy of the target program's BTF (as libbpf's
 * bpf_program__set_attach_target) and loads against it, which this kernel refuses before the
 * verifier like every BPF trampoline: the test accepts exactly that refusal. A missing target, an
 * unknown function and a static one are LoaderErrors saying so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { BtfKindNumber } from "../../core/btf/index.ts";
import {
  freplaceTargetId,
  KernelError,
  loadObject,
  LoaderError,
  programBtf,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "freplace.ts");
const run = kernelReady("freplace programs");

async function compileFixture(): Promise<Uint8Array> {
  const out = await compileSource(readFileSync(FIXTURE, "utf8"), "freplace.ts", { check: true });
  expect(out.diagnostics).toEqual([]);
  expect(out.spec!.programs.map((p) => p.section)).toEqual(["xdp", "freplace/target"]);
  return out.object!;
}

describe("freplace in the VM", () => {
  it("runs the replacement on the struct its ctx declares", async () => {
    const vm = VmObject.load(await compileFixture());
    try {
      const words = (data: number, end: number) =>
        new Uint8Array(new Uint32Array([data, end]).buffer);
      expect(vm.program("replacement").run({ ctx: words(0x1000, 0x1040) }).r0).toBe(2n);
      expect(vm.program("replacement").run({ ctx: words(0x1000, 0x1080) }).r0).toBe(1n);
    } finally {
      vm.dispose();
    }
  });
});

describe.runIf(run)("freplace on the live kernel", () => {
  let bytes: Uint8Array;
  let target: LoadedObject;
  beforeAll(async () => {
    bytes = await compileFixture();
    target = loadObject(bytes, { programs: ["target"] });
  });
  afterAll(() => target?.close());

  it("finds the replaced function in the kernel's BTF of the target program", () => {
    const fd = target.program("target").fd;
    const id = freplaceTargetId(fd, "target");
    const btf = programBtf(fd);
    expect([btf.kindOf(id), btf.name(id)]).toEqual([BtfKindNumber.func, "target"]);
    expect(() => freplaceTargetId(fd, "nosuch")).toThrow(
      /freplace target program \(fd \d+\) has no function "nosuch" in its BTF \(it has target, replacement\)/,
    );
  });

  it("loads against the target, which this kernel refuses before the verifier as a trampoline", () => {
    const e = (() => {
      try {
        loadObject(bytes, {
          programs: ["replacement"],
          freplaceTargets: { replacement: target.program("target").fd },
        }).close();
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(KernelError);
    expect((e as Error).message).toMatch(
      /^BPF_PROG_LOAD \(program "replacement" at freplace.ts:\d+\) failed: EPERM: a BPF_PROG_TYPE_EXT program on Linux \S+ is refused even as root, before verification: this kernel does not allow BPF trampolines, which fentry\/fexit\/fmod_ret, lsm and freplace programs need/,
    );
  });

  it("without a target program, the load is a LoaderError naming the option", () => {
    expect(() => loadObject(bytes, { programs: ["replacement"] })).toThrow(LoaderError);
    expect(() => loadObject(bytes, { programs: ["replacement"] })).toThrow(
      /program "replacement" \(SEC\("freplace\/target"\)\): a BPF_PROG_TYPE_EXT program replaces function "target" of another loaded BPF program; give that program's fd as the load option freplaceTargets: \{ replacement: fd \}/,
    );
  });
});
