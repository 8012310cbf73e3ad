/**
 * Load-time checks of the VM (issue 14 item 7): a program whose subprogram jumps back into its
 * caller is refused when it is loaded, as the kernel (check_subprogs: "jump out of range") and ubpf
 * refuse it, instead of failing at run time with "call depth limit exceeded"; and the default
 * instruction budget leaves room for a long but bounded loop the kernel would run, while the
 * conformance plugin keeps its own small budget so the runner never waits on an endless loop.
 */
import { describe, expect, it } from "vitest";
import { assembleText } from "../../core/conformance/index.ts";
import { checkSubprograms, validateProgram } from "../../core/isa/index.ts";
import type { BpfObject } from "../../core/object/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { DEFAULT_BUDGET, runWithInput, VmError } from "../../runtime/vm/index.ts";
import { PLUGIN_BUDGET } from "../../cli/commands/conformance-plugin.ts";

/** main calls f; f's loop jumps back to slot 0, into main. */
const JUMPS_BACK = `
  mov %r0, 0
  call local f
  exit
f:
  add %r0, 1
  jeq %r0, 3, +1
  ja -6
  exit`;

function objectWith(text: string): BpfObject {
  const insns = assembleText(text);
  return {
    programs: [{ name: "prog", section: "socket", sectionOffset: 0, insns, relocs: [] }],
    subprograms: [],
    maps: [],
    license: "GPL",
    kernelVersion: 0,
  };
}

describe("VM load checks", () => {
  it("the static validator finds the jump out of the subprogram and names both functions", () => {
    const problems = checkSubprograms(assembleText(JUMPS_BACK));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      "jump out of range: slot 5 in the function at slot 3 jumps to slot 0, in the function at slot 0",
    );
    expect(validateProgram(assembleText(JUMPS_BACK)).map((p) => p.message)).toContain(
      problems[0]!.message,
    );
  });

  it("a subprogram that falls through into the next function is refused too", () => {
    const problems = checkSubprograms(assembleText("call local f\nexit\nf:\nmov %r0, 1\ng:\nexit"));
    expect(problems).toEqual([]);
    const bad = checkSubprograms(
      assembleText("call local f\ncall local g\nexit\nf:\nmov %r0, 1\ng:\nexit"),
    );
    expect(bad.map((p) => p.message)).toEqual([
      "the function at slot 3 falls through into the function at slot 4: its last instruction must be exit or ja, not mov64_imm",
    ]);
  });

  it("VmObject.load refuses it at load, not at run time", () => {
    expect(() => VmObject.fromObject(objectWith(JUMPS_BACK))).toThrow(
      /^program prog: instruction 5: jump out of range/,
    );
    const fine = VmObject.fromObject(objectWith(JUMPS_BACK.replace("ja -6", "ja -3")));
    expect(fine.program("prog").run({ packet: new Uint8Array(14) }).r0).toBe(3n);
  });

  it("a bare program (conformance plugin path) is refused before it runs", () => {
    expect(() => runWithInput(assembleText(JUMPS_BACK), null, new Map())).toThrow(VmError);
    expect(() => runWithInput(assembleText(JUMPS_BACK), null, new Map())).toThrow(
      /invalid program: jump out of range/,
    );
  });

  it("runs a bounded 30M-instruction loop with the default budget; the plugin keeps 10M", () => {
    // 10M iterations of 3 instructions: more than the old 10M default, which refused it.
    const loop = "mov %r0, 0\nL:\nadd %r0, 1\nmov %r1, %r0\njne %r0, 10000000, L\nexit";
    const r = runWithInput(assembleText(loop), null, new Map());
    expect(r.r0).toBe(10_000_000n);
    expect(r.executed).toBeGreaterThan(30_000_000);
    expect(DEFAULT_BUDGET).toBeGreaterThanOrEqual(r.executed);
    expect(PLUGIN_BUDGET).toBe(10_000_000);
    expect(() =>
      runWithInput(assembleText(loop), null, new Map(), { budget: PLUGIN_BUDGET }),
    ).toThrow(/instruction budget exhausted \(10000000 instructions\)/);
  });
});
