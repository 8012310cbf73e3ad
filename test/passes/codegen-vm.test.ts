/**
 * Code-size transformations checked in the VM against a reference: each program is built plain
 * (no optimisation: the reference) and optimised, both run on the same inputs in the VM, and every
 * result (r0 and the maps the programs write) must agree. The inputs are seeded pseudo-random and
 * reach every outcome the programs have.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";

const ROOT = join(import.meta.dirname, "../..");

async function builds(source: string, name: string): Promise<{ plain: VmObject; opt: VmObject }> {
  const build = async (optimize: boolean) => {
    const out = await compileSource(source, name, { check: true, optimize });
    if (!out.object) throw new Error(formatDiagnostics(out.diagnostics, { [name]: source }));
    return VmObject.load(out.object);
  };
  return { plain: await build(false), opt: await build(true) };
}

/** A seeded generator of bytes (LCG), so every run sees the same inputs. */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) >>> 0), (x >>> 16) & 0xff);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sortedEntries = (vm: VmObject, map: string) =>
  vm
    .map(map)
    .entries()
    .map(([k, v]) => `${hex(k)}=${hex(v)}`)
    .sort();

describe("optimised builds agree with plain builds in the VM", () => {
  it("flow-queue: a popped record's null test is the helper's result (compare-of-select)", async () => {
    const source = readFileSync(join(ROOT, "examples/flow-queue.ts"), "utf8");
    const { plain, opt } = await builds(source, "flow-queue.ts");
    const rnd = random(7);
    for (let n = 0; n < 120; n++) {
      // Ethernet + IPv4 with few distinct addresses and protocols, so flows repeat.
      const packet = new Uint8Array(34).map(() => rnd());
      packet[12] = 0x08;
      packet[13] = n % 9 === 0 ? 0x06 : 0x00; // now and then not IPv4
      packet[23] = rnd() % 4; // protocol
      for (let i = 26; i < 34; i++) packet[i] = rnd() % 3;
      for (const vm of [plain, opt]) vm.program("produce").run({ packet });
      // Consume less often than produce, and sometimes from an empty queue.
      if (n % 2 === 0) {
        const want = plain.program("consume").run({ packet });
        const got = opt.program("consume").run({ packet });
        expect(got.r0).toBe(want.r0);
      }
    }
    for (let n = 0; n < 80; n++) {
      const packet = new Uint8Array(34);
      expect(opt.program("consume").run({ packet }).r0).toBe(
        plain.program("consume").run({ packet }).r0,
      );
    }
    expect(sortedEntries(opt, "consumed")).toEqual(sortedEntries(plain, "consumed"));
    // the consumer counted several protocols
    expect(sortedEntries(plain, "consumed").length).toBeGreaterThan(2);
  });
});
