/**
 * Map-of-maps declarations the kernel would refuse, caught at compile time with one diagnostic at
 * the offending node (exact code, line:col and message):
 * - an inner map class that cannot be one (TSB3070: ring buffers, local storage, ...);
 * - an `inner` template that is not an object literal of constants (TSB3072);
 * - an initial map that differs from the template in what bpf_map_meta_equal compares (TSB3071);
 * - initial values on a HashOfMaps whose key is not 4 bytes, or more of them than slots (TSB3002).
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";

const HEAD = `import { ArrayMap, ArrayOfMaps, HashMap, HashOfMaps, RingBuf, SkStorage, xdp, u32, u64 } from "tsbpf";\nexport const license = "GPL";\n`;
/** An XDP program after `top` (line 3 on). */
const prog = (top: string) => `${HEAD}${top}export const p = xdp(() => 2);\n`;

/** Every diagnostic as `CODE@line:col message`. */
function diagnostics(src: string): string[] {
  return compileToIr(src, "t.ts").diagnostics.map(
    (d) => `${d.code}@${d.line}:${d.col} ${d.message}`,
  );
}

const TAKES =
  "it takes a HashMap, ArrayMap, their per-CPU and LRU variants, an LpmTrie, a Queue, Stack or BloomFilter";
const REFUSES =
  "(the kernel refuses a map whose type, key and value sizes or flags differ from the template, and an array's capacity too)";
const outer = (values: string) =>
  `const o = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 2, inner: { maxEntries: 4 }, values: [${values}] });\n`;

describe("map-of-maps declarations", () => {
  it("refuse an inner class the kernel cannot nest, at the type argument", () => {
    expect(
      diagnostics(
        prog(
          "const o = new ArrayOfMaps<RingBuf<u64>>({ maxEntries: 2, inner: { maxEntries: 4096 } });\n",
        ),
      ),
    ).toEqual([
      `TSB3070@3:27 map 'o': RingBuf<u64> cannot be the inner map of a map of maps; ${TAKES}`,
    ]);
    expect(
      diagnostics(
        prog(
          "const o = new HashOfMaps<u32, SkStorage<u64>>({ maxEntries: 2, inner: { maxEntries: 1 } });\n",
        ),
      ),
    ).toEqual([
      `TSB3070@3:31 map 'o': SkStorage<u64> cannot be the inner map of a map of maps; ${TAKES}`,
    ]);
  });

  it("need an inner template of constants", () => {
    const s = prog(
      "const x = { maxEntries: 4 };\nconst o = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 2, inner: x });\n",
    );
    expect(diagnostics(s)).toContain(
      "TSB3072@4:66 map 'o': ArrayOfMaps needs { inner: { maxEntries: <constant> } } (the inner map template: the maxEntries and flags every map it holds shares)",
    );
  });

  it("refuse an initial map that differs from the template, at the element", () => {
    const cases: [string, string][] = [
      ["const a = new ArrayMap<u64>({ maxEntries: 8 });\n", "it holds 8 entries, the template 4"],
      [
        "const a = new ArrayMap<u32>({ maxEntries: 4 });\n",
        "its value is 4 bytes, the template's 8",
      ],
      [
        "const a = new HashMap<u32, u64>({ maxEntries: 4 });\n",
        "its kind is hash, the template's array",
      ],
      [
        "const a = new ArrayMap<u64>({ maxEntries: 4, flags: 1024 });\n",
        "its flags are 1024, the template's 0",
      ],
    ];
    for (const [decl, problem] of cases)
      expect(diagnostics(prog(decl + outer("a")))).toEqual([
        `TSB3071@4:94 map 'o': initial value 0 ('a') does not match the inner map template: ${problem} ${REFUSES}`,
      ]);
    // BPF_F_INNER_MAP lets arrays of any capacity in.
    const any =
      "const a = new ArrayMap<u64>({ maxEntries: 8 });\nconst o = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 2, inner: { maxEntries: 4, flags: 0x1000 }, values: [a] });\n";
    expect(diagnostics(prog(any))).toEqual([
      `TSB3071@4:109 map 'o': initial value 0 ('a') does not match the inner map template: its flags are 0, the template's 4096 ${REFUSES}`,
    ]);
    const same =
      "const a = new ArrayMap<u64>({ maxEntries: 8, flags: 0x1000 });\nconst o = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 2, inner: { maxEntries: 4, flags: 0x1000 }, values: [a] });\n";
    expect(diagnostics(prog(same))).toEqual([]);
  });

  it("store initial values at u32 keys, as many as fit", () => {
    const hashed =
      "const a = new HashMap<u32, u64>({ maxEntries: 4 });\nconst o = new HashOfMaps<u64, HashMap<u32, u64>>({ maxEntries: 2, inner: { maxEntries: 4 }, values: [a] });\n";
    expect(diagnostics(prog(hashed))).toEqual([
      "TSB3002@4:101 map 'o': initial values need a 4-byte key (slot i is stored at key i, as libbpf does), not 8 bytes",
    ]);
    const many =
      "const a = new ArrayMap<u64>({ maxEntries: 4 });\nconst o = new ArrayOfMaps<ArrayMap<u64>>({ maxEntries: 1, inner: { maxEntries: 4 }, values: [a, null] });\n";
    expect(diagnostics(prog(many))).toEqual([
      "TSB3002@4:93 map 'o': 2 initial values do not fit in maxEntries 1",
    ]);
  });
});
