/**
 * The playground's page modules under Node, with the same assets and host the page gets: every
 * example has a sample input (examples/samples.json names exactly the examples), and running each
 * example's first program on it in the VM succeeds; return values get their names; the packet
 * builder writes a valid IPv4 header.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { memoryHost } from "../../compiler/frontend/host.ts";
import { readAssets } from "../../playground/assets.ts";
import { compileInPage } from "../../playground/compile.ts";
import { buildPacket } from "../../playground/packet-fields.ts";
import { returnName } from "../../core/kernel/return-codes.ts";
import { parseHexBytes, runInPage } from "../../playground/run.ts";
import { readsKernelBtf } from "../support/kernel-btf.ts";

const assets = readAssets(fileURLToPath(new URL("../../", import.meta.url)));
const host = memoryHost(new Map(Object.entries(assets.stdlib)));

describe("playground page modules", () => {
  it("examples/samples.json has a sample for exactly the examples", () => {
    expect(Object.keys(assets.samples).sort()).toEqual(Object.keys(assets.examples).sort());
  });

  it.each(Object.keys(assets.examples))("%s runs its first program on its sample", async (name) => {
    const out = await compileInPage(assets.examples[name]!, `examples/${name}.ts`, host);
    if (readsKernelBtf(assets.examples[name]!)) {
      // Kernel-struct (CO-RE) examples and BTF-typed contexts (lsm, iter) need a kernel's BTF,
      // which the page does not have: one error saying so.
      expect(out.diagnostics).toMatch(
        /TSB30(14|24).* need the kernel's BTF|TSB30(14|24).*needs the kernel's BTF/,
      );
      return;
    }
    expect(out.diagnostics).toBe("");
    expect(out.objdump).toContain("Disassembly of section");
    const s = assets.samples[name]!;
    const bytes =
      s.packet !== undefined
        ? (parseHexBytes(assets.packets[s.packet]!) as Uint8Array)
        : s.ctxHex !== undefined
          ? (parseHexBytes(s.ctxHex) as Uint8Array)
          : new Uint8Array(s.ctxZeros ?? 0);
    const kind = s.packet !== undefined ? "packet" : "ctx";
    const r = runInPage(out.object!, out.programs[0]!, { kind, bytes }, s.set ?? []);
    expect(r.error).toBeUndefined();
    expect(r.summary).toMatch(/ returned \d+/);
  });

  it("names return values by program type", () => {
    expect(returnName("XDP", 1n)).toBe("XDP_DROP");
    expect(returnName("SCHED_CLS", 2n)).toBe("TC_ACT_SHOT");
    expect(returnName("SOCKET_FILTER", 0n)).toBe("drop");
    expect(returnName("TRACEPOINT", 0n)).toBeUndefined();
  });

  it("reports a bad map assignment as an error line, not an exception", async () => {
    const out = await compileInPage(assets.examples["xdp-firewall"]!, "x.ts", host);
    const r = runInPage(out.object!, "firewall", { kind: "packet", bytes: new Uint8Array(64) }, [
      "nosuch:1=2",
    ]);
    expect(r.error).toMatch(/nosuch/);
  });

  it("builds an IPv4/UDP packet with a correct header checksum", () => {
    const p = buildPacket({
      src: "10.0.0.2",
      dst: "10.0.0.1",
      protocol: "udp",
      sport: "40000",
      dport: "53",
      payload: "ping",
    });
    expect(p).toBeInstanceOf(Uint8Array);
    const b = p as Uint8Array;
    // The same frame as examples/packets/udp-from-10.0.0.2.bin.
    expect(Buffer.from(b).toString("hex")).toBe(assets.packets["udp-from-10.0.0.2.bin"]);
    expect(
      buildPacket({
        src: "10.0.0.300",
        dst: "1.1.1.1",
        protocol: "udp",
        sport: "1",
        dport: "2",
        payload: "",
      }),
    ).toMatch(/source: not an IPv4/);
  });
});
