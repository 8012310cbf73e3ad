/**
 * Pointer alignment analysis (compiler/passes/pointer-alignment.ts): what each source of knowledge
 * guarantees, and that unknown pointers stay at 1. The copies it widens are checked end to end in
 * the VM by test/bench/bench-programs.test.ts (addrcopy, zerorecord) against a model.
 */
import { describe, expect, it } from "vitest";
import { parseModule, type ValueId } from "../../compiler/ir/index.ts";
import { pointerAlignment } from "../../compiler/passes/pointer-alignment.ts";
import { dedent } from "./support.ts";

const body = `
  slot s0 size 40 align 8 "key"
  slot s1 size 6 align 2 "small"
b0(v0.ctx:ptr):
  v1:ptr = stackslot s0
  v2:i64 = const 12
  v3:ptr = ptradd v1, v2
  v4:ptr = stackslot s1
  v5:i64 = const 40
  v6:ptr = ptradd v0, v5
  v7:i64 = const 3
  v8:ptr = ptradd v6, v7
  v9:ptr = load.8 v0, 0
  ret v2
}`;

const alignments = (section: string) => {
  const m = parseModule(
    dedent(`module "t"\nlicense "GPL"\n\nfunc @f(ptr) -> i64 section "${section}" {${body}`),
  );
  const of = pointerAlignment(m.functions[0]!);
  return [0, 1, 3, 4, 6, 8, 9].map((v) => of(v as ValueId));
};

describe("pointerAlignment", () => {
  it("slots, constant offsets and a buffer context (tracepoint) are known", () => {
    // ctx, slot, slot+12, small slot, ctx+40, ctx+43, loaded pointer
    expect(alignments("tracepoint/raw_syscalls/sys_enter")).toEqual([8, 8, 4, 2, 8, 1, 1]);
  });

  it("a context with fixed field widths (xdp_md) is not", () => {
    expect(alignments("xdp")).toEqual([1, 8, 4, 2, 1, 1, 1]);
  });

  it("the packet start is 2 past an 8-byte boundary, as the verifier's NET_IP_ALIGN model has it", () => {
    const packet = (section: string, dataAt: number) => {
      const m = parseModule(
        dedent(`module "t"\nlicense "GPL"\n\nfunc @f(ptr) -> i64 section "${section}" {
        b0(v0.ctx:ptr):
          v1:ptr = load.4 v0, ${dataAt}
          v2:i64 = const 14
          v3:ptr = ptradd v1, v2
          v4:i64 = const 8
          v5:ptr = ptradd v3, v4
          v6:i64 = const 20
          v7:ptr = ptradd v3, v6
          v8:ptr = load.4 v0, 4
          ret v2
        }`),
      );
      const of = pointerAlignment(m.functions[0]!);
      // data, data+14 (IP header), data+22 (IPv6 saddr), data+34, data_end
      return [1, 3, 5, 7, 8].map((v) => of(v as ValueId));
    };
    expect(packet("xdp", 0)).toEqual([2, 8, 8, 4, 1]);
    // __sk_buff's data is at 76: the same facts there, none from a load at another offset
    expect(packet("tc", 76)).toEqual([2, 8, 8, 4, 1]);
    expect(packet("tc", 0)).toEqual([1, 1, 1, 1, 1]);
  });
});
