/**
 * Text-in/text-out tests of sink-instructions: pure values move to the one block that uses them,
 * never into a loop, never when uses are spread over blocks, and never for memory accesses.
 */
import { describe, expect, it } from "vitest";
import { sinkInstructions } from "../../compiler/passes/sink-instructions.ts";
import { expectUnchanged, runPass } from "./support.ts";

describe("sink-instructions", () => {
  it("moves a chain of pure values past an early return to just before their use", () => {
    const { out, changed } = runPass(
      sinkInstructions,
      `
      func @f(ptr) -> i64 {
      b0(v0:ptr):
        v1:i32 = load.4 v0, 8
        v2:i32 = const 65535
        v3:i32 = and v1, v2
        v4:i64 = zext v3
        v5:ptr = ptradd v0, v4
        v6:i64 = callhelper ktime_get_ns#5()
        v7:i64 = const 0
        v8:i1 = icmp eq v6, v7
        condbr v8, b1, b2
      b1:
        ret v7
      b2:
        v9:i64 = callhelper get_current_pid_tgid#14()
        v10:i32 = const 16
        v11:i64 = callhelper probe_read_kernel#113(v0, v10, v5)
        ret v9
      }`,
    );
    expect(changed).toBe(true);
    // load stays (memory); and/zext/ptradd now sit right before the probe_read call in b2.
    expect(out).toMatch(
      /b0\(v0:ptr\):\n\s+v1:i32 = load\.4 v0, 8\n\s+v2:i32 = const 65535\n\s+v6:i64/,
    );
    expect(out).toMatch(
      /v10:i32 = const 16\n\s+v3:i32 = and v1, v2\n\s+v4:i64 = zext v3\n\s+v5:ptr = ptradd v0, v4\n\s+v11:i64 = callhelper/,
    );
  });

  it("does not sink into a loop, nor when the uses are in two blocks", () => {
    expectUnchanged(
      sinkInstructions,
      `
      func @f(i64) -> i64 {
      b0(v0:i64):
        v1:i64 = const 3
        v2:i64 = mul v0, v1
        v3:i64 = add v0, v1
        v4:i1 = icmp ult v0, v1
        condbr v4, b1(v0), b2
      b1(v5:i64):
        v6:i64 = add v5, v2
        v9:i64 = add v6, v3
        v7:i1 = icmp ult v9, v0
        condbr v7, b1(v9), b2
      b2:
        v8:i64 = add v3, v0
        ret v3
      }`,
    );
  });
});
