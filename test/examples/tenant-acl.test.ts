/**
 * tenant-acl (a HashOfMaps of per-tenant port tables) under tsbpf/test, in both VM engines and on
 * the live kernel (BPF_PROG_TEST_RUN): user space fills two inner tables, stores them under tenant
 * addresses with `storeMap`, and real frames get each tenant's verdicts; then a tenant's table is
 * swapped for the other one and another tenant's slot is emptied, and the verdicts follow.
 * `verdicts` counts every run. A map unlike the inner template is refused by both targets, and
 * storeMap on a map that holds no maps is a clean error.
 */
import { describe, expect, it } from "vitest";
import {
  ethernet,
  icmp,
  ipv4,
  ipv4Word,
  loadProbe,
  packet,
  payload,
  tcp,
  udp,
} from "../../testing/index.ts";
import { ENGINES_AND_KERNEL } from "./support.ts";

type TenantAcl = typeof import("../../examples/tenant-acl.ts");

const A = "10.0.0.1";
const B = "10.0.0.2";
const NONE = "10.0.0.3";

const toTcp = (dst: string, dport: number, options?: Uint8Array) =>
  packet(
    ethernet(),
    ipv4({ src: "192.0.2.9", dst, ...(options ? { options } : {}) }),
    tcp({ dport }),
  );
const toUdp = (dst: string, dport: number) =>
  packet(ethernet(), ipv4({ src: "192.0.2.9", dst }), udp({ dport }));

/** Frames and the verdict each gets with A → portsA {22, 53} and B → portsB {80}. */
const FIRST: [string, Uint8Array, string][] = [
  ["tcp A:22", toTcp(A, 22), "XDP_DROP"],
  ["udp A:53", toUdp(A, 53), "XDP_DROP"],
  ["tcp A:80", toTcp(A, 80), "XDP_PASS"],
  ["tcp B:80", toTcp(B, 80), "XDP_DROP"],
  // 4 option bytes (IHL 6): the ports are read after them
  ["tcp B:80, IPv4 options", toTcp(B, 80, new Uint8Array([1, 1, 1, 0])), "XDP_DROP"],
  ["udp B:22", toUdp(B, 22), "XDP_PASS"],
  ["tcp no tenant:22", toTcp(NONE, 22), "XDP_PASS"],
  [
    "tenant A, TCP header missing",
    packet(ethernet(), ipv4({ src: "192.0.2.9", dst: A, protocol: 6 })),
    "XDP_PASS",
  ],
  ["icmp A", packet(ethernet(), ipv4({ src: "192.0.2.9", dst: A }), icmp()), "XDP_PASS"],
  ["arp", packet(ethernet({ type: 0x0806 }), payload(new Uint8Array(28))), "XDP_PASS"],
  ["truncated IPv4", packet(ethernet({ type: 0x0800 }), payload(new Uint8Array(10))), "XDP_PASS"],
];
/** After A's slot holds portsB and B's slot is emptied. */
const SECOND: [string, Uint8Array, string][] = [
  ["tcp A:22", toTcp(A, 22), "XDP_PASS"],
  ["tcp A:80", toTcp(A, 80), "XDP_DROP"],
  ["tcp B:80", toTcp(B, 80), "XDP_PASS"],
];

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`tenant-acl (${where})`, () => {
    it("applies each tenant's inner table, follows swapped and emptied slots, counts verdicts", async (test) => {
      const p = await loadProbe<TenantAcl>("examples/tenant-acl.ts", { ...opts, test });
      p.map("portsA").set(22, 1);
      p.map("portsA").set(53, 1);
      p.map("portsB").set(80, 1);
      // the outer map's key has a size, no type (as libbpf creates maps of maps): the address as
      // the u32 a program reads from its network-order bytes
      p.storeMap("tenants", ipv4Word(A), "portsA");
      p.storeMap("tenants", ipv4Word(B), "portsB");
      const acl = p.program("acl");
      const verdictsOf = (frames: [string, Uint8Array, string][]) =>
        frames.map(([what, f]) => [what, acl.run({ packet: f }).retName]);
      const expected = (frames: [string, Uint8Array, string][]) =>
        frames.map(([what, , v]) => [what, v]);

      expect(verdictsOf(FIRST)).toEqual(expected(FIRST));
      p.storeMap("tenants", ipv4Word(A), "portsB");
      expect(p.map("tenants").delete(ipv4Word(B))).toBe(true);
      expect(p.map("tenants").delete(ipv4Word(B))).toBe(false);
      expect(verdictsOf(SECOND)).toEqual(expected(SECOND));

      const all = [...FIRST, ...SECOND];
      const count = (v: string) => all.filter(([, , x]) => x === v).length;
      expect([p.map("verdicts").get(1), p.map("verdicts").get(2)]).toEqual([
        count("XDP_DROP"),
        count("XDP_PASS"),
      ]);
      // the inner tables were only read
      expect(p.map("portsA").entries().length).toBe(2);
    });

    it("refuses a map unlike the inner template and storeMap on a map that holds no maps", async (test) => {
      const p = await loadProbe<TenantAcl>("examples/tenant-acl.ts", { ...opts, test });
      // verdicts is a per-CPU array with u64 values, not a hash of u16 → u32: EINVAL on both
      expect(() => p.storeMap("tenants", ipv4Word(A), "verdicts")).toThrow(/EINVAL/);
      expect(() => p.storeMap("verdicts", 0, "portsA")).toThrow(
        /storeMap: map verdicts is a percpu_array, not a map of maps/,
      );
      expect(p.map("tenants").entries()).toEqual([]);
    });
  });
}
