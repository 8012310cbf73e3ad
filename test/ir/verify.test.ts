/**
 * The verifier: each broken invariant of compiler/ir/types.ts is reported (one case per rule), and
 * `assertValid` throws an internal compiler error carrying the IR dump.
 */
import { describe, expect, it } from "vitest";
import {
  assertValid,
  InternalCompilerError,
  parseModule,
  verifyModule,
} from "../../compiler/ir/index.ts";

function problems(body: string, sig = "(i64) -> i64", extra = ""): string[] {
  const m = parseModule(`module "v.ts"\nlicense "GPL"\n${extra}\nfunc @f${sig} {\n${body}\n}\n`);
  return verifyModule(m).map((p) => p.message);
}

describe("IR verifier", () => {
  it("accepts a valid loop with block parameters", () => {
    expect(
      problems(`b0(v0:i64):
  v1:i64 = const 0
  br b1(v1)
b1(v2:i64):
  v3:i64 = const 1
  v4:i64 = add v2, v3
  v5:i1 = icmp ult v4, v0
  condbr v5, b1(v4), b2
b2:
  ret v4`),
    ).toEqual([]);
  });

  const cases: [string, string, RegExp, string?, string?][] = [
    ["missing terminator", "b0(v0:i64):\n  v1:i64 = const 1", /does not end with a terminator/],
    ["terminator in the middle", "b0(v0:i64):\n  ret v0\n  ret v0", /terminator in the middle/],
    ["entry params differ", "b0(v0:i32):\n  v1:i64 = const 1\n  ret v1", /entry block parameters/],
    [
      "binary type mismatch",
      "b0(v0:i64):\n  v1:i32 = const 1\n  v2:i64 = add v0, v1\n  ret v2",
      /operands must both be i32 or both i64/,
    ],
    [
      "binary on i8",
      "b0(v0:i64):\n  v1:i8 = const 1\n  v2:i8 = add v1, v1\n  ret v0",
      /operands must both be i32 or both i64/,
    ],
    ["icmp result", "b0(v0:i64):\n  v1:i64 = icmp eq v0, v0\n  ret v0", /icmp result must be i1/],
    [
      "condbr on i64",
      "b0(v0:i64):\n  condbr v0, b1, b1\nb1:\n  ret v0",
      /condbr condition must be i1/,
    ],
    [
      "branch arity",
      "b0(v0:i64):\n  br b1\nb1(v1:i64):\n  ret v1",
      /b1 takes 1 arguments, branch passes 0/,
    ],
    [
      "branch arg type",
      "b0(v0:i64):\n  v1:i32 = trunc v0\n  br b1(v1)\nb1(v2:i64):\n  ret v2",
      /argument 0 to b1 is i32, parameter is i64/,
    ],
    ["return type", "b0(v0:i64):\n  v1:i32 = trunc v0\n  ret v1", /return value must be i64/],
    ["zext narrows", "b0(v0:i64):\n  v1:i32 = zext v0\n  ret v0", /does not widen/],
    ["constant range", "b0(v0:i64):\n  v1:i32 = const 4294967296\n  ret v0", /does not fit i32/],
    [
      "null-only ptr constants",
      "b0(v0:i64):\n  v1:ptr = const 8\n  ret v0",
      /ptr constants must be 0/,
    ],
    [
      "use before def in block",
      "b0(v0:i64):\n  v2:i64 = add v1, v0\n  v1:i64 = const 1\n  ret v2",
      /not dominated/,
    ],
    [
      "use not dominated",
      "b0(v0:i64):\n  v9:i1 = icmp eq v0, v0\n  condbr v9, b1, b2\nb1:\n  v1:i64 = const 1\n  br b2\nb2:\n  ret v1",
      /use of v1 is not dominated/,
    ],
    [
      "load of non-pointer",
      "b0(v0:i64):\n  v1:i64 = load.8 v0, 0\n  ret v1",
      /load base must be ptr/,
    ],
    [
      "load offset range",
      "b0(v0:i64):\n  v1:ptr = inttoptr v0\n  v2:i64 = load.8 v1, 40000\n  ret v2",
      /does not fit 16 bits/,
    ],
    [
      "atomic width",
      "b0(v0:i64):\n  v1:ptr = inttoptr v0\n  atomic.add.4 v1, 0, v0\n  ret v0",
      /needs an i32 value/,
    ],
    ["unknown map", "b0(v0:i64):\n  v1:ptr = mapref @nope\n  ret v0", /unknown map 'nope'/],
    [
      "unknown callee",
      "b0(v0:i64):\n  v1:i64 = call @nope(v0)\n  ret v1",
      /unknown function 'nope'/,
    ],
    [
      "too many helper args",
      "b0(v0:i64):\n  v1:i64 = callhelper x#1(v0, v0, v0, v0, v0, v0)\n  ret v1",
      /at most 5 arguments/,
    ],
    [
      "stack limit",
      "  slot s0 size 300 align 8\n  slot s1 size 300 align 8\nb0(v0:i64):\n  ret v0",
      /over the 512-byte limit/,
    ],
  ];
  for (const [name, body, re, sig, extra] of cases) {
    it(`reports: ${name}`, () => {
      const ps = problems(body, sig, extra);
      expect(
        ps.some((p) => re.test(p)),
        ps.join("\n"),
      ).toBe(true);
    });
  }

  it("reports duplicate symbols and bad global init", () => {
    const m = parseModule(
      `module "d.ts"\nlicense "GPL"\nmap @x array key 4 value 4 max 1 flags 0 ktype - vtype -\nglobal @x .bss size 4 align 4 type -\n`,
    );
    expect(verifyModule(m).map((p) => p.message)).toContain("duplicate symbol 'x'");
  });

  it("assertValid throws an internal compiler error with the IR dump", () => {
    const m = parseModule(
      `module "a.ts"\nlicense "GPL"\nfunc @f() -> i64 {\nb0:\n  v0:i32 = const 1\n  ret v0\n}\n`,
    );
    let err: unknown;
    try {
      assertValid(m, "test");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InternalCompilerError);
    const ice = err as InternalCompilerError;
    expect(ice.message).toContain("invalid IR after test");
    expect(ice.problems[0]).toMatch(/@f b0: return value must be i64 \[ret v0\]/);
    expect(ice.irDump).toContain("v0:i32 = const 1");
  });
});
