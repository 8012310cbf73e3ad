/**
 * Printer/parser round trip and builder behaviour: `print(parse(text)) === text` for hand-written
 * IR covering every opcode, and `parse(print(f))` preserves the function built with the builder.
 */
import { describe, expect, it } from "vitest";
import {
  newFunc,
  parseFunc,
  parseModule,
  printFunc,
  printModule,
  verifyModule,
  IrParseError,
} from "../../compiler/ir/index.ts";
import type { Span } from "../../compiler/ir/index.ts";

/** A module using every opcode, every declaration kind and every span form. */
export const ALL_OPS = `module "all.ts"
license "GPL"
type t0 = int "u32" 32 unsigned
type t1 = int "i64" 64 signed
type t2 = bool
type t3 = array t0 4
type t4 = struct "event" size 24 align 8 { "pid" t0 0, "ts" t1 8, "tags" t3 16 }
type t5 = ptr t4
type t6 = ptr void
map @counts hash key 4 value 8 max 1024 flags 0 ktype t0 vtype t1 !3:1
map @events ringbuf key 0 value 0 max 4096 flags 0 ktype - vtype -
map @tables hash_of_maps key 4 value 4 max 2 flags 0 ktype t0 vtype - inner hash key 4 value 8 max 1024 flags 0 ktype t0 vtype t1 values [-, @counts]
global @fmt .rodata size 4 align 1 type - init 25640a00 !4:1
global @total .bss size 8 align 8 type t1

func @helper(i64, i32) -> i64 !"other.ts":1:1 {
b0(v0.a:i64, v1:i32):
  v2:i64 = sext v1 !2:3
  v3:i64 = add v0, v2
  ret v3 !"all.ts":9:9
}

func @prog(ptr) -> i64 section "tracepoint/syscalls/sys_enter_openat" proto "prog_proto" !10:1 {
  slot s0 size 4 align 4 "key"
  slot s1 size 24 align 8
b0(v0.ctx:ptr):
  v1:i32 = load.4 v0, 16 !11:3
  v2:i64 = load.s2 v0, 8
  v3:ptr = load.8 v0, 24
  v4:ptr = stackslot s0
  store.4 v4, 0, v1
  v5:ptr = mapref @counts
  v6:i64 = callhelper map_lookup_elem#1(v5, v4)
  v7:ptr = inttoptr v6
  v8:ptr = const 0
  v9:i1 = icmp eq v7, v8
  condbr v9, b1, b2(v7)
b1:
  v10:i64 = const -1
  v11:ptr = stackslot s1
  memset v11, 0, 24, align 8
  memcpy v11, v3, 24, align 8
  br b3(v10)
b2(v12.val:ptr):
  atomic.add.8 v12, 0, v2
  v13:i64 = atomic.xchg.fetch.8 v12, 0, v2
  v14:i64 = cmpxchg.8 v12, 0, v13, v2
  v15:i32 = trunc v14
  v16:i64 = zext v15
  v17:i64 = lshr v16, v2
  v18:i1 = icmp slt v17, v14
  v19:i64 = select v18, v17, v14
  v20:i64 = call @helper(v19, v1)
  v21:i64 = ptrtoint v12
  v22:ptr = ptradd v12, v21
  v23:ptr = globaladdr @total, 0
  atomic.or.4 v23, 0, v1
  br b3(v20)
b3(v24:i64):
  ret v24
}

func @never() -> void {
b0:
  unreachable
}
`;

describe("IR text round trip", () => {
  it("prints exactly what it parsed (every opcode and declaration)", () => {
    const m = parseModule(ALL_OPS);
    expect(printModule(m)).toBe(ALL_OPS);
    expect(verifyModule(m).map((p) => p.message)).toEqual([]);
  });

  it("keeps types, spans, names and initialisers in the records", () => {
    const m = parseModule(ALL_OPS);
    const prog = m.functions[1]!;
    expect(prog.section).toBe("tracepoint/syscalls/sys_enter_openat");
    expect(prog.btfProtoName).toBe("prog_proto");
    expect(prog.values[0]).toEqual({
      type: "ptr",
      def: { kind: "param", block: 0, index: 0 },
      name: "ctx",
    });
    const load = prog.insts[prog.values[2]!.def.kind === "inst" ? prog.values[2]!.def.inst : -1]!;
    expect(load.data).toEqual({
      op: "load",
      type: "i64",
      size: 2,
      signed: true,
      base: 0,
      offset: 8,
    });
    expect(load.span).toEqual({ file: "all.ts", line: 10, col: 1 });
    expect(prog.insts[0]!.span).toEqual({ file: "all.ts", line: 11, col: 3 });
    expect(m.functions[0]!.span.file).toBe("other.ts");
    expect([...m.globals[0]!.init]).toEqual([0x25, 0x64, 0x0a, 0]);
    expect(m.globals[1]!.init.length).toBe(8);
    expect(m.types[4]).toMatchObject({
      kind: "struct",
      size: 24,
      fields: [{ name: "pid" }, { name: "ts" }, { name: "tags" }],
    });
  });

  it("preserves gaps in value and block numbering", () => {
    const text = `func @f(i64) -> i64 {
b0(v0:i64):
  br b5(v0)
b5(v7:i64):
  ret v7
}`;
    const f = parseFunc(text);
    expect(f.values.length).toBe(8);
    expect(f.blocks.length).toBe(6);
    expect(printFunc(f)).toBe(text);
  });

  it("round-trips a function built with the builder", () => {
    const span: Span = { file: "b.ts", line: 1, col: 1 };
    const b = newFunc({
      name: "f",
      section: null,
      params: ["i64"],
      returns: "i64",
      span,
      paramNames: ["x"],
    });
    const x = b.paramsOf(b.entry)[0]!;
    const one = b.value({ op: "const", type: "i64", value: 1n }, "i64", { ...span, line: 2 });
    const join = b.addBlock([]);
    b.append({ op: "br", target: { block: join, args: [] } }, null, span);
    // Late parameter, as SSA construction adds them.
    const p = b.addBlockParam(join, "i64", "y");
    b.appendBranchArg(b.entry, join, x);
    b.switchTo(join);
    const sum = b.value({ op: "binary", binop: "add", lhs: p, rhs: one }, "i64", span);
    b.append({ op: "ret", value: sum }, null, span);
    const f = b.finish();
    const text = printFunc(f);
    expect(text).toContain("br b1(v0)");
    expect(text).toContain("b1(v2.y:i64):");
    expect(printFunc(parseFunc(text, "b.ts"))).toBe(text);
  });

  it("applies value replacement and block parameter removal at finish", () => {
    const span: Span = { file: "r.ts", line: 1, col: 1 };
    const b = newFunc({ name: "g", section: null, params: ["i64"], returns: "i64", span });
    const x = b.paramsOf(b.entry)[0]!;
    const join = b.addBlock(["i64"]);
    b.append({ op: "br", target: { block: join, args: [x] } }, null, span);
    b.switchTo(join);
    const p = b.paramsOf(join)[0]!;
    b.append({ op: "ret", value: p }, null, span);
    b.replaceValue(p, x);
    b.removeBlockParam(join, 0, [b.entry]);
    expect(printFunc(b.finish())).toBe(`func @g(i64) -> i64 !"r.ts":1:1 {
b0(v0:i64):
  br b1
b1:
  ret v0
}`);
  });
});

describe("IR parse errors", () => {
  const cases: [string, string, RegExp][] = [
    ["unknown opcode", "func @f() -> void {\nb0:\n  frob v1\n}", /3:3: unknown opcode 'frob'/],
    ["undefined value", "func @f() -> i64 {\nb0:\n  ret v4\n}", /undefined value v4/],
    ["undefined block", "func @f() -> void {\nb0:\n  br b9\n}", /undefined block b9/],
    ["bad type", "func @f(i7) -> void {\nb0:\n  unreachable\n}", /1:9: unknown type 'i7'/],
    [
      "double definition",
      "func @f() -> void {\nb0:\n  v0:i64 = const 1\n  v0:i64 = const 2\n  unreachable\n}",
      /defined twice/,
    ],
    ["unterminated", "func @f() -> void {\nb0:\n  unreachable\n", /without closing/],
    [
      "bad load size",
      "func @f(ptr) -> void {\nb0(v0:ptr):\n  v1:i64 = load.3 v0, 0\n  unreachable\n}",
      /size must be one of 1, 2, 4, 8/,
    ],
    [
      "unknown slot",
      "func @f() -> void {\nb0:\n  v0:ptr = stackslot s0\n  unreachable\n}",
      /undefined slot s0/,
    ],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      expect(() => parseModule(text)).toThrow(IrParseError);
      expect(() => parseModule(text)).toThrow(re);
    });
  }
});
