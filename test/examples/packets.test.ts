/**
 * The packet examples under tsbpf/test — xdp-firewall, xdp-counter, tc-portcount, sockfilter — on
 * frames from the packet builders, asserting verdicts and map contents. The VM cases run on both
 * engines and the same assertions run on the live kernel (BPF_PROG_TEST_RUN). A test run starts a
 * socket filter at the network header, in the kernel and the VM alike, so sockfilter's frames get
 * one more Ethernet header in front to show it what its packet socket would.
 */
import { describe, expect, it } from "vitest";
import {
  ethernet,
  ipv4,
  ipv4Word,
  ipv6,
  loadProbe,
  packet,
  packetSocketInput,
  payload,
  tcp,
  udp,
  icmp,
  type Layer,
} from "../../testing/index.ts";

import { ENGINES_AND_KERNEL } from "./support.ts";

type Firewall = typeof import("../../examples/xdp-firewall.ts");
type Counter = typeof import("../../examples/xdp-counter.ts");
type PortCount = typeof import("../../examples/tc-portcount.ts");
type SockFilter = typeof import("../../examples/sockfilter.ts");

const ARP = ethernet({ type: 0x0806 });
const arpFrame = () => packet(ARP, new Uint8Array(28));

for (const [where, opts] of ENGINES_AND_KERNEL) {
  const vm = opts.target === "vm";
  describe(`xdp-firewall (${where})`, () => {
    const from = (src: string) =>
      packet(ethernet(), ipv4({ src, dst: "10.0.0.254" }), tcp({ sport: 1234, dport: 80 }));

    it("drops blocklisted sources, passes the rest, and counts both", async (test) => {
      const p = await loadProbe<Firewall>("examples/xdp-firewall.ts", { ...opts, cpus: 2, test });
      const blocklist = p.map("blocklist");
      blocklist.set(ipv4Word("10.0.0.1"), 0);
      const fw = p.program("firewall");
      expect(fw.run({ packet: from("10.0.0.1"), cpu: 0 }).retName).toBe("XDP_DROP");
      expect(fw.run({ packet: from("10.0.0.1"), cpu: 1 }).retName).toBe("XDP_DROP");
      expect(fw.run({ packet: from("10.0.0.2"), cpu: 1 }).retName).toBe("XDP_PASS");
      expect(blocklist.get(ipv4Word("10.0.0.1"))).toBe(2);
      expect(blocklist.get(ipv4Word("10.0.0.2"))).toBeUndefined();
      const verdicts = p.map("verdicts");
      expect([verdicts.get(0), verdicts.get(1), verdicts.get(2)]).toEqual([0, 2, 1]);
      // In the VM each run chose its CPU; the kernel ran them on whichever CPU the test was on.
      if (vm) {
        expect(verdicts.getPerCpu(1)).toEqual([1, 1]);
        expect(verdicts.getPerCpu(2)).toEqual([0, 1]);
      }
    });

    it("passes non-IPv4 and truncated frames without touching the blocklist", async (test) => {
      const p = await loadProbe<Firewall>("examples/xdp-firewall.ts", { ...opts, test });
      p.map("blocklist").set(ipv4Word("10.0.0.1"), 0);
      const fw = p.program("firewall");
      const full = from("10.0.0.1");
      expect(fw.run({ packet: arpFrame() }).retName).toBe("XDP_PASS");
      expect(fw.run({ packet: full.subarray(0, 14 + 19) }).retName).toBe("XDP_PASS"); // IPv4 cut short
      // Shorter than an Ethernet header: the kernel refuses such a test run (EINVAL), the VM passes it.
      if (vm) expect(fw.run({ packet: full.subarray(0, 10) }).retName).toBe("XDP_PASS");
      expect(p.map("blocklist").get(ipv4Word("10.0.0.1"))).toBe(0);
      expect(p.map("verdicts").get(2)).toBe(vm ? 3 : 2);
      expect(fw.run({ packet: full.subarray(0, 14 + 20) }).retName).toBe("XDP_DROP"); // exactly a header
    });
  });

  describe(`xdp-counter (${where})`, () => {
    it("counts IPv4 packets per protocol on the CPU that saw them and passes everything", async (test) => {
      const p = await loadProbe<Counter>("examples/xdp-counter.ts", { ...opts, cpus: 2, test });
      const run = p.program("countProtocols");
      const ip = (l: Layer) => packet(ethernet(), ipv4({ src: "1.2.3.4", dst: "5.6.7.8" }), l);
      expect(run.run({ packet: ip(tcp()), cpu: 0 }).retName).toBe("XDP_PASS");
      expect(run.run({ packet: ip(tcp()), cpu: 1 }).retName).toBe("XDP_PASS");
      expect(run.run({ packet: ip(udp()), cpu: 1 }).retName).toBe("XDP_PASS");
      expect(run.run({ packet: arpFrame(), cpu: 0 }).retName).toBe("XDP_PASS");
      const v6 = packet(ethernet(), ipv6({ src: "::1", dst: "::2" }), tcp());
      expect(run.run({ packet: v6 }).retName).toBe("XDP_PASS");
      const counts = p.map("byProtocol");
      expect([counts.get(6), counts.get(17), counts.get(0)]).toEqual([2, 1, 0]);
      if (vm) {
        expect(counts.getPerCpu(6)).toEqual([1, 1]);
        expect(counts.getPerCpu(17)).toEqual([0, 1]);
      }
    });
  });

  describe(`tc-portcount (${where})`, () => {
    const pkt = (l4: "tcp" | "udp" | "icmp", dport: number, options = 0) =>
      packet(
        ethernet(),
        ipv4({ src: "10.1.1.1", dst: "10.2.2.2", options: new Uint8Array(options) }),
        l4 === "tcp"
          ? tcp({ sport: 5555, dport })
          : l4 === "udp"
            ? udp({ sport: 5555, dport })
            : icmp(),
      );

    it("counts TCP and UDP destination ports in host order, behind IPv4 options too", async (test) => {
      const p = await loadProbe<PortCount>("examples/tc-portcount.ts", { ...opts, test });
      const run = p.program("portcount");
      for (const frame of [pkt("tcp", 443), pkt("tcp", 443, 12), pkt("udp", 53, 4), pkt("tcp", 22)])
        expect(run.run({ packet: frame }).retName).toBe("TC_ACT_OK");
      expect(new Map(p.map("portCounts").entries())).toEqual(
        new Map([
          [443, 2],
          [53, 1],
          [22, 1],
        ]),
      );
    });

    it("ignores ICMP, non-IPv4 and frames whose ports lie past the end", async (test) => {
      const p = await loadProbe<PortCount>("examples/tc-portcount.ts", { ...opts, test });
      const run = p.program("portcount");
      const withOptions = pkt("tcp", 8080, 40); // 60-byte IPv4 header
      for (const frame of [
        pkt("icmp", 0),
        packet(ethernet(), ipv6({ src: "::1", dst: "::2" }), tcp({ dport: 9 })),
        withOptions.subarray(0, 14 + 60 + 3), // one byte short of the ports
      ])
        expect(run.run({ packet: frame }).retName).toBe("TC_ACT_OK");
      expect(p.map("portCounts").entries()).toEqual([]);
      run.run({ packet: withOptions.subarray(0, 14 + 60 + 4) });
      expect(p.map("portCounts").get(8080)).toBe(1);
    });
  });

  describe(`sockfilter (${where})`, () => {
    // On its packet socket the filter sees the frame from the Ethernet header; a test run (kernel
    // and VM) pulls one Ethernet header first, so packetSocketInput puts the frame behind one more.
    const onSocket = packetSocketInput;
    const pkt = (l4: "tcp" | "udp" | "icmp", size = 0) =>
      packet(
        ethernet(),
        ipv4({ src: "1.1.1.1", dst: "2.2.2.2" }),
        l4 === "tcp" ? tcp() : l4 === "udp" ? udp() : icmp(),
        payload(new Uint8Array(size)),
      );

    it("keeps whole TCP packets, drops the rest, and counts IPv4 packets per protocol", async (test) => {
      const p = await loadProbe<SockFilter>("examples/sockfilter.ts", { ...opts, test });
      const run = p.program("sockfilter");
      expect(p.program("sockfilter").progType).toBe("SOCKET_FILTER");
      const frame = pkt("tcp", 30);
      const kept = run.run({ packet: onSocket(frame) });
      expect([kept.ret, kept.retName]).toEqual([frame.length, `keep ${frame.length} bytes`]);
      expect(run.run({ packet: onSocket(pkt("udp", 8)) }).retName).toBe("drop");
      expect(run.run({ packet: onSocket(pkt("udp", 8)) }).ret).toBe(0);
      expect(run.run({ packet: onSocket(pkt("icmp", 8)) }).ret).toBe(0);
      const counts = p.map("protoCounts");
      expect([counts.get(6), counts.get(17), counts.get(1), counts.get(0)]).toEqual([1, 2, 1, 0]);
    });

    it("drops non-IPv4 and too-short packets without counting", async (test) => {
      const p = await loadProbe<SockFilter>("examples/sockfilter.ts", { ...opts, test });
      const run = p.program("sockfilter");
      expect(run.run({ packet: onSocket(arpFrame()) }).ret).toBe(0);
      // No protocol byte.
      expect(run.run({ packet: onSocket(pkt("tcp").subarray(0, 14 + 9)) }).ret).toBe(0);
      expect(
        p
          .map("protoCounts")
          .entries()
          .filter(([, v]) => v !== 0),
      ).toEqual([]);
    });
  });
}
