/**
 * The packet examples load under BPF_F_STRICT_ALIGNMENT: the verifier then checks every packet and
 * stack access against its alignment model (packet data NET_IP_ALIGN = 2 past an 8-byte boundary), as it does on an
 * architecture without efficient unaligned access. The compiler sizes copies out of the packet by
 * that model (compiler/passes/pointer-alignment.ts): lpm-firewall's 16-byte IPv6 source address
 * moves as four 4-byte words (its destination, the key's address field, is 4-aligned), and the kernel must accept exactly that.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { BPF_CONSTANTS } from "../../core/kernel/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = kernelReady("strict-alignment load tests");

const PACKET_EXAMPLES = [
  "lpm-firewall",
  "xdp-firewall",
  "xdp-counter",
  "xdp-nat",
  "tc-portcount",
  "tc-marker",
  "flow-queue",
  "tenant-acl",
];

async function build(name: string): Promise<Uint8Array> {
  const file = join(ROOT, "examples", `${name}.ts`);
  const out = await compileSource(readFileSync(file, "utf8"), file, { emit: "obj", check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

describe("packet copies sized by the verifier's alignment model", () => {
  it("lpm-firewall copies the IPv6 source address with 4-byte packet loads", async () => {
    const obj = readBpfObject(await build("lpm-firewall"));
    const prog = obj.programs.find((p) => p.name === "firewall")!;
    // ipv6hdr.saddr is bytes 22..37 of the frame (IPv4's saddr load at 26 comes first)
    const words = prog.insns.filter((i) => i.spec.name === "ldxw" && i.off >= 22 && i.off < 38);
    expect(words.map((i) => i.off).slice(-4)).toEqual([22, 26, 30, 34]);
    expect(prog.insns.some((i) => i.spec.name === "ldxb")).toBe(false);
  });

  describe.runIf(run)("on the live kernel", () => {
    for (const name of PACKET_EXAMPLES) {
      it(`${name} loads with BPF_F_STRICT_ALIGNMENT`, async () => {
        const loaded = loadObject(await build(name), {
          progFlags: BPF_CONSTANTS.BPF_F_STRICT_ALIGNMENT,
        });
        try {
          expect(loaded.programs.size).toBeGreaterThan(0);
        } finally {
          loaded.close();
        }
      });
    }
  });
});
