/**
 * The codegen benchmark's pure parts: reading bpftool's loadall output (bench/codegen/verifier.ts)
 * and matching programs across the two compilers (bench/codegen/pair.ts).
 */
import { describe, expect, it } from "vitest";
import { pairPrograms } from "../../bench/codegen/pair.ts";
import { parseLoadallOutput } from "../../bench/codegen/verifier.ts";

const OK_OUTPUT = `libbpf: loading /tmp/x.o
libbpf: prog 'sched_wakeup': found map 0 (start, sec 5, off 0) for insn #9
libbpf: prog 'sched_wakeup': -- BEGIN PROG LOAD LOG --
func#0 @0
0: R1=ctx() R10=fp0
processed 15 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0
-- END PROG LOAD LOG --
libbpf: prog 'sched_switch': -- BEGIN PROG LOAD LOG --
12: (85) call bpf_map_lookup_elem#1
processed 376 insns (limit 1000000) max_states_per_insn 1 total_states 30 peak_states 30 mark_read 2
-- END PROG LOAD LOG --
`;

const FAILED_OUTPUT = `libbpf: prog 'good': -- BEGIN PROG LOAD LOG --
processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
-- END PROG LOAD LOG --
libbpf: prog 'bad': BPF program load failed: Permission denied
libbpf: prog 'bad': -- BEGIN PROG LOAD LOG --
0: (79) r0 = *(u64 *)(r1 +512)
invalid bpf_context access off=512 size=8
processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
-- END PROG LOAD LOG --
libbpf: prog 'bad': failed to load: -13
libbpf: failed to load object '/tmp/x.o'
Error: failed to load object file
`;

describe("parseLoadallOutput", () => {
  it("reads each program's processed count from its own log block", () => {
    const r = parseLoadallOutput(OK_OUTPUT, true);
    expect(r.loaded).toBe(true);
    expect(r.error).toBeUndefined();
    expect([...r.programs]).toEqual([
      ["sched_wakeup", { processed: 15 }],
      ["sched_switch", { processed: 376 }],
    ]);
  });

  it("keeps the kernel's reason for a rejected program and the object-level failure", () => {
    const r = parseLoadallOutput(FAILED_OUTPUT, false);
    expect(r.loaded).toBe(false);
    expect(r.error).toBe("kernel refused to load 'bad': Permission denied");
    expect(r.programs.get("good")).toEqual({ processed: 7 });
    expect(r.programs.get("bad")).toEqual({
      error: "kernel refused to load 'bad': Permission denied",
      processed: 1,
    });
  });

  it("a failure before any program (no log at all) still explains itself", () => {
    const r = parseLoadallOutput(
      "libbpf: map 'm': failed to create: Invalid argument(-22)\n",
      false,
    );
    expect(r.loaded).toBe(false);
    expect(r.error).toBe("map 'm': failed to create: Invalid argument(-22)");
    expect(r.programs.size).toBe(0);
    expect(parseLoadallOutput("", false).error).toBe("bpftool prog loadall failed");
  });
});

describe("pairPrograms", () => {
  const p = (name: string, section: string) => ({ name, section });

  it("matches by section although the two sides name functions differently", () => {
    const pairs = pairPrograms(
      [
        p("onSwitch", "tracepoint/sched/sched_switch"),
        p("onWakeup", "tracepoint/sched/sched_wakeup"),
      ],
      [
        p("sched_wakeup", "tracepoint/sched/sched_wakeup"),
        p("sched_switch", "tracepoint/sched/sched_switch"),
      ],
    );
    expect(pairs.map((x) => [x.clang?.name, x.tsbpf?.name])).toEqual([
      ["sched_wakeup", "onWakeup"],
      ["sched_switch", "onSwitch"],
    ]);
  });

  it("within one section prefers equal names, then order; leftovers get rows of their own", () => {
    const pairs = pairPrograms(
      [p("a", "xdp"), p("b", "xdp"), p("extra", "tc")],
      [p("b", "xdp"), p("c", "xdp"), p("only_c", "socket")],
    );
    expect(pairs.map((x) => [x.clang?.name, x.tsbpf?.name])).toEqual([
      ["b", "b"],
      ["c", "a"],
      ["only_c", undefined],
      [undefined, "extra"],
    ]);
  });

  it("either side may be empty", () => {
    expect(pairPrograms([], [p("x", "xdp")])).toEqual([{ clang: p("x", "xdp") }]);
    expect(pairPrograms([p("x", "xdp")], [])).toEqual([{ tsbpf: p("x", "xdp") }]);
  });
});

describe("parseLoadallOutput picks the specific error, not retry notices or generic last words", () => {
  it("reports the map creation failure", () => {
    const out = `libbpf: Error in bpf_create_map_xattr(events):Invalid argument(-22). Retrying without BTF.
libbpf: map 'events': failed to create: Invalid argument(-22)
libbpf: failed to load object 'x.o'
Error: failed to load object file
`;
    expect(parseLoadallOutput(out, false).error).toBe(
      "map 'events': failed to create: Invalid argument(-22)",
    );
    expect(parseLoadallOutput("libbpf: failed to load object 'x.o'\n", false).error).toBe(
      "failed to load object 'x.o'",
    );
  });
});
