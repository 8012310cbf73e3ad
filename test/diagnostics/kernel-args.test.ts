/**
 * Diagnostics of typed kernel arguments, against the fixture BTF (test/frontend/btf-fixture.ts):
 * unknown function or tracepoint (with the bpftool command that lists valid ones), unreadable or
 * malformed BTF, arity, declared width/signedness, a missing return value, a struct by value, and
 * program kinds without kernel arguments. Exact codes and positions.
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { fixtureBtf } from "../frontend/btf-fixture.ts";

const HEAD = `import { fentry, fexit, kretprobe, tpBtf, uprobe, u32, u64 } from "tsbpf";\nexport const license = "GPL";\n`;

function errors(program: string, btf: string | Uint8Array = fixtureBtf()) {
  const r = compileToIr(HEAD + program + "\n", "k.ts", { btf });
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => ({ code: d.code, at: `${d.line}:${d.col}`, message: d.message }));
}

describe("typed kernel argument diagnostics", () => {
  it("unknown kernel function names the bpftool listing", () => {
    const e = errors(`export const p = fentry("vfs_reed", (ctx, file) => 0);`);
    expect(e.map((x) => [x.code, x.at])).toEqual([["TSB3013", "3:25"]]);
    expect(e[0]!.message).toContain("kernel function 'vfs_reed' is not in the kernel BTF");
    expect(e[0]!.message).toContain(`bpftool btf dump file <btf file> | grep "FUNC '"`);
  });

  it("unknown tracepoint names the btf_trace_ listing", () => {
    const e = errors(`export const p = tpBtf("nope", (ctx, x) => 0);`);
    expect(e.map((x) => [x.code, x.at])).toEqual([["TSB3013", "3:24"]]);
    expect(e[0]!.message).toContain('grep "btf_trace_"');
  });

  it("unreadable and malformed BTF", () => {
    const missing = errors(`export const p = fentry("vfs_read", (ctx, file) => 0);`, "/no/btf");
    expect(missing.map((x) => [x.code, x.at])).toEqual([["TSB3014", "3:43"]]);
    expect(missing[0]!.message).toMatch(
      /\/no\/btf cannot be read \(no such file\); compile with --btf <file>/,
    );
    const junk = errors(
      `export const p = fentry("vfs_read", (ctx, file) => 0);`,
      new Uint8Array(40),
    );
    expect(junk.map((x) => x.code)).toEqual(["TSB3014"]);
    expect(junk[0]!.message).toMatch(/not BTF/);
  });

  it("BTF is not read when no program declares arguments", () => {
    expect(errors(`export const p = fentry("vfs_read", (ctx) => ctx.arg(2));`, "/no/btf")).toEqual(
      [],
    );
  });

  it("too many parameters, and a declared type that differs from the prototype", () => {
    const e = errors(`export const p = fentry("vfs_read", (ctx, a, b, c: u32, d, extra) => 0);`);
    expect(e.map((x) => [x.code, x.at])).toEqual([
      ["TSB3015", "3:49"],
      ["TSB3015", "3:60"],
    ]);
    expect(e[0]!.message).toBe(
      "parameter 'c' does not match `ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)`: declared u32, but the kernel passes 'count' as size_t (u64); declare it as u64",
    );
    expect(e[1]!.message).toMatch(/: vfs_read takes 4 arguments$/);
  });

  it("a tuple type argument is checked too", () => {
    const e = errors(
      `export const p = fentry<[file: u64, buf: u32]>("vfs_read", (ctx, f, b) => 0);`,
    );
    expect(e.map((x) => [x.code, x.at])).toEqual([["TSB3015", "3:69"]]);
  });

  it("no return value to bind for void functions", () => {
    const e = errors(
      `export const p = fexit("demo_free", (ctx, o, ret) => 0);\nexport const q = kretprobe("demo_free", (ctx, ret) => 0);`,
    );
    expect(e.map((x) => [x.code, x.at])).toEqual([
      ["TSB3015", "3:46"],
      ["TSB3015", "4:47"],
    ]);
    expect(e[0]!.message).toMatch(/returns void, so there is no return value to bind/);
  });

  it("a struct passed by value cannot be bound unless skipped with _", () => {
    const e = errors(`export const p = fentry("demo_pair", (ctx, p, after) => after);`);
    expect(e.map((x) => [x.code, x.at])).toEqual([["TSB3015", "3:44"]]);
    expect(e[0]!.message).toMatch(/16-byte struct or union passed by value/);
    expect(errors(`export const p = fentry("demo_pair", (ctx, _p, after) => after);`)).toEqual([]);
  });

  it("program kinds without kernel arguments take only ctx (TypeScript itself says so)", () => {
    const e = errors(`export const p = uprobe("/bin/sh:main", (ctx, x) => 0);`);
    expect(e[0]).toMatchObject({ code: "TS2345", at: "3:41" });
  });
});
