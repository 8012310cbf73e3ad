/**
 * Socket filters may not read packet memory directly (the kernel's sk_filter_is_valid_access refuses
 * `__sk_buff.data`): `ctx.header<T>()` there is TSB3012 pointing at `ctx.loadBytes`, while tc keeps
 * direct packet views and socket filters keep `loadBytes`.
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";

const src = (kind: string, body: string): string =>
  `import { socketFilter, tc, u8, FixedArray, zeroed } from "tsbpf";
export const license = "GPL";
interface Ip { readonly vihl: u8; readonly tos: u8; }
export const p = ${kind}((ctx) => {
${body}
});
`;

describe("socket filter packet access", () => {
  it("reports ctx.header<T>() in a socket filter with the loadBytes alternative", () => {
    const r = compileToIr(
      src(
        "socketFilter",
        "  const ip = ctx.header<Ip>(14);\n  if (ip === null) return 0;\n  return ip.value.tos;",
      ),
      "sock.ts",
    );
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => [d.code, d.line, d.col])).toEqual([["TSB3012", 5, 14]]);
    expect(errors[0]!.message).toMatch(/refuses in socketFilter programs/);
    expect(errors[0]!.message).toMatch(/ctx\.loadBytes\(offset, dst\)/);
    expect(r.module).toBeUndefined();
  });

  it("still compiles loadBytes in a socket filter", () => {
    const r = compileToIr(
      src(
        "socketFilter",
        "  const b: FixedArray<u8, 2> = zeroed();\n  if (ctx.loadBytes(14, b) < 0) return 0;\n  return b[1];",
      ),
      "sock.ts",
    );
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.module?.functions[0]?.section).toBe("socket");
  });

  it("keeps direct packet views in tc programs", () => {
    const r = compileToIr(
      src(
        "tc",
        "  const ip = ctx.header<Ip>(14);\n  if (ip === null) return 0;\n  return ip.value.tos;",
      ),
      "tc.ts",
    );
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.module?.functions[0]?.section).toBe("tc");
  });
});
