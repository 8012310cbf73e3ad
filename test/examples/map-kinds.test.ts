/**
 * The map-kind examples under tsbpf/test on frames from the packet builders, each in both VM engines
 * and on the live kernel (BPF_PROG_TEST_RUN), with the same assertions:
 * - lpm-firewall: IPv4 and IPv6 prefixes nested three deep, where the longest covering prefix
 *   decides (BPF_MAP_TYPE_LPM_TRIE);
 * - flow-queue: the producer announces each new flow once (BPF_MAP_TYPE_BLOOM_FILTER) onto a queue
 *   and a stack, the consumer drains the queue in FIFO order into an LRU per-CPU hash
 *   (BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_LRU_PERCPU_HASH); popped from user space,
 *   the queue gives the flows oldest first and the stack newest first, the same on both sides.
 */
import { describe, expect, it } from "vitest";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { QueueStackMap } from "../../runtime/maps/queue-stack.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { buildExample, ENGINES_AND_KERNEL } from "./support.ts";
import {
  ethernet,
  ipv4,
  ipv4Word,
  ipv6,
  ipv6Bytes,
  loadProbe,
  packet,
  tcp,
  udp,
} from "../../testing/index.ts";

type Firewall = typeof import("../../examples/lpm-firewall.ts");
type FlowQueue = typeof import("../../examples/flow-queue.ts");

const v4 = (src: string) => packet(ethernet(), ipv4({ src, dst: "192.168.0.1" }), udp());
const v6 = (src: string) => packet(ethernet(), ipv6({ src, dst: "fd00::1" }), tcp());

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`lpm-firewall (${where})`, () => {
    it("lets the longest covering prefix decide, for IPv4 and IPv6", async (test) => {
      const p = await loadProbe<Firewall>("examples/lpm-firewall.ts", { ...opts, test });
      const r4 = p.map("rules4");
      // 10/8 denied, 10.1/16 allowed inside it, 10.1.2/24 denied again.
      r4.set({ prefixlen: 8, addr: ipv4Word("10.0.0.0") }, 0);
      r4.set({ prefixlen: 16, addr: ipv4Word("10.1.0.0") }, 1);
      r4.set({ prefixlen: 24, addr: ipv4Word("10.1.2.0") }, 0);
      const r6 = p.map("rules6");
      r6.set({ prefixlen: 32, addr: ipv6Bytes("2001:db8::") }, 0);
      r6.set({ prefixlen: 48, addr: ipv6Bytes("2001:db8:1::") }, 7);
      r6.set({ prefixlen: 128, addr: ipv6Bytes("2001:db8:1::dead") }, 0);
      const fw = p.program("firewall");
      const verdicts = (frames: Uint8Array[]) => frames.map((f) => fw.run({ packet: f }).retName);
      expect(verdicts([v4("10.9.9.9"), v4("10.1.9.9"), v4("10.1.2.200"), v4("11.0.0.1")])).toEqual([
        "XDP_DROP",
        "XDP_PASS",
        "XDP_DROP",
        "XDP_PASS",
      ]);
      expect(
        verdicts([
          v6("2001:db8:5::1"),
          v6("2001:db8:1::beef"),
          v6("2001:db8:1::dead"),
          v6("2001:db9::1"),
        ]),
      ).toEqual(["XDP_DROP", "XDP_PASS", "XDP_DROP", "XDP_PASS"]);
      const counts = p.map("verdicts");
      expect([counts.get(1), counts.get(2)]).toEqual([4, 4]);
      // Deleting the /24 lets 10.1.2.0/24 fall back to the /16's allow rule.
      expect(r4.delete({ prefixlen: 24, addr: ipv4Word("10.1.2.0") })).toBe(true);
      expect(fw.run({ packet: v4("10.1.2.200") }).retName).toBe("XDP_PASS");
    });

    it("passes non-IP and truncated frames", async (test) => {
      const p = await loadProbe<Firewall>("examples/lpm-firewall.ts", { ...opts, test });
      p.map("rules4").set({ prefixlen: 0, addr: 0 }, 0); // deny everything IPv4
      p.map("rules6").set({ prefixlen: 0, addr: ipv6Bytes("::") }, 0);
      const fw = p.program("firewall");
      expect(
        fw.run({ packet: packet(ethernet({ type: 0x0806 }), new Uint8Array(28)) }).retName,
      ).toBe("XDP_PASS");
      expect(fw.run({ packet: v4("1.2.3.4").subarray(0, 14 + 19) }).retName).toBe("XDP_PASS");
      expect(fw.run({ packet: v6("::1").subarray(0, 14 + 39) }).retName).toBe("XDP_PASS");
      expect(fw.run({ packet: v4("1.2.3.4") }).retName).toBe("XDP_DROP");
      expect(fw.run({ packet: v6("::1") }).retName).toBe("XDP_DROP");
    });
  });

  describe(`flow-queue (${where})`, () => {
    it("announces each new flow once and the consumer takes them first in, first out", async (test) => {
      const p = await loadProbe<FlowQueue>("examples/flow-queue.ts", { ...opts, test });
      const produce = p.program("produce");
      const consume = p.program("consume");
      const flows = [
        packet(ethernet(), ipv4({ src: "10.0.0.1", dst: "10.0.0.9" }), udp()),
        packet(ethernet(), ipv4({ src: "10.0.0.2", dst: "10.0.0.9" }), tcp()),
        packet(ethernet(), ipv4({ src: "10.0.0.1", dst: "10.0.0.9" }), udp()), // seen: not again
        packet(ethernet(), ipv4({ src: "10.0.0.3", dst: "10.0.0.9" }), tcp()),
        packet(ethernet(), ipv6({ src: "::1", dst: "::2" }), tcp()), // not IPv4: ignored
      ];
      for (const f of flows) expect(produce.run({ packet: f }).retName).toBe("XDP_PASS");
      const consumed = p.map("consumed");
      // One consumer run takes the oldest flow (10.0.0.1, UDP).
      consume.run({ packet: flows[0]! });
      expect(consumed.entries()).toEqual([[17, 1]]);
      // Two more take the TCP flows; a fourth finds the queue empty and changes nothing.
      for (let i = 0; i < 3; i++) consume.run({ packet: flows[0]! });
      expect(new Map(consumed.entries())).toEqual(
        new Map([
          [17, 1],
          [6, 2],
        ]),
      );
    });
  });
}

describe("flow-queue from user space: VM and kernel pop the same flows in the same order", () => {
  /** 20 flows from 10.0.0.1..20 (the stack keeps the last 16), each sent twice. */
  const frames = Array.from({ length: 40 }, (_, i) =>
    packet(ethernet(), ipv4({ src: `10.0.0.${(i % 20) + 1}`, dst: "10.0.0.99" }), udp()),
  );
  /** The first source address byte of each popped flow. */
  const lastByte = (flows: Uint8Array[]) => flows.map((f) => f[3]);

  it("queue oldest first, stack newest first", async () => {
    const bytes = await buildExample("flow-queue");
    const vm = VmObject.load(bytes);
    for (const f of frames) vm.program("produce").run({ packet: f });
    const drain = (name: string) => {
      const m = vm.map(name).map as QueueStackMap;
      const out: Uint8Array[] = [];
      for (let v = m.pop(); v !== null; v = m.pop()) out.push(v);
      return out;
    };
    const vmQueue = drain("announced");
    const vmStack = drain("recent");
    expect(lastByte(vmQueue)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(lastByte(vmStack)).toEqual(Array.from({ length: 16 }, (_, i) => 20 - i));
    if (!kernelReady("flow-queue pops on the kernel")) return;
    const obj = loadObject(bytes);
    try {
      for (const f of frames) testRun(obj.program("produce"), { data: f });
      const pop = (name: string) => {
        const out: Uint8Array[] = [];
        for (let v = obj.map(name).lookupAndDelete(); v; v = obj.map(name).lookupAndDelete())
          out.push(v);
        return out;
      };
      expect(pop("announced")).toEqual(vmQueue);
      expect(pop("recent")).toEqual(vmStack);
    } finally {
      obj.close();
    }
  });
});
