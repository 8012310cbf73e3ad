/**
 * The stdlib's declarations against the compiler's tables: every `export declare const` of
 * stdlib/*.d.ts has the same value in builtins.ts `CONSTANTS` (and no constant is undeclared), the
 * network header structs have the kernel's sizes and field offsets (linux/if_ether.h, ip.h, ipv6.h,
 * tcp.h, udp.h, icmp.h, if_vlan.h), and misuse of `log2` is a diagnostic at the argument.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { CONSTANTS } from "../../compiler/frontend/builtins.ts";

const STDLIB = join(import.meta.dirname, "..", "..", "stdlib");

describe("stdlib constants", () => {
  it("every declared constant has its value in CONSTANTS, and every CONSTANTS entry is declared", () => {
    const declared = new Map<string, bigint>();
    for (const f of readdirSync(STDLIB).filter((n) => n.endsWith(".d.ts"))) {
      const text = readFileSync(join(STDLIB, f), "utf8");
      for (const m of text.matchAll(/export declare const (\w+): (0x[0-9a-f]+|\d+);/gi))
        declared.set(m[1]!, BigInt(m[2]!));
    }
    expect(declared.size).toBeGreaterThanOrEqual(40);
    expect(Object.fromEntries(CONSTANTS)).toEqual(Object.fromEntries(declared));
  });
});

/** Sizes and `name@offset` of a struct as the compiler lays it out (through its BTF-bound type). */
function layout(struct: string): { size: number; fields: string[] } {
  const src =
    `import { ArrayMap, ${struct}, xdp } from "tsbpf";\n` +
    `const m = new ArrayMap<${struct}>({ maxEntries: 1 });\n` +
    "export const p = xdp(() => 2);\n" +
    'export const license = "GPL";\n';
  const r = compileToIr(src, "t.ts");
  expect(r.diagnostics).toEqual([]);
  const st = r.module!.types.find((t) => t.kind === "struct" && t.name === struct);
  if (!st || st.kind !== "struct") throw new Error(`no struct ${struct} in the module`);
  return { size: st.size, fields: st.fields.map((f) => `${f.name}@${f.offset}`) };
}

describe("network headers have the kernel's layouts", () => {
  const cases: [string, number, string[]][] = [
    ["EthHdr", 14, ["h_dest@0", "h_source@6", "h_proto@12"]],
    ["VlanHdr", 4, ["h_vlan_TCI@0", "h_vlan_encapsulated_proto@2"]],
    [
      "Ipv4Hdr",
      20,
      [
        "version_ihl@0",
        "tos@1",
        "tot_len@2",
        "id@4",
        "frag_off@6",
        "ttl@8",
        "protocol@9",
        "check@10",
        "saddr@12",
        "daddr@16",
      ],
    ],
    [
      "Ipv6Hdr",
      40,
      [
        "version_priority@0",
        "flow_lbl@1",
        "payload_len@4",
        "nexthdr@6",
        "hop_limit@7",
        "saddr@8",
        "daddr@24",
      ],
    ],
    [
      "TcpHdr",
      20,
      [
        "source@0",
        "dest@2",
        "seq@4",
        "ack_seq@8",
        "doff_res1@12",
        "flags@13",
        "window@14",
        "check@16",
        "urg_ptr@18",
      ],
    ],
    ["UdpHdr", 8, ["source@0", "dest@2", "len@4", "check@6"]],
    ["IcmpHdr", 8, ["type@0", "code@1", "checksum@2", "echo_id@4", "echo_sequence@6"]],
  ];
  for (const [name, size, fields] of cases) {
    it(name, () => expect(layout(name)).toEqual({ size, fields }));
  }
});

describe("log2 diagnostics", () => {
  const HEAD =
    'import { i32, log2, rawTracepoint, u32 } from "tsbpf";\nexport const license = "GPL";\n';
  const errorsOf = (body: string): string[] =>
    compileToIr(HEAD + body, "t.ts")
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`);

  it("a cap that is not a constant", () => {
    const e = errorsOf(
      'export const p = rawTracepoint("x", (ctx) => {\n  const c = u32(ctx.arg(1));\n  return log2(ctx.arg(0), c);\n});\n',
    );
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(
      /^TSB3010 5:27 the cap of log2 .* must be a compile-time integer constant/,
    );
  });

  it("a cap beyond 63", () => {
    const e = errorsOf('export const p = rawTracepoint("x", (ctx) => log2(ctx.arg(0), 64));\n');
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^TSB2003 3:63 constant 64 does not fit in a log2 cap \(0\.\.63\)/);
  });

  it("a signed argument is not silently reinterpreted", () => {
    const e = errorsOf(
      'export const p = rawTracepoint("x", (ctx) => {\n  const s: i32 = i32(ctx.arg(0));\n  return log2(s);\n});\n',
    );
    expect(e.length).toBeGreaterThan(0);
    expect(e[0]).toMatch(/^TSB200[12] 5:15 /);
  });
});
