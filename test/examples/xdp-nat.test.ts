/**
 * examples/xdp-nat.ts in the VM and on the kernel (BPF_PROG_TEST_RUN): a TCP or UDP packet to a
 * VIP:port comes out addressed to its backend, MACs swapped, with IPv4 and L4 checksums that verify
 * from scratch (and equal the ones the packet builder computes for the rewritten packet); other
 * packets pass byte for byte; both targets give the same bytes out.
 */
import { describe, expect, it } from "vitest";
import {
  ethernet,
  internetChecksum,
  ipv4,
  ipv4Bytes,
  ipv4PseudoSum,
  loadProbe,
  macBytes,
  packet,
  payload,
  tcp,
  udp,
  type Probe,
} from "../../testing/index.ts";

const NAT = "examples/xdp-nat.ts";
type Nat = typeof import("../../examples/xdp-nat.ts");

const CLIENT_MAC = "02:00:00:00:00:01";
const LB_MAC = "02:00:00:00:00:02";
const BACKEND_MAC = "02:00:00:00:00:b1";
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
/** 10.0.0.100:80/tcp → 10.1.0.7:8080 back out (XDP_TX); 10.0.0.100:53/udp → 10.1.0.8:5353 via ifindex 1. */
const SERVICES = [
  { vip: { addr: "10.0.0.100", port: 80, proto: IPPROTO_TCP }, to: ["10.1.0.7", 8080, 0] },
  { vip: { addr: "10.0.0.100", port: 53, proto: IPPROTO_UDP }, to: ["10.1.0.8", 5353, 1] },
] as const;

function configure(p: Probe<Nat>): void {
  for (const { vip, to } of SERVICES)
    p.map("backends").set(vip, {
      addr: to[0],
      port: to[1],
      mac: Array.from(macBytes(BACKEND_MAC)),
      ifindex: to[2],
    });
}

/** Header options make the transport header's offset variable; a payload makes sums non-trivial. */
const OPTIONS = new Uint8Array([0x01, 0x01, 0x01, 0x01]); // four NOPs
const DATA = payload("GET / HTTP/1.0\r\n\r\n!"); // odd length

const tcpTo = (dst: string, dport: number, eth = { src: CLIENT_MAC, dst: LB_MAC }) =>
  packet(
    ethernet(eth),
    ipv4({ src: "192.168.5.9", dst, id: 0x1234, options: OPTIONS }),
    tcp({ sport: 40000, dport, seq: 0xdeadbeef, flags: { ack: true, psh: true } }),
    DATA,
  );
const udpTo = (dst: string, dport: number, eth = { src: CLIENT_MAC, dst: LB_MAC }) =>
  packet(ethernet(eth), ipv4({ src: "192.168.5.9", dst }), udp({ sport: 4444, dport }), DATA);
const rewritten = { src: LB_MAC, dst: BACKEND_MAC };

/** Checks the IPv4 header and TCP/UDP checksums of an Ethernet frame from scratch. */
function checksumsVerify(frame: Uint8Array): void {
  const ihl = (frame[14]! & 0xf) * 4;
  const ip = frame.subarray(14, 14 + ihl);
  expect(internetChecksum(ip), "IPv4 header checksum").toBe(0);
  const totalLength = (ip[2]! << 8) | ip[3]!;
  const l4 = frame.subarray(14 + ihl, 14 + totalLength);
  const pseudo = ipv4PseudoSum(ip.subarray(12, 16), ip.subarray(16, 20), ip[9]!, l4.length);
  expect(internetChecksum(l4, pseudo), "L4 checksum").toBe(0);
}

/** Runs `nat` on `frame`: the run's result, with the packet it leaves (XDP always has one). */
function runNat(p: Probe<Nat>, frame: Uint8Array) {
  const r = p.program("nat").run({ packet: frame });
  if (r.packetOut === undefined) throw new Error("an XDP run without packetOut");
  return { ...r, packetOut: r.packetOut };
}

const outs: Record<string, Uint8Array[]> = {};

for (const target of ["vm", "kernel"] as const) {
  describe(`xdp-nat on the ${target}`, () => {
    it("rewrites a TCP packet to the VIP to its backend and sends it back out (XDP_TX)", async (ctx) => {
      const p = await loadProbe<Nat>(NAT, { target, test: ctx });
      configure(p);
      const r = runNat(p, tcpTo("10.0.0.100", 80));
      expect(r.retName).toBe("XDP_TX");
      checksumsVerify(r.packetOut);
      expect(r.packetOut).toEqual(tcpTo("10.1.0.7", 8080, rewritten));
      expect(ipv4Bytes("10.1.0.7")).toEqual(r.packetOut.subarray(30, 34));
      expect(p.map("verdicts").get(3)).toBe(1);
      (outs[target] ??= []).push(r.packetOut);
    });

    it("rewrites a UDP packet and redirects it to the backend's interface", async (ctx) => {
      const p = await loadProbe<Nat>(NAT, { target, test: ctx });
      configure(p);
      const r = runNat(p, udpTo("10.0.0.100", 53));
      expect(r.retName).toBe("XDP_REDIRECT");
      if (target === "vm")
        expect(r.redirect).toEqual({ helper: "redirect", ifindex: 1, ingress: false });
      checksumsVerify(r.packetOut);
      expect(r.packetOut).toEqual(udpTo("10.1.0.8", 5353, rewritten));
      (outs[target] ??= []).push(r.packetOut);
    });

    it("keeps a UDP checksum of 0 (none computed) at 0", async (ctx) => {
      const p = await loadProbe<Nat>(NAT, { target, test: ctx });
      configure(p);
      const none = (dst: string, dport: number, eth?: { src: string; dst: string }) =>
        packet(
          ethernet(eth),
          ipv4({ src: "192.168.5.9", dst }),
          udp({ sport: 4444, dport, checksum: 0 }),
        );
      const r = runNat(p, none("10.0.0.100", 53, { src: CLIENT_MAC, dst: LB_MAC }));
      expect(r.retName).toBe("XDP_REDIRECT");
      expect(r.packetOut).toEqual(none("10.1.0.8", 5353, rewritten));
      expect(internetChecksum(r.packetOut.subarray(14, 34))).toBe(0);
      (outs[target] ??= []).push(r.packetOut);
    });

    it("passes other addresses, ports, protocols and fragments untouched", async (ctx) => {
      const p = await loadProbe<Nat>(NAT, { target, test: ctx });
      configure(p);
      const others = [
        tcpTo("10.0.0.101", 80), // another address
        tcpTo("10.0.0.100", 81), // another port
        udpTo("10.0.0.100", 80), // the TCP service's port over UDP
        packet(
          ethernet(),
          ipv4({ src: "192.168.5.9", dst: "10.0.0.100", fragmentOffset: 3 }),
          DATA,
        ),
        packet(ethernet({ type: 0x0806 }), new Uint8Array(28)),
      ];
      for (const frame of others) {
        const r = runNat(p, frame);
        expect(r.retName).toBe("XDP_PASS");
        expect(r.packetOut).toEqual(frame);
      }
      expect(p.map("verdicts").get(2)).toBe(others.length);
    });
  });
}

describe("xdp-nat: VM and kernel", () => {
  it("give the same packets out", (ctx) => {
    if (!outs.vm || !outs.kernel) return ctx.skip();
    expect(outs.kernel).toEqual(outs.vm);
  });
});
