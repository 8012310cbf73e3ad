/**
 * Devmap, devmap_hash and cpumap entries that name an XDP program (test/kernel/kinds/devmap-values.ts:
 * `DevMap<BpfDevmapVal>`, `DevMapHash<BpfDevmapVal>`, `CpuMap<BpfCpumapVal>`), under tsbpf/test in
 * both VM engines and on the live kernel with the same assertions: the maps are created with 8-byte
 * values, user space stores an interface or queue size with the fd of a `xdpMapEntry` program, the
 * redirect verdicts follow the entries, lookups read the program's id back in the fd's place, and
 * the kernel's refusals (a program of the wrong attach type, a program without an interface, a
 * devmap_hash entry without one) are the VM's; a devmap entry stored with interface 0 is cleared.
 */
import { describe, expect, it } from "vitest";
import { mapKindById } from "../../core/kernel/index.ts";
import { programInfo } from "../../runtime/loader/index.ts";
import { loadProbe, type Probe, type ProbeOptions } from "../../testing/index.ts";

type Fixture = typeof import("./kinds/devmap-values.ts");
const FIXTURE = "test/kernel/kinds/devmap-values.ts";
const LO = 1;
const frame = (first: number) => {
  const f = new Uint8Array(64);
  f[0] = first;
  return f;
};
const TARGETS: readonly [string, ProbeOptions][] = [
  ["vm, interpreter", { target: "vm", engine: "interpreter" }],
  ["vm, jit", { target: "vm", engine: "jit" }],
  ["kernel", { target: "kernel" }],
];

/** The id a lookup reads back for program `name`: the kernel's program id, the VM's stand-in. */
const programId = (p: Probe<Fixture>, name: string) =>
  p.target === "kernel" ? programInfo(p.programRef(name)).id : p.programRef(name);

for (const [where, opts] of TARGETS) {
  describe(`redirect map entries with programs (${where})`, () => {
    it("creates 8-byte values, redirects by them and reads the program's id back", async (test) => {
      const p = await loadProbe<Fixture>(FIXTURE, { ...opts, test });
      const kinds = p.object.maps.map((m) => [m.name, mapKindById(m.type)?.kind, m.valueSize]);
      expect(kinds).toEqual([
        ["egress", "devmap", 8],
        ["egressByIfindex", "devmap_hash", 8],
        ["cpus", "cpumap", 8],
      ]);
      const verdicts = () => [
        p.program("toEntry").run({ packet: frame(1) }).retName,
        p.program("toEntry").run({ packet: frame(2) }).retName,
        p.program("toHashed").run({ packet: frame(0) }).retName,
        p.program("toCpu").run({ packet: frame(0) }).retName,
      ];
      expect(verdicts()).toEqual(["XDP_PASS", "XDP_PASS", "XDP_DROP", "XDP_ABORTED"]);
      const onEgress = p.programRef("onEgress");
      p.map("egress").set(1, { ifindex: LO, fd: onEgress });
      p.map("egressByIfindex").set(LO, { ifindex: LO, fd: onEgress });
      p.map("cpus").set(1, { qsize: 192, fd: p.programRef("onCpu") });
      expect(verdicts()).toEqual(["XDP_REDIRECT", "XDP_PASS", "XDP_REDIRECT", "XDP_REDIRECT"]);
      const id = programId(p, "onEgress");
      expect(id).toBeGreaterThan(0);
      expect(p.map("egress").get(1)).toEqual({ ifindex: LO, fd: id, id });
      expect(p.map("egressByIfindex").get(LO)).toEqual({ ifindex: LO, fd: id, id });
      const cpuId = programId(p, "onCpu");
      expect(p.map("cpus").get(1)).toEqual({ qsize: 192, fd: cpuId, id: cpuId });
      // An entry without a program reads back id 0.
      p.map("egress").set(2, { ifindex: LO });
      expect(p.map("egress").get(2)).toEqual({ ifindex: LO, fd: 0, id: 0 });
      if (p.target === "vm") {
        const r = p.program("toEntry").run({ packet: frame(1) });
        expect(r.redirect).toMatchObject({
          helper: "redirect_map",
          map: "egress",
          key: 1,
          ifindex: LO,
        });
      }
    });

    it("refuses what the kernel refuses and clears a devmap slot stored with interface 0", async (test) => {
      const p = await loadProbe<Fixture>(FIXTURE, { ...opts, test });
      const [onEgress, onCpu, plain] = ["onEgress", "onCpu", "toEntry"].map((n) => p.programRef(n));
      // A plain XDP program (attach type BPF_XDP) or a cpumap's program in a devmap: EINVAL.
      expect(() => p.map("egress").set(0, { ifindex: LO, fd: plain })).toThrow(/EINVAL/);
      expect(() => p.map("egress").set(0, { ifindex: LO, fd: onCpu })).toThrow(/EINVAL/);
      // cpumap.c reports every failed entry as ENOMEM.
      expect(() => p.map("cpus").set(0, { qsize: 192, fd: onEgress })).toThrow(/ENOMEM/);
      // A program needs an interface; a devmap_hash entry needs one at all.
      expect(() => p.map("egress").set(0, { ifindex: 0, fd: onEgress })).toThrow(/EINVAL/);
      expect(() => p.map("egressByIfindex").set(5, { ifindex: 0 })).toThrow(/EINVAL/);
      expect(p.map("egress").get(0)).toBeUndefined();
      p.map("egress").set(1, { ifindex: LO, fd: onEgress });
      expect(p.program("toEntry").run({ packet: frame(1) }).retName).toBe("XDP_REDIRECT");
      p.map("egress").set(1, { ifindex: 0 });
      expect(p.map("egress").get(1)).toBeUndefined();
      expect(p.program("toEntry").run({ packet: frame(1) }).retName).toBe("XDP_PASS");
    });
  });
}
