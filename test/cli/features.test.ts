/**
 * `tsbpf features`: the coverage table from the kernel records, with kernelTested derived from the
 * examples the kernel tests load (test/golden-build/golden.test.ts loads every examples/*.ts) and the
 * program-kind fixtures (test/kernel/program-kinds.test.ts loads and attaches test/kernel/kinds/*.ts).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { featuresTable, kernelCoverage } from "../../cli/commands/features.ts";

describe("tsbpf features", () => {
  it("--json has the issue's shape, generated from the records", () => {
    const out = execFileSync("node", ["bin/tsbpf.js", "features", "--json"], { encoding: "utf8" });
    const t = JSON.parse(out);
    expect(Object.keys(t)).toEqual(["helpers", "mapTypes", "programTypes"]);
    expect(t.helpers).toHaveLength(211);
    expect(t.helpers[0]).toEqual({
      name: "bpf_map_lookup_elem",
      id: 1,
      declared: true,
      vm: true,
      kernelTested: true,
    });
    expect(t.mapTypes.find((m: { name: string }) => m.name === "BPF_MAP_TYPE_HASH")).toEqual({
      name: "BPF_MAP_TYPE_HASH",
      declared: true,
      vm: true,
      kernelTested: true,
    });
    expect(t.programTypes.find((p: { section: string }) => p.section === "xdp")).toEqual({
      section: "xdp",
      declared: true,
      vm: true,
      kernelTested: true,
    });
  });

  it("counts what it derives: every helper is callable; fentry is not kernel-tested here", async () => {
    const t = featuresTable(await kernelCoverage());
    expect(t.helpers.filter((h) => h.declared)).toHaveLength(211);
    // A map class declared only to refuse it (TSB3073) is not counted as declared.
    expect(t.mapTypes.find((m) => m.name === "BPF_MAP_TYPE_ARENA")).toMatchObject({
      declared: false,
      vm: false,
    });
    expect(t.helpers.find((h) => h.name === "bpf_loop")).toMatchObject({
      declared: true,
      vm: true,
    });
    // Iterators: the VM walks them (runtime/vm/iter.ts) with bpf_seq_printf / bpf_seq_write;
    // bpf_seq_printf_btf (BTF-typed dumps) is not emulated.
    for (const s of ["iter", "iter.s"])
      expect(
        t.programTypes.find((p) => p.section === s),
        s,
      ).toMatchObject({ vm: true });
    const vmHelper = (n: string) => t.helpers.find((h) => h.name === n)!.vm;
    expect(["bpf_seq_printf", "bpf_seq_write", "bpf_seq_printf_btf"].map(vmHelper)).toEqual([
      true,
      true,
      false,
    ]);
    // vfsread-latency uses fentry/fexit, which this kernel refuses before the verifier.
    const fentry = t.programTypes.find((p) => p.section === "fentry")!;
    expect(fentry).toMatchObject({ declared: true, kernelTested: false });
    // Only what the examples use: a helper no example calls is not kernel-tested.
    expect(t.helpers.find((h) => h.name === "bpf_strtol")).toMatchObject({
      vm: true,
      kernelTested: false,
    });
  });

  it("socket and cgroup kinds count as kernel-tested through test/kernel/kinds, hooks one by one", async () => {
    const t = featuresTable(await kernelCoverage());
    const row = (s: string) => t.programTypes.find((p) => p.section === s);
    for (const s of [
      "cgroup/connect4",
      "cgroup/getsockname_unix",
      "sockops",
      "sk_lookup",
      "netfilter",
    ])
      expect(row(s), s).toMatchObject({ declared: true, kernelTested: true });
    // libbpf's second spellings count through the `section` option and their fixture
    // (test/kernel/kinds/section-spellings.ts).
    for (const s of ["cgroup/skb", "tp", "raw_tp.w", "classifier", "tc/egress", "sk_skb"])
      expect(row(s), s).toMatchObject({ declared: true, kernelTested: true });
    // Without the fixture folder only the examples count.
    const examplesOnly = featuresTable(
      await kernelCoverage([new URL("../../examples/", import.meta.url)]),
    );
    expect(
      examplesOnly.programTypes.find((p) => p.section === "cgroup/getsockname_unix"),
    ).toMatchObject({
      declared: true,
      kernelTested: false,
    });
    expect(examplesOnly.programTypes.find((p) => p.section === "cgroup/skb")).toMatchObject({
      declared: true,
      kernelTested: false,
    });
  });

  it("struct_ops: the map type counts through tcp-reno's .struct_ops variable, struct_ops.s through its fixture", async () => {
    const t = featuresTable(await kernelCoverage());
    expect(t.mapTypes.find((m) => m.name === "BPF_MAP_TYPE_STRUCT_OPS")).toEqual({
      name: "BPF_MAP_TYPE_STRUCT_OPS",
      declared: true,
      vm: true,
      kernelTested: true,
    });
    const row = (s: string) => t.programTypes.find((p) => p.section === s);
    expect(row("struct_ops")).toMatchObject({ declared: true, kernelTested: true });
    expect(row("struct_ops.s")).toMatchObject({ declared: true, kernelTested: true });
    // Without the fixture folder: examples/tcp-reno.ts is not sleepable.
    const examplesOnly = featuresTable(
      await kernelCoverage([new URL("../../examples/", import.meta.url)]),
    );
    expect(examplesOnly.programTypes.find((p) => p.section === "struct_ops.s")).toMatchObject({
      kernelTested: false,
    });
    expect(examplesOnly.programTypes.find((p) => p.section === "struct_ops")).toMatchObject({
      kernelTested: true,
    });
  });
});
