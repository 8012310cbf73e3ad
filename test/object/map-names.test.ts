/**
 * libbpf's names for global data maps (internal_map_name) and objects (bpf_object__new): the kernel
 * map of `.bss` in `xdp-firewall.o` is `xdp_fire.bss`, as `bpftool map show` prints for a libbpf load.
 */
import { describe, expect, it } from "vitest";
import { internalMapName, objectNameOf } from "../../core/object/index.ts";

describe("global data map names", () => {
  it("the object name is the file's base name up to its first dot", () => {
    expect(objectNameOf("out/xdp-firewall.o")).toBe("xdp-firewall");
    expect(objectNameOf("probe.bpf.o")).toBe("probe");
    expect(objectNameOf("noext")).toBe("noext");
  });

  it.each([
    ["counter", ".bss", "counter.bss"],
    ["xdp-firewall", ".bss", "xdp_fire.bss"],
    ["xdp-firewall", ".rodata", "xdp_fire.rodata"],
    ["syscount", ".data", "syscount.data"],
    ["syscount", ".rodata.str1.1", ".rodata.str1.1"],
    ["syscount", ".data.counters", ".data.counters"],
    [undefined, ".bss", ".bss"],
  ])("%s + %s = %s", (obj, section, name) => {
    expect(internalMapName(obj, section)).toBe(name);
    expect(name.length).toBeLessThan(16);
  });
});
