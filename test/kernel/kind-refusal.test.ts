/**
 * The loader's "this kernel lacks the kind" errors, on the live kernel: each names the kind as the
 * kernel does (program type and attach type, or map type), the program (with its source line when
 * the object has line info), the running kernel's release and what the kernel returned.
 *
 * - a program type newer than the kernel (number 99) and a map type newer than the kernel: EINVAL,
 *   explained from the kernel's BTF enums;
 * - SEC("lirc_mode2") from a C object, where the kernel is built without CONFIG_BPF_LIRC_MODE2 (as
 *   here): EINVAL, explained from `struct bpf_ctx_convert`; on a kernel built with it, it loads;
 * - the same from TypeScript (`lircMode2`), naming the program's TypeScript line;
 * - kprobes on a kernel without a kprobe PMU: the attach error names the program and the release.
 */
import { release } from "node:os";
import { describe, expect, it } from "vitest";
import { insnSpec, makeInsn, type Insn } from "../../core/isa/index.ts";
import { compileSource } from "../../compiler/driver.ts";
import { readBpfObject } from "../../core/object/index.ts";
import {
  attachKprobe,
  createMap,
  KernelError,
  kprobePmu,
  LoaderError,
  loadObject,
  loadProgram,
  MapType,
  ProgType,
} from "../../runtime/loader/index.ts";
import {
  clangForFixtures,
  compileCObject,
  kernelConfigOption,
  kernelReady,
} from "../support/kernel-setup.ts";
import { errorOf } from "../support/error-of.ts";

const run = kernelReady("kernel kind-refusal tests");
const I = (name: string, f: Parameters<typeof makeInsn>[1] = {}): Insn =>
  makeInsn(insnSpec(name), f);
const RETURN_0 = [I("mov64_imm", { dst: 0, imm: 0 }), I("exit")];
const RELEASE = release().replace(/[.+]/g, "\\$&");

describe.skipIf(!run)("kinds this kernel lacks", () => {
  it("a program type newer than the kernel: EINVAL naming the type number and the release", () => {
    const e = errorOf(() => loadProgram({ name: "future", type: 99, insns: RETURN_0 }));
    expect(e).toBeInstanceOf(KernelError);
    expect((e as KernelError).code).toBe("EINVAL");
    expect(e.message).toMatch(
      new RegExp(
        `^BPF_PROG_LOAD \\(program "future"\\) failed: EINVAL: a program type 99 program on Linux ${RELEASE}: this kernel does not know program type 99 \\(number 99 is not a member of its BTF enum bpf_prog_type`,
      ),
    );
  });

  it("a map type newer than the kernel: EINVAL naming the map, the type and the release", () => {
    const e = errorOf(() =>
      createMap({ name: "future", type: 99, keySize: 4, valueSize: 4, maxEntries: 1 }),
    );
    expect((e as KernelError).code).toBe("EINVAL");
    expect(e.message).toMatch(
      new RegExp(
        `^BPF_MAP_CREATE \\(creating map "future" \\(type 99, key 4, value 4, max 1\\)\\) failed: EINVAL: a map type 99 map on Linux ${RELEASE}: this kernel does not know map type 99`,
      ),
    );
  });

  it("a map the kernel knows but refuses for its sizes keeps the generic EINVAL hint", () => {
    const e = errorOf(() =>
      createMap({ name: "bad", type: MapType.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 }),
    );
    expect((e as KernelError).code).toBe("EINVAL");
    expect(e.message).not.toMatch(/does not know/);
    expect(e.message).toMatch(/a field this kernel does not accept/);
  });

  it("SEC(lirc_mode2) from a C object: refused naming the kind, the program's line and the release, unless built in", () => {
    const clang = clangForFixtures("the lirc_mode2 refusal test");
    if (!clang) return;
    const c = compileCObject(
      clang,
      "lirc",
      '#define SEC(n) __attribute__((section(n), used))\nSEC("lirc_mode2") int decode(unsigned int *sample)\n{\n\treturn *sample > 0;\n}\nchar LICENSE[] SEC("license") = "GPL";\n',
    );
    try {
      const load = () => loadObject(readBpfObject(c.bytes), {}).close();
      if (kernelConfigOption("CONFIG_BPF_LIRC_MODE2") === "y") {
        expect(load).not.toThrow();
        return;
      }
      const e = errorOf(load);
      expect((e as KernelError).code).toBe("EINVAL");
      expect(e.message).toMatch(
        new RegExp(
          `^BPF_PROG_LOAD \\(program "decode" at ${c.path.replace(/[.+]/g, "\\$&")}:4\\) failed: EINVAL: a BPF_PROG_TYPE_LIRC_MODE2 program \\(attach type BPF_LIRC_MODE2\\) on Linux ${RELEASE}: this kernel is built without BPF_PROG_TYPE_LIRC_MODE2 \\(struct bpf_ctx_convert`,
        ),
      );
    } finally {
      c.cleanup();
    }
  });

  it("lircMode2 from TypeScript: the same refusal, at the program's TypeScript line", async () => {
    const src = `
      import { lircMode2, type LircSample } from "tsbpf";
      export const decode = lircMode2((ctx: LircSample) => {
        return ctx.sample > 0 ? 1 : 0;
      });
      export const license = "GPL";
    `;
    const out = await compileSource(src, "lirc.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const load = () => loadObject(out.object!).close();
    if (kernelConfigOption("CONFIG_BPF_LIRC_MODE2") === "y") {
      expect(load).not.toThrow();
      return;
    }
    expect(load).toThrow(
      new RegExp(
        `^BPF_PROG_LOAD \\(program "decode" at lirc\\.ts:4\\) failed: EINVAL: a BPF_PROG_TYPE_LIRC_MODE2 program \\(attach type BPF_LIRC_MODE2\\) on Linux ${RELEASE}: this kernel is built without BPF_PROG_TYPE_LIRC_MODE2`,
      ),
    );
  });

  it("kprobes on a kernel without a kprobe PMU: the attach error names the program and the release", () => {
    const prog = loadProgram({ name: "probe", type: ProgType.KPROBE, insns: RETURN_0 });
    try {
      if (kprobePmu()) {
        attachKprobe(prog, "vfs_getattr").close();
        return;
      }
      const e = errorOf(() => attachKprobe(prog, "vfs_getattr"));
      expect(e).toBeInstanceOf(LoaderError);
      expect(e.message).toMatch(
        new RegExp(
          `^kprobe program "probe" \\(kprobe/vfs_getattr\\): a BPF_PROG_TYPE_KPROBE program on Linux ${RELEASE} cannot attach: kprobes are not available on this kernel \\(no kprobe PMU at /sys/bus/event_source/devices/kprobe${kernelConfigOption("CONFIG_KPROBES") === "n" ? ", built without CONFIG_KPROBES" : ""}\\)`,
        ),
      );
    } finally {
      prog.close();
    }
  });
});
