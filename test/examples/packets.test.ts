/**
 * The packet examples in the VM — xdp-firewall, tc-portcount, sockfilter — run on frames built byte
 * by byte (Ethernet + IPv4 + TCP/UDP ports), asserting verdicts and map contents. Each case runs on
 * both engines (the interpreter and the JIT).
 */
import { describe, expect, it } from "vitest";
import { u16, u32, u64 } from "../../runtime/vm/codecs.ts";
import { addrWord, ethernet, ipv4Packet, loadExample, ports } from "./support.ts";

const ETH_P_IP = 0x0800;
const ETH_P_ARP = 0x0806;
const XDP_DROP = 1n;
const XDP_PASS = 2n;
const TCP = 6;
const UDP = 17;
const ICMP = 1;

for (const engine of ["interpreter", "jit"] as const) {
  describe(`xdp-firewall (${engine})`, () => {
    const from = (src: string) =>
      ethernet(
        ETH_P_IP,
        ipv4Packet({ src, dst: "10.0.0.254", protocol: TCP, payload: ports(1234, 80) }),
      );

    it("drops blocklisted sources, passes the rest, and counts both", async () => {
      const obj = await loadExample("xdp-firewall", { engine, cpus: 2 });
      const blocklist = obj.map("blocklist").as(u32, u64);
      blocklist.set(addrWord("10.0.0.1"), 0n);
      const fw = obj.program("firewall");
      expect(fw.run({ packet: from("10.0.0.1"), cpu: 0 }).r0).toBe(XDP_DROP);
      expect(fw.run({ packet: from("10.0.0.1"), cpu: 1 }).r0).toBe(XDP_DROP);
      expect(fw.run({ packet: from("10.0.0.2"), cpu: 1 }).r0).toBe(XDP_PASS);
      expect(blocklist.get(addrWord("10.0.0.1"))).toBe(2n);
      expect(blocklist.get(addrWord("10.0.0.2"))).toBeUndefined();
      const verdicts = obj.map("verdicts").as(u32, u64);
      expect(verdicts.getAllCpus(1)).toEqual([1n, 1n]); // XDP_DROP on each CPU
      expect(verdicts.getAllCpus(2)).toEqual([0n, 1n]); // XDP_PASS on CPU 1
      expect(verdicts.getAllCpus(0)).toEqual([0n, 0n]);
    });

    it("passes non-IPv4 and truncated frames without touching the blocklist", async () => {
      const obj = await loadExample("xdp-firewall", { engine });
      obj.map("blocklist").as(u32, u64).set(addrWord("10.0.0.1"), 0n);
      const fw = obj.program("firewall");
      const arp = ethernet(ETH_P_ARP, new Uint8Array(28));
      const full = from("10.0.0.1");
      expect(fw.run({ packet: arp }).r0).toBe(XDP_PASS);
      expect(fw.run({ packet: full.subarray(0, 14 + 19) }).r0).toBe(XDP_PASS); // IPv4 header cut short
      expect(fw.run({ packet: full.subarray(0, 10) }).r0).toBe(XDP_PASS); // not even an Ethernet header
      expect(obj.map("blocklist").as(u32, u64).get(addrWord("10.0.0.1"))).toBe(0n);
      expect(obj.map("verdicts").as(u32, u64).get(2)).toBe(3n);
      expect(fw.run({ packet: full.subarray(0, 14 + 20) }).r0).toBe(XDP_DROP); // exactly a header
    });
  });

  describe(`tc-portcount (${engine})`, () => {
    const pkt = (protocol: number, dport: number, ihl = 5) =>
      ethernet(
        ETH_P_IP,
        ipv4Packet({
          src: "10.1.1.1",
          dst: "10.2.2.2",
          protocol,
          ihl,
          payload: ports(5555, dport),
        }),
      );

    it("counts TCP and UDP destination ports in host order, behind IPv4 options too", async () => {
      const obj = await loadExample("tc-portcount", { engine });
      const p = obj.program("portcount");
      for (const frame of [pkt(TCP, 443), pkt(TCP, 443, 8), pkt(UDP, 53, 6), pkt(TCP, 22)])
        expect(p.run({ packet: frame }).r0).toBe(0n); // TC_ACT_OK
      const counts = obj.map("portCounts").as(u16, u64);
      expect(new Map(counts.entries())).toEqual(
        new Map([
          [443, 2n],
          [53, 1n],
          [22, 1n],
        ]),
      );
    });

    it("ignores ICMP, non-IPv4 and frames whose ports lie past the end", async () => {
      const obj = await loadExample("tc-portcount", { engine });
      const p = obj.program("portcount");
      const withOptions = pkt(TCP, 8080, 15); // 60-byte IPv4 header
      for (const frame of [
        pkt(ICMP, 0),
        ethernet(0x86dd, new Uint8Array(40)),
        withOptions.subarray(0, 14 + 60 + 3), // one byte short of the ports
      ])
        expect(p.run({ packet: frame }).r0).toBe(0n);
      expect(obj.map("portCounts").keys()).toEqual([]);
      p.run({ packet: withOptions.subarray(0, 14 + 60 + 4) });
      expect(obj.map("portCounts").as(u16, u64).get(8080)).toBe(1n);
    });
  });

  describe(`sockfilter (${engine})`, () => {
    const pkt = (protocol: number, size = 0) =>
      ethernet(
        ETH_P_IP,
        ipv4Packet({ src: "1.1.1.1", dst: "2.2.2.2", protocol, payload: new Uint8Array(size) }),
      );

    it("keeps whole TCP packets, drops the rest, and counts IPv4 packets per protocol", async () => {
      const obj = await loadExample("sockfilter", { engine });
      const p = obj.program("sockfilter");
      const tcp = pkt(TCP, 30);
      expect(p.run({ packet: tcp }).r0).toBe(BigInt(tcp.length));
      expect(p.run({ packet: pkt(UDP, 8) }).r0).toBe(0n);
      expect(p.run({ packet: pkt(UDP, 8) }).r0).toBe(0n);
      expect(p.run({ packet: pkt(ICMP, 8) }).r0).toBe(0n);
      const counts = obj.map("protoCounts").as(u32, u64);
      expect([counts.get(TCP), counts.get(UDP), counts.get(ICMP), counts.get(0)]).toEqual([
        1n,
        2n,
        1n,
        0n,
      ]);
    });

    it("drops non-IPv4 and too-short packets without counting", async () => {
      const obj = await loadExample("sockfilter", { engine });
      const p = obj.program("sockfilter");
      expect(p.run({ packet: ethernet(ETH_P_ARP, new Uint8Array(28)) }).r0).toBe(0n);
      expect(p.run({ packet: pkt(TCP).subarray(0, 14 + 9) }).r0).toBe(0n); // protocol byte missing
      const counts = obj.map("protoCounts").as(u32, u64);
      expect(counts.entries().filter(([, v]) => v !== 0n)).toEqual([]);
    });
  });
}
