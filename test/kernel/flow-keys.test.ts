/**
 * Typed flow keys of flow dissector programs (`ctx.flowKeys()`, a `Ref<BpfFlowKeys>` laid out from
 * the generated `struct bpf_flow_keys`): a small IPv4 dissector fills addresses, protocol, transport
 * offset and ports, and on every frame BPF_PROG_TEST_RUN (whose data out is the flow keys) and the
 * VM give the same verdict and the same 56 bytes of keys, including the kernel's clamping of
 * `nhoff` / `thoff` to the frame.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { ethernet, ipv4, ipv6, packet, payload, tcp, udp } from "../../testing/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("flow keys of flow dissector programs");

const SOURCE = `
  import { flowDissector, BPF_OK, BPF_DROP, ETH_HLEN, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, type u8, u16, type u32 } from "tsbpf";
  interface Ipv4 { verIhl: u8; tos: u8; totLen: u16; id: u16; frag: u16; ttl: u8; proto: u8; check: u16; saddr: u32; daddr: u32; }
  interface Ports { sport: u16; dport: u16; }
  export const dissect = flowDissector((ctx) => {
    const keys = ctx.flowKeys();
    // nhoff is ETH_HLEN for Ethernet frames (a u16 offset is too wide for the verifier's packet range).
    const ip = ctx.header<Ipv4>(ETH_HLEN);
    if (ip === null) return BPF_DROP;
    if (ip.value.verIhl >> 4 !== 4) return BPF_DROP;
    keys.value.addr_proto = ETH_P_IP;
    keys.value.ip_proto = ip.value.proto;
    keys.value.ipv4_src = ip.value.saddr;
    keys.value.ipv4_dst = ip.value.daddr;
    const thoff = ETH_HLEN + (ip.value.verIhl & 15) * 4;
    keys.value.thoff = u16(thoff);
    if (ip.value.proto === IPPROTO_TCP || ip.value.proto === IPPROTO_UDP) {
      const ports = ctx.header<Ports>(thoff);
      if (ports === null) return BPF_DROP;
      keys.value.sport = ports.value.sport;
      keys.value.dport = ports.value.dport;
    }
    return BPF_OK;
  });
  export const license = "GPL";
`;

const FRAMES: Record<string, Uint8Array> = {
  udp: packet(
    ethernet({}),
    ipv4({ src: "10.0.0.1", dst: "10.0.0.2" }),
    udp({ sport: 4444, dport: 53 }),
    payload("q"),
  ),
  tcpWithOptions: packet(
    ethernet({}),
    ipv4({ src: "192.168.1.9", dst: "10.1.2.3", options: new Uint8Array([1, 1, 1, 1]) }),
    tcp({ sport: 40000, dport: 443 }),
  ),
  icmp: packet(
    ethernet({}),
    ipv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 1 }),
    payload("ping"),
  ),
  ipv6: packet(
    ethernet({}),
    ipv6({ src: "2001:db8::1", dst: "2001:db8::2" }),
    udp({ sport: 1, dport: 2 }),
  ),
};

describe.runIf(run)("flow keys on the kernel and in the VM", () => {
  it("the dissector's verdicts and flow keys agree on every frame", async () => {
    const out = await compileSource(SOURCE, "dissect.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const obj = loadObject(out.object!);
    const vm = VmObject.load(out.object!);
    try {
      const frames = { ...FRAMES };
      // An IHL of 15 on a short frame: the transport header is past the end, so the kernel clamps thoff.
      const long = FRAMES.udp!.slice(0, 40);
      long[14] = 0x4f;
      frames.truncated = long;
      for (const [name, frame] of Object.entries(frames)) {
        const k = testRun(obj.program("dissect"), { data: frame });
        const r = vm.program("dissect").run({ packet: frame });
        expect(Number(r.r0), name).toBe(k.retval);
        expect(Buffer.from(r.flowKeys!).toString("hex"), name).toBe(
          Buffer.from(k.dataOut).toString("hex"),
        );
      }
      // What the UDP frame's keys say, decoded.
      const k = testRun(obj.program("dissect"), { data: FRAMES.udp! });
      const v = new DataView(k.dataOut.buffer, k.dataOut.byteOffset);
      expect(k.retval).toBe(0); // BPF_OK
      expect([v.getUint16(0, true), v.getUint16(2, true), v.getUint16(4, true)]).toEqual([
        14, 34, 0x0800,
      ]);
      expect(k.dataOut[9]).toBe(17);
      expect([v.getUint16(12, false), v.getUint16(14, false)]).toEqual([4444, 53]);
      expect([...k.dataOut.subarray(16, 24)]).toEqual([10, 0, 0, 1, 10, 0, 0, 2]);
    } finally {
      obj.close();
      vm.dispose();
    }
  });
});
