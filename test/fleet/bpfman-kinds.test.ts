/**
 * core/kernel/bpfman.ts: every row is keyed by a real libbpf section pattern, section names resolve
 * to bpfman's program types (and CRD spellings) as bpfman reads them, and the map spellings derived
 * from the generated uapi names are bpfman's label spellings.
 */
import { describe, expect, it } from "vitest";
import {
  BPFMAN_PROGRAM_KINDS,
  bpfmanMapType,
  bpfmanProgramKind,
} from "../../core/kernel/bpfman.ts";
import { BPF_MAP_TYPE, SECTION_DEFS } from "../../core/kernel/index.ts";

describe("bpfman program kinds", () => {
  it("are keyed by SECTION_DEFS patterns only", () => {
    const patterns = new Set(SECTION_DEFS.map((d) => d.pattern));
    for (const p of Object.keys(BPFMAN_PROGRAM_KINDS)) expect(patterns, p).toContain(p);
  });

  it.each([
    ["xdp", "xdp", "XDP"],
    ["xdp.frags", "xdp", "XDP"],
    ["tc", "tc", "TC"],
    ["classifier", "tc", "TC"],
    ["tc/egress", "tc", "TC"],
    ["tcx/ingress", "tcx", "TCX"],
    ["tracepoint/sched/sched_switch", "tracepoint", "TracePoint"],
    ["kprobe/do_unlinkat", "kprobe", "KProbe"],
    ["kretprobe/do_unlinkat", "kretprobe", "KRetProbe"],
    ["uprobe//usr/lib/libc.so.6:malloc", "uprobe", "UProbe"],
    ["uretprobe//bin/bash:readline", "uretprobe", "URetProbe"],
    ["fentry/vfs_read", "fentry", "FEntry"],
    ["fexit/vfs_read", "fexit", "FExit"],
  ])("%s is bpfman's %s (CRD type %s)", (section, label, crdType) => {
    expect(bpfmanProgramKind(section)).toEqual({ label, crdType, crdField: label });
  });

  it.each([
    "socket",
    "perf_event",
    "raw_tp/sys_enter",
    "tp_btf/sched_switch",
    "kprobe.multi/x*",
    "cgroup/skb",
  ])("%s is not a type bpfman can load", (section) => {
    expect(bpfmanProgramKind(section)).toBeUndefined();
  });
});

describe("bpfman map spellings", () => {
  it.each([
    ["BPF_MAP_TYPE_HASH", "hash"],
    ["BPF_MAP_TYPE_ARRAY", "array"],
    ["BPF_MAP_TYPE_PERCPU_HASH", "per_cpu_hash"],
    ["BPF_MAP_TYPE_PERCPU_ARRAY", "per_cpu_array"],
    ["BPF_MAP_TYPE_LRU_PERCPU_HASH", "lru_per_cpu_hash"],
    ["BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE", "per_cpu_cgroup_storage"],
    ["BPF_MAP_TYPE_RINGBUF", "ringbuf"],
    ["BPF_MAP_TYPE_PERF_EVENT_ARRAY", "perf_event_array"],
    ["BPF_MAP_TYPE_LPM_TRIE", "lpm_trie"],
    ["BPF_MAP_TYPE_STACK_TRACE", "stack_trace"],
    ["BPF_MAP_TYPE_DEVMAP_HASH", "devmap_hash"],
  ])("%s is %s", (uapi, label) => {
    const n = (BPF_MAP_TYPE as Record<string, number>)[uapi]!;
    expect(bpfmanMapType(n)).toBe(label);
  });

  it("an unknown number has no spelling", () => {
    expect(bpfmanMapType(9999)).toBeUndefined();
  });
});
