/**
 * Map declarations the kernel would refuse, caught at compile time with one diagnostic at the map's
 * options (exact code, line:col and message), and misused element-map methods:
 * - an LpmTrie without BPF_F_NO_PREALLOC, or with a key that is not `struct bpf_lpm_trie_key`
 *   (a u32 `prefixlen` first, then 1..256 address bytes);
 * - a local storage map whose flags drop BPF_F_NO_PREALLOC, or with a maxEntries;
 * - a map whose `pinning` is not the literal "byName" or "none" (TSB3031);
 * - a Queue's `pop` with an argument, a BloomFilter's `pop` (TypeScript's own errors: the stdlib
 *   declares exactly the methods each kind has).
 */
import { describe, expect, it } from "vitest";
import { compileToIr } from "../../compiler/frontend/index.ts";

const HEAD = `import { BPF_F_NO_PREALLOC, BloomFilter, FixedArray, LpmTrie, Queue, xdp, u8, u16, u32, zeroed } from "tsbpf";\nexport const license = "GPL";\n`;
/** An XDP program with `body`, after `top` (line 3 on). */
const prog = (top: string, body = "") =>
  `${HEAD}${top}export const p = xdp((ctx) => {\n${body}\n  return 2;\n});\n`;

/** Every diagnostic as `CODE@line:col message`. */
function diagnostics(src: string): string[] {
  return compileToIr(src, "t.ts").diagnostics.map(
    (d) => `${d.code}@${d.line}:${d.col} ${d.message}`,
  );
}

describe("LpmTrie declarations", () => {
  it("needs BPF_F_NO_PREALLOC", () => {
    const s = prog(
      "interface K { prefixlen: u32; addr: FixedArray<u8, 4> }\nconst t = new LpmTrie<K, u32>({ maxEntries: 16 });\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB3002@4:31 map 't': an LpmTrie needs flags: BPF_F_NO_PREALLOC (the kernel allocates trie nodes on demand)",
    ]);
  });

  it("needs a key starting with prefixlen: u32", () => {
    const s = prog(
      "interface K { len: u16; addr: FixedArray<u8, 4> }\nconst t = new LpmTrie<K, u32>({ maxEntries: 16, flags: BPF_F_NO_PREALLOC });\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB3002@4:31 map 't': an LpmTrie key must be a struct whose first field is 'prefixlen: u32', followed by the address bytes",
    ]);
    expect(
      diagnostics(
        prog("const t = new LpmTrie<u32, u32>({ maxEntries: 16, flags: BPF_F_NO_PREALLOC });\n"),
      ),
    ).toHaveLength(1);
  });

  it("holds 1..256 address bytes", () => {
    const s = prog(
      "interface K { prefixlen: u32; addr: FixedArray<u8, 300> }\nconst t = new LpmTrie<K, u32>({ maxEntries: 16, flags: BPF_F_NO_PREALLOC });\n",
    );
    expect(diagnostics(s)).toEqual([
      "TSB3002@4:31 map 't': an LpmTrie key holds 1..256 address bytes after prefixlen, not 300",
    ]);
  });

  it("a valid declaration compiles", () => {
    const s = prog(
      "interface K { prefixlen: u32; addr: FixedArray<u8, 16> }\nconst t = new LpmTrie<K, u32>({ maxEntries: 16, flags: BPF_F_NO_PREALLOC });\n",
      "  const k: K = zeroed();\n  k.prefixlen = 128;\n  if (t.lookup(k) === null) return 1;",
    );
    expect(diagnostics(s)).toEqual([]);
  });
});

describe("element maps", () => {
  it("refuse methods they do not have", () => {
    const q = prog("const q = new Queue<u32>({ maxEntries: 4 });\n", "  q.pop(1);");
    expect(diagnostics(q).map((d) => d.split(" ")[0])).toEqual(["TS2554@5:9"]);
    const b = prog("const b = new BloomFilter<u32>({ maxEntries: 4 });\n", "  b.pop();");
    expect(diagnostics(b).map((d) => d.split(" ")[0])).toEqual(["TS2339@5:5"]);
  });

  it("a Queue of u32 pushes, pops and peeks", () => {
    const s = prog(
      "const q = new Queue<u32>({ maxEntries: 4 });\n",
      "  q.push(7);\n  const v = q.peek();\n  if (v === null) return 1;\n  const w = q.pop();\n  if (w !== null && w.value === v.value) return 3;",
    );
    expect(diagnostics(s)).toEqual([]);
  });
});

describe("local storage declarations", () => {
  const storage = (opts: string) =>
    `import { TaskStorage, tpBtf, u64 } from "tsbpf";\nexport const license = "GPL";\nconst s = new TaskStorage<u64>(${opts});\nexport const p = tpBtf("sys_enter", () => 0);\n`;

  it("take no maxEntries and keep BPF_F_NO_PREALLOC", () => {
    const problem =
      "map 's': a TaskStorage has one value per task: it takes no maxEntries and its flags must include BPF_F_NO_PREALLOC (the default)";
    // The stdlib's StorageOptions has no maxEntries: TypeScript itself refuses one.
    expect(diagnostics(storage("{ maxEntries: 16 }"))).toEqual([
      "TS2353@3:34 Object literal may only specify known properties, and 'maxEntries' does not exist in type 'StorageOptions'.",
    ]);
    expect(diagnostics(storage("{ flags: 0 }"))).toEqual([`TSB3002@3:32 ${problem}`]);
    expect(diagnostics(storage(""))).toEqual([]);
  });
});

describe("map pinning", () => {
  it('is a literal "byName" or "none" (TSB3031 at the value)', () => {
    const s = prog(
      `const m = new Queue<u32>({ maxEntries: 4, pinning: 1 > 0 ? "byName" : "none" });\n`,
    );
    expect(diagnostics(s)).toEqual([
      `TSB3031@3:52 map 'm': pinning must be the literal "byName" (pinned as /sys/fs/bpf/<name>, reused by the next load, like LIBBPF_PIN_BY_NAME) or "none", not 1 > 0 ? "byName" : "none"`,
    ]);
    const ok = prog(`const m = new Queue<u32>({ maxEntries: 4, pinning: "byName" });\n`);
    expect(diagnostics(ok)).toEqual([]);
  });
});

describe("map kinds declared but not supported yet", () => {
  const decl = (cls: string) =>
    `import { ${cls}, redirectMap, xdp } from "tsbpf";\nexport const license = "GPL";\nconst m = new ${cls}({ maxEntries: 1 });\nexport const p = xdp(() => redirectMap(m, 0, 2));\n`;

  it("are TSB3073 at the declaration naming the kind and why, and uses stay quiet", () => {
    expect(diagnostics(decl("ArenaMap"))).toEqual([
      "TSB3073@3:11 map 'm': ArenaMap (BPF_MAP_TYPE_ARENA) is declared but not supported yet: programs reach an arena through __arena pointers (address space 1, bpf_arena_alloc_pages / bpf_arena_free_pages kfuncs), which tsbpf's language has no form for",
    ]);
  });
});

describe("redirect map values", () => {
  const decl = (cls: string, value: string, extra = "") =>
    `import { ${cls}, redirectMap, xdp, type BpfDevmapVal, type BpfCpumapVal, type u32, type u64 } from "tsbpf";\nexport const license = "GPL";\n${extra}const m = new ${cls}<${value}>({ maxEntries: 1 });\nexport const p = xdp(() => redirectMap(m, 0, 2));\n`;

  it("are a u32 or the kind's uapi struct (TSB3090 at the type argument)", () => {
    expect(diagnostics(decl("DevMap", "BpfDevmapVal"))).toEqual([]);
    expect(diagnostics(decl("DevMapHash", "u32"))).toEqual([]);
    expect(diagnostics(decl("CpuMap", "BpfCpumapVal"))).toEqual([]);
    expect(diagnostics(decl("DevMap", "u64"))).toEqual([
      "TSB3090@3:22 map 'm': a DevMap's value is a u32 or BpfDevmapVal (the uapi struct naming an XDP program for its entries), not u64",
    ]);
    // A look-alike struct satisfies TypeScript's constraint but is not the uapi struct.
    const mine = "interface Mine { qsize: u32; fd: u32; id: u32 }\n";
    expect(diagnostics(decl("CpuMap", "Mine", mine))).toEqual([
      "TSB3090@4:22 map 'm': a CpuMap's value is a u32 or BpfCpumapVal (the uapi struct naming an XDP program for its entries), not Mine",
    ]);
  });
});
