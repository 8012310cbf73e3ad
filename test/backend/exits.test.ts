/**
 * Exits: an `exit` laid out before a block that starts with `exit` falls into it (layout.ts), so
 * `return x < 2 ? 2 : x` has one exit as clang's has; a program whose kernel prototype returns void
 * (IR `-> void` with a section: a struct_ops member such as `init`) exits without setting r0, while
 * a void BPF-to-BPF function still sets it (the verifier reads R0 at every subprogram exit). The
 * shared exit runs in the VM against a reference on both arms.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/driver.ts";
import { parseModule } from "../../compiler/ir/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { insns } from "./asm-lines.ts";

const floorTwo = `
module "t.ts"
license "GPL"
func @f(ptr) -> i64 section "tracepoint/x" {
b0(v0:ptr):
  v1:i32 = load.4 v0, 0
  v2:i32 = const 2
  v3:i1 = icmp ult v1, v2
  condbr v3, b1, b2
b1:
  v4:i64 = const 2
  ret v4
b2:
  v5:i64 = zext v1
  ret v5
}
`;

const voidProgram = `
module "t.ts"
license "GPL"
func @g() -> void {
b0():
  ret
}
func @f(ptr) -> void section "struct_ops/init" {
b0(v0:ptr):
  call @g()
  ret
}
`;

describe("exits", () => {
  it("lets `r0 = 2; exit` fall into the other arm's exit: one exit for both returns", () => {
    const list = insns(floorTwo);
    expect(list.filter((l) => l === "exit")).toHaveLength(1);
    expect(list[list.length - 1]).toBe("exit");
  });

  it("returns the same values as the reference on both arms", () => {
    const out = compileModule(parseModule(floorTwo), new Map(), { check: true });
    expect(out.diagnostics).toEqual([]);
    const vm = VmObject.load(out.object!);
    for (const x of [0, 1, 2, 3, 7, 0xffffffff]) {
      const ctx = new Uint8Array(8);
      new DataView(ctx.buffer).setUint32(0, x, true);
      const r = vm.program("f").run({ ctx });
      expect(r.r0, String(x)).toBe(BigInt(x < 2 ? 2 : x));
    }
  });

  it("leaves r0 unset at a void program's exit but sets it at a void function's", () => {
    // Unoptimised, so g stays a BPF-to-BPF function.
    const out = compileModule(parseModule(voidProgram), new Map(), {
      emit: "asm",
      optimize: false,
      check: true,
    });
    expect(out.diagnostics).toEqual([]);
    const fn = (name: string) =>
      out
        .asm!.split(/\n(?=\S)/)
        .find((s) => s.startsWith(`${name}:`))!
        .split("\n")
        .filter((l) => /^\s+\d+: /.test(l))
        .map((l) => l.replace(/^\s+\d+: /, "").replace(/\s+;.*$/, ""));
    expect(fn("f")).toEqual(["call pc-1", "exit"]);
    expect(fn("g")).toEqual(["r0 = 0", "exit"]);
  });
});
