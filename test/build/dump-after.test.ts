/**
 * `tsbpf build --dump-after <stage>` prints the program after any named IR pass, and after the two
 * back-end stages: instruction selection (virtual registers) and register allocation (real ones).
 */
import { describe, expect, it } from "vitest";
import { tsbpf } from "./support.ts";

const example = "examples/xdp-counter.ts";

describe("tsbpf build --dump-after", () => {
  it("dumps the IR after a named pass", () => {
    const r = tsbpf(["build", example, "--emit", "asm", "--dump-after", "simplify-cfg"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/; after simplify-cfg/);
    expect(r.stdout + r.stderr).toMatch(/func @countProtocols\(ptr\)/);
  });

  it("dumps machine code on virtual registers after isel", () => {
    const r = tsbpf(["build", example, "--emit", "asm", "--dump-after", "isel"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/^countProtocols:$/m);
    expect(r.stdout + r.stderr).toMatch(/%v\d+ = r1/);
  });

  it("dumps machine code on real registers after regalloc", () => {
    const r = tsbpf(["build", example, "--emit", "asm", "--dump-after", "regalloc"]);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout + r.stderr;
    const dump = text.slice(0, text.indexOf("\n\n") > 0 ? text.indexOf("\n\n") : text.length);
    expect(dump).toMatch(/r\d = \*\(u32 \*\)\(r1 \+ 0\)/);
    expect(dump).not.toMatch(/%v\d+/);
  });
});
