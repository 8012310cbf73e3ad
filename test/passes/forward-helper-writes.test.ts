/**
 * forward-helper-writes (compiler/passes/forward-helper-writes.ts): IR text in, the helper's buffer
 * moved to the copy's destination, or the code left alone when something could see the difference.
 * The VM agreement with a reference record is in codegen-vm.test.ts.
 */
import { describe, expect, it } from "vitest";
import { forwardHelperWrites } from "../../compiler/passes/forward-helper-writes.ts";
import { expectUnchanged, runPass } from "./support.ts";

const program = (between: string) => `
      func @f(ptr) -> i64 section "tracepoint/sched/sched_process_exec" {
        slot s0 size 16 align 8
        slot s1 size 4 align 4
      b0(v0:ptr):
        v1:ptr = stackslot s0
        v2:ptr = stackslot s1
        v3:i32 = const 4
        v4:i64 = const 4096
        v5:i64 = callhelper bpf_probe_read_kernel#113(v2, v3, v4)
        v6:i32 = load.4 v2, 0
        ${between}
        store.4 v1, 8, v6
        v7:i64 = const 0
        ret v7
      }`;

describe("forward-helper-writes", () => {
  it("points the helper at the field the temporary was copied into", () => {
    const { out, changed } = runPass(forwardHelperWrites, program(""));
    expect(changed).toBe(true);
    expect(out).toMatch(
      /v(\d+):ptr = stackslot s0\n {2}v(\d+):i64 = const 8\n {2}v(\d+):ptr = ptradd v\1, v\2\n {2}v5:i64 = callhelper bpf_probe_read_kernel#113\(v\3, v3, v4\)/,
    );
    expect(out).not.toContain("load.4 v2");
    expect(out).not.toContain("store.4 v1, 8");
  });

  it("leaves the copy when the destination slot is read in between", () => {
    expectUnchanged(forwardHelperWrites, program("v8:i32 = load.4 v1, 8"));
  });

  it("leaves the copy when the loaded value has another use", () => {
    expectUnchanged(forwardHelperWrites, program("v8:i32 = add v6, v3"));
  });
});
