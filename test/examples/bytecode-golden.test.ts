/**
 * Every example's bytecode golden (examples/golden/<name>.bpf.golden), kept through the same
 * workflow users get from tsbpf/test: `compileProbe` + `toMatchBytecodeGolden`, updated with
 * `npx vitest run test/examples/bytecode-golden.test.ts -u` (review the diff). Those examples read
 * no kernel BTF, so their goldens say `btf: none` and hold on any build host.
 *
 * The examples that read the build host's kernel BTF (not pinned by a tsbpf.json) are the exception:
 * CO-RE examples (kernel structs: local offsets from that BTF) and BTF-typed contexts (lsm, iter:
 * BTF ids of the attach target), so a listing would hold only on this kernel. They are checked for
 * carrying CO-RE relocations or a BTF-targeted section here; what the relocations resolve to is
 * compared with libbpf's on two kernels in test/core-relo and test/guest.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasCoreRelocations } from "../../core/object/core-apply.ts";
import { resolveSection } from "../../core/kernel/index.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { bytecodeMatchers, compileProbe } from "../../testing/index.ts";
import { EXAMPLES, ROOT } from "../build/support.ts";

expect.extend(bytecodeMatchers);

describe("example bytecode goldens", () => {
  it("has examples", () => expect(EXAMPLES.length).toBeGreaterThan(0));
  for (const name of EXAMPLES) {
    it(`${name}: the listing matches examples/golden/${name}.bpf.golden, or it is a CO-RE example`, async () => {
      const probe = await compileProbe(join(ROOT, "examples", `${name}.ts`));
      if (probe.meta.btf !== null) {
        // Read the host's kernel BTF: only CO-RE or a BTF-typed context gives a reason to.
        expect(probe.meta.btf.pinned).toBe(false);
        const obj = readBpfObject(probe.object);
        const btfTyped = obj.programs.some((p) => resolveSection(p.section)?.def.btfTarget);
        expect(hasCoreRelocations(obj) || btfTyped).toBe(true);
        return;
      }
      expect(probe).toMatchBytecodeGolden(`../../examples/golden/${name}.bpf.golden`);
    });
  }
});
