/**
 * `Probe.storeMap` on an ArrayOfMaps (the map-of-maps fixture, test/kernel/kinds/map-of-maps.ts),
 * in the VM and on the kernel: an empty slot drops, storing a table there makes the program count
 * into that table, storing the other table moves the counting, and the slot index is checked by
 * the target (past maxEntries: E2BIG on the kernel as in the VM).
 */
import { describe, expect, it } from "vitest";
import { loadProbe } from "../../testing/index.ts";
import { ENGINES_AND_KERNEL } from "../examples/support.ts";

type Fixture = typeof import("../kernel/kinds/map-of-maps.ts");

/** A frame whose first byte picks the tenant slot (the second, 0, an empty limits slot). */
const frame = (slot: number) => {
  const f = new Uint8Array(64);
  f[0] = slot;
  return f;
};

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`storeMap on an ArrayOfMaps (${where})`, () => {
    it("fills, swaps and checks a slot", async (test) => {
      const p = await loadProbe<Fixture>("test/kernel/kinds/map-of-maps.ts", { ...opts, test });
      const run = (slot: number) => p.program("count").run({ packet: frame(slot) }).retName;
      const counts = () => [p.map("tenantA").get(0), p.map("tenantB").get(0)];
      expect(run(1)).toBe("XDP_DROP"); // slot 1 starts empty (values: [tenantA, null, tenantB])
      p.storeMap("tenants", 1, "tenantB");
      expect(run(1)).toBe("XDP_PASS");
      expect(counts()).toEqual([0, 1]);
      p.storeMap("tenants", 1, "tenantA");
      expect([run(1), run(1)]).toEqual(["XDP_PASS", "XDP_PASS"]);
      expect(counts()).toEqual([2, 1]);
      expect(() => p.storeMap("tenants", 4, "tenantA")).toThrow(/E2BIG/);
    });
  });
}
