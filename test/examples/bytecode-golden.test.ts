/**
 * Every example's bytecode golden (examples/golden/<name>.bpf.golden), kept through the same
 * workflow users get from tsbpf/test: `compileProbe` + `toMatchBytecodeGolden`, updated with
 * `npx vitest run test/examples/bytecode-golden.test.ts -u` (review the diff). The examples read no
 * kernel BTF, so their goldens say `btf: none` and hold on any build host.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bytecodeMatchers, compileProbe } from "../../testing/index.ts";
import { EXAMPLES, ROOT } from "../build/support.ts";

expect.extend(bytecodeMatchers);

describe("example bytecode goldens", () => {
  it("has examples", () => expect(EXAMPLES.length).toBeGreaterThan(0));
  for (const name of EXAMPLES) {
    it(`${name}: the listing matches examples/golden/${name}.bpf.golden`, async () => {
      const probe = await compileProbe(join(ROOT, "examples", `${name}.ts`));
      expect(probe.meta.btf).toBeNull();
      expect(probe).toMatchBytecodeGolden(`../../examples/golden/${name}.bpf.golden`);
    });
  }
});
