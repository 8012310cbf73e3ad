/**
 * The generated kernel tables (reproducible from linux/bpf.h, consistent with known uapi values) and
 * libbpf's section-name rules.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BPF_ATTACH_TYPE,
  BPF_CONSTANTS,
  BPF_MAP_TYPE,
  BPF_PROG_TYPE,
  KERNEL_HEADER_VERSION,
  MAP_KIND_RECORDS,
  PROGRAM_TYPE_RECORDS,
  XDP_ACTION,
  helperRecord,
  helperRecordById,
  helperSignature,
  mapKind,
  mapKindById,
  matchesSection,
  resolveSection,
} from "../../core/kernel/index.ts";
import {
  evalCExpr,
  generateKernelTables,
  parseBpfHeader,
  readHeaderVersion,
} from "../../scripts/gen-kernel-tables.ts";

const HEADER = "/usr/include/linux/bpf.h";
const GENERATED = join(import.meta.dirname, "../../core/kernel/generated.ts");

describe("generated kernel tables", () => {
  const sameHeader = existsSync(HEADER) && readHeaderVersion() === KERNEL_HEADER_VERSION;
  it.skipIf(!sameHeader)("are reproduced byte for byte by the generator", async () => {
    const text = await generateKernelTables(HEADER, KERNEL_HEADER_VERSION);
    expect(text === readFileSync(GENERATED, "utf8")).toBe(true);
  });

  it("hold the stable uapi numbers", () => {
    expect(helperRecord("map_lookup_elem")!.id).toBe(1);
    expect(helperRecord("bpf_trace_printk")!.id).toBe(6);
    expect(helperRecord("ringbuf_output")!.id).toBe(130);
    expect(helperRecordById(12)!.name).toBe("tail_call");
    expect(helperRecordById(0)).toBeUndefined();
    expect(helperSignature(helperRecord("map_update_elem")!)).toBe(
      "long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)",
    );
    expect(helperSignature(helperRecord("ktime_get_ns")!)).toBe("__u64 bpf_ktime_get_ns(void)");
    expect(BPF_MAP_TYPE.BPF_MAP_TYPE_RINGBUF).toBe(27);
    expect(BPF_PROG_TYPE.BPF_PROG_TYPE_XDP).toBe(6);
    expect(BPF_ATTACH_TYPE.BPF_TRACE_FENTRY).toBe(24);
    expect(XDP_ACTION.XDP_REDIRECT).toBe(4);
    expect(BPF_CONSTANTS.BPF_NOEXIST).toBe(1);
    expect(BPF_CONSTANTS.BPF_F_RDONLY_PROG).toBe(128);
    expect(BPF_CONSTANTS.BPF_F_CTXLEN_MASK).toBe(0xfffff * 2 ** 32);
    expect(mapKindById(9)!.kind).toBe("lru_hash");
    expect(mapKind("percpu_array")!.id).toBe(6);
    expect(PROGRAM_TYPE_RECORDS.find((p) => p.type === "NETFILTER")!.id).toBe(32);
  });

  it("parse both FUNC_MAPPER forms and C constant expressions", () => {
    const enums =
      "enum bpf_cmd { A }; enum bpf_map_type { B }; enum bpf_prog_type { C };" +
      "enum bpf_attach_type { D }; enum bpf_link_type { E }; enum xdp_action { F };" +
      "enum sk_action { G }; enum bpf_ret_code { H };";
    const old = parseBpfHeader(
      `${enums}\n#define __BPF_FUNC_MAPPER(FN)\t\\\n\tFN(unspec),\t\\\n\tFN(map_lookup_elem),\t\\\n\tFN(x),\n`,
    );
    expect(old.helpers.map((h) => [h.id, h.name])).toEqual([
      [0, "unspec"],
      [1, "map_lookup_elem"],
      [2, "x"],
    ]);
    const modern = parseBpfHeader(
      `${enums}\n#define ___BPF_FUNC_MAPPER(FN, ctx...)\t\\\n\tFN(unspec, 0, ##ctx)\t\\\n\tFN(y, 7, ##ctx)\t\\\n\t/* */\n`,
    );
    expect(modern.helpers.map((h) => [h.id, h.name])).toEqual([
      [0, "unspec"],
      [7, "y"],
    ]);
    const known = new Map([["A", 4n]]);
    expect(evalCExpr("(1ULL << 4) | A", known)).toBe(20n);
    expect(evalCExpr("(0xfffffULL << 32)", known)).toBe(0xfffffn << 32n);
    expect(evalCExpr("(-1L)", known)).toBe(-1n);
    expect(evalCExpr("sizeof(int)", known)).toBeUndefined();
  });
});

describe("section names", () => {
  it("match with libbpf's +, / and exact rules", () => {
    expect(matchesSection("kprobe+", "kprobe")).toBe(true);
    expect(matchesSection("kprobe+", "kprobe/do_sys_open")).toBe(true);
    expect(matchesSection("kprobe+", "kprobe.multi/x")).toBe(false);
    expect(matchesSection("xdp", "xdp/foo")).toBe(false);
    expect(matchesSection("tc", "tc")).toBe(true);
  });

  it("resolve program and attach types", () => {
    const tp = resolveSection("tracepoint/syscalls/sys_enter_openat")!;
    expect([tp.def.progType, tp.progTypeId, tp.attachTypeId, tp.target]).toEqual([
      "TRACEPOINT",
      5,
      null,
      "syscalls/sys_enter_openat",
    ]);
    expect(resolveSection("tp/sched/sched_switch")!.def.progType).toBe("TRACEPOINT");
    expect(resolveSection("raw_tp/sched_switch")!.def.progType).toBe("RAW_TRACEPOINT");
    const fentry = resolveSection("fentry/do_unlinkat")!;
    expect([fentry.def.progType, fentry.attachTypeId, fentry.def.btfTarget]).toEqual([
      "TRACING",
      24,
      true,
    ]);
    expect(resolveSection("fexit/x")!.def.attachType).toBe("TRACE_FEXIT");
    expect(resolveSection("tp_btf/sched_switch")!.def.attachType).toBe("TRACE_RAW_TP");
    expect(resolveSection("kretprobe/x")!.def.progType).toBe("KPROBE");
    expect(resolveSection("uprobe.s/lib:fn")!.def.sleepable).toBe(true);
    expect(resolveSection("xdp")!.attachTypeId).toBe(37);
    expect(resolveSection("tcx/ingress")!.attachTypeId).toBe(46);
    expect(resolveSection("tcx/egress")!.attachTypeId).toBe(47);
    expect(resolveSection("classifier")!.progTypeId).toBe(3);
    expect(resolveSection("socket")!.progTypeId).toBe(1);
    expect(resolveSection("perf_event")!.progTypeId).toBe(7);
    expect(resolveSection("cgroup_skb/ingress")!.attachTypeId).toBe(0);
    expect(resolveSection("netfilter")!.progTypeId).toBe(32);
    expect(resolveSection("mysection")).toBeUndefined();
    expect(resolveSection("xdp_foo")).toBeUndefined();
  });
});
