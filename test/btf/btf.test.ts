/**
 * BTF codec tests: builder → encode → decode identity for every kind, the real kernel BTF (decode,
 * look up known structs, re-encode, and diff our raw dump against bpftool's), and malformed blobs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BtfBuilder,
  BtfError,
  btfExtStrings,
  decodeBtfExt,
  encodeBtfExt,
  btfSizeof,
  decodeBtf,
  dumpBtf,
  encodeBtf,
  findType,
  formatBtfType,
  resolveType,
  typeToC,
  type Btf,
  type BtfComposite,
} from "../../core/btf/index.ts";
import { findSection, readElf } from "../../core/elf/index.ts";
import { compileFixture, fixturePath } from "../object/fixtures/compile.ts";
import { capability, findClang, hasCommand } from "../support/env.ts";

/** A BTF with one type of every kind. */
export function everyKind(): Btf {
  const b = new BtfBuilder();
  const int = b.int("int", 4, { signed: true });
  const u8 = b.int("unsigned char", 1, { char: true });
  const bool = b.int("_Bool", 1, { bool: true });
  const cint = b.const(int);
  const vint = b.volatile(int);
  const rptr = b.add({ kind: "restrict", name: "", type: b.ptr(u8) });
  const arr = b.array(u8, 16);
  const node = b.reserve();
  b.define(
    node,
    b.composite("struct", "node", 16, [
      { name: "next", type: b.ptr(node), bitOffset: 0 },
      { name: "flag", type: bool, bitOffset: 64, bitfieldSize: 1 },
      { name: "x", type: cint, bitOffset: 96 },
    ]),
  );
  const un = b.union("u", 8, [
    { name: "a", type: int, bitOffset: 0 },
    { name: "b", type: b.int("long", 8, { signed: true }), bitOffset: 0 },
  ]);
  const en = b.enum(
    "e",
    [
      { name: "A", value: -1 },
      { name: "B", value: 7 },
    ],
    true,
  );
  const en64 = b.add({
    kind: "enum64",
    name: "e64",
    size: 8,
    signed: false,
    values: [{ name: "BIG", value: 0x1_0000_0001n }],
  });
  const fwd = b.fwd("later", true);
  const td = b.typedef("u32", b.int("unsigned int", 4));
  const proto = b.funcProto(int, [
    { name: "ctx", type: b.ptr(node) },
    { name: "", type: 0 },
  ]);
  const fn = b.func("prog", proto);
  const v1 = b.var("counter", td);
  const v2 = b.var("buf", arr, 0);
  const ds = b.datasec(".bss", 20, [
    { type: v1, offset: 0, size: 4 },
    { type: v2, offset: 4, size: 16 },
  ]);
  b.float("double", 8);
  b.add({ kind: "decl_tag", name: "tag", type: fn, componentIdx: -1 });
  b.add({ kind: "type_tag", name: "user", type: int });
  b.add({ kind: "ptr", name: "", type: vint });
  void [rptr, un, en, en64, fwd, ds];
  return b.build();
}

describe("BTF encode/decode", () => {
  it("round-trips every kind exactly", () => {
    const btf = everyKind();
    const bytes = encodeBtf(btf);
    expect(decodeBtf(bytes)).toEqual(btf);
    // And re-encoding the decoded model is byte-identical (deterministic encoder).
    expect(encodeBtf(decodeBtf(bytes))).toEqual(bytes);
  });

  it("deduplicates strings and simple types", () => {
    const b = new BtfBuilder();
    const a = b.int("int", 4, { signed: true });
    expect(b.int("int", 4, { signed: true })).toBe(a);
    expect(b.ptr(a)).toBe(b.ptr(a));
    b.var("int", a);
    const bytes = encodeBtf(b.build());
    const strLen = new DataView(bytes.buffer).getUint32(20, true);
    expect(strLen).toBe(1 + 4); // "" and "int" once
  });

  it("answers size, resolve and C-format questions", () => {
    const btf = everyKind();
    const node = findType(btf, "struct", "node")!;
    expect(btfSizeof(btf, node)).toBe(16);
    const buf = findType(btf, "var", "buf")!;
    expect(btfSizeof(btf, buf)).toBe(16);
    const cint = btf.types.findIndex((t) => t.kind === "const");
    expect(btf.types[resolveType(btf, cint)]).toMatchObject({ kind: "int", name: "int" });
    expect(formatBtfType(btf, node)).toBe(
      "struct node { /* size 16 */\n\tstruct node *next; /* bit 0 */\n\t_Bool flag : 1; /* bit 64 */\n\tconst int x; /* bit 96 */\n};",
    );
    expect(formatBtfType(btf, findType(btf, "func", "prog")!)).toBe(
      "int prog(struct node *ctx, ...);",
    );
    expect(typeToC(btf, findType(btf, "var", "buf")!)).toBe("unsigned char buf[16]");
  });

  it("rejects a cyclic typedef chain instead of hanging", () => {
    const btf: Btf = { types: [{ kind: "void" }, { kind: "typedef", name: "loop", type: 1 }] };
    expect(() => btfSizeof(btf, 1)).toThrow(/longer than 32/);
    expect(typeToC(btf, 1)).toBe("loop");
  });
});

describe("malformed BTF", () => {
  const good = encodeBtf(everyKind());
  const patched = (at: number, value: number, width: 1 | 2 | 4 = 4) => {
    const b = good.slice();
    const v = new DataView(b.buffer);
    if (width === 1) v.setUint8(at, value);
    else if (width === 2) v.setUint16(at, value, true);
    else v.setUint32(at, value, true);
    return b;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /truncated/],
    ["short header", good.subarray(0, 20), /truncated/],
    ["bad magic", patched(0, 0x1234, 2), /bad magic/],
    ["big-endian", patched(0, 0x9feb, 2), /big-endian/],
    ["bad version", patched(2, 2, 1), /version 2/],
    ["header length", patched(4, 10), /header length/],
    ["type section past end", patched(12, 0xfffff0), /extends past the end/],
    ["string section past end", patched(20, 0xfffff0), /extends past the end/],
    ["misaligned types", patched(12, 13), /multiple of 4/],
    ["unknown kind", patched(24 + 4, 25 << 24), /unknown kind 25/],
    ["name offset out of range", patched(24, 0x7fffff), /outside the string section/],
    ["dangling ref", patched(24 + 12 + 4 + 12 + 4 + 12 + 4 + 8, 9999), /refers to type 9999/],
  ];
  for (const [name, bytes, re] of cases) {
    it(`reports ${name}`, () => {
      expect(() => decodeBtf(bytes)).toThrow(BtfError);
      expect(() => decodeBtf(bytes)).toThrow(re);
    });
  }
  it("reports a vlen that overruns the type section", () => {
    const b = new BtfBuilder();
    b.struct("s", 4, [{ name: "a", type: b.int("int", 4), bitOffset: 0 }]);
    const bytes = encodeBtf(b.build());
    const v = new DataView(bytes.buffer);
    v.setUint32(24 + 16 + 4, (4 << 24) | 200, true); // struct info: vlen 200
    expect(() => decodeBtf(bytes)).toThrow(/type 2 \(struct\) is truncated/);
  });
  it("truncation at every offset gives BtfError or a valid prefix, never another error", () => {
    for (let n = 0; n < good.length; n++) {
      try {
        decodeBtf(good.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
      }
    }
  });
});

const VMLINUX = "/sys/kernel/btf/vmlinux";
describe("kernel BTF", () => {
  it("decodes /sys/kernel/btf/vmlinux and finds known structs", (ctx) => {
    if (!capability("kernel BTF", existsSync(VMLINUX), "decode vmlinux BTF")) return ctx.skip();
    const bytes = new Uint8Array(readFileSync(VMLINUX));
    const btf = decodeBtf(bytes);
    expect(btf.types.length).toBeGreaterThan(10000);
    const xdp = btf.types[findType(btf, "struct", "xdp_md")!] as BtfComposite;
    expect(xdp.members.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        "data",
        "data_end",
        "data_meta",
        "ingress_ifindex",
        "rx_queue_index",
      ]),
    );
    expect(xdp.members.find((m) => m.name === "data_end")!.bitOffset).toBe(32);
    expect(btfSizeof(btf, findType(btf, "struct", "xdp_md")!)).toBe(xdp.size);
    const task = btf.types[findType(btf, "struct", "task_struct")!] as BtfComposite;
    const pid = task.members.find((m) => m.name === "pid")!;
    expect(typeToC(btf, pid.type)).toBe("pid_t");
    expect(btfSizeof(btf, pid.type)).toBe(4);
    // Re-encoding gives a blob that decodes to the same model.
    expect(decodeBtf(encodeBtf(btf))).toEqual(btf);
  });

  it("prints exactly what bpftool prints", (ctx) => {
    if (!capability("kernel BTF", existsSync(VMLINUX), "dump vmlinux BTF")) return ctx.skip();
    if (!capability("bpftool", hasCommand("bpftool", ["version"]), "compare with bpftool"))
      return ctx.skip();
    const btf = decodeBtf(new Uint8Array(readFileSync(VMLINUX)));
    const theirs = execFileSync("bpftool", ["btf", "dump", "file", VMLINUX], {
      maxBuffer: 1 << 30,
    }).toString();
    const ours = dumpBtf(btf);
    const a = theirs.split("\n");
    const b = ours.split("\n");
    const firstDiff = a.findIndex((line, i) => line !== b[i]);
    expect(firstDiff === -1 ? "" : `${a[firstDiff]}  vs  ${b[firstDiff]}`).toBe("");
  });
});

describe("clang-built BTF and BTF.ext", () => {
  it("decodes a clang object's .BTF exactly as bpftool prints it, and round-trips .BTF.ext", (ctx) => {
    if (!capability("clang", findClang() !== undefined, "compile BPF fixture")) return ctx.skip();
    if (!capability("bpftool", hasCommand("bpftool", ["version"]), "compare with bpftool"))
      return ctx.skip();
    const bytes = compileFixture("maps")!;
    const elf = readElf(bytes);
    const btfBytes = findSection(elf, ".BTF")!.data;
    const extBytes = findSection(elf, ".BTF.ext")!.data;
    const btf = decodeBtf(btfBytes);
    const theirs = execFileSync("bpftool", [
      "btf",
      "dump",
      "file",
      fixturePath("maps")!,
    ]).toString();
    expect(dumpBtf(btf)).toBe(theirs);
    const ext = decodeBtfExt(extBytes, btfBytes);
    expect(ext.funcInfo.map((s) => s.section)).toEqual([
      "xdp",
      ".text",
      "tracepoint/syscalls/sys_enter_openat",
    ]);
    expect(
      ext.lineInfo.every((s) => s.records[0]!.insnOff === 0 && s.records[0]!.lineNum > 0),
    ).toBe(true);
    // Re-encoding against clang's own string table reproduces clang's bytes.
    expect(encodeBtfExt(ext, btfBytes)).toEqual(extBytes);
    // And against our own encoding of the BTF, decode(encode(x)) is x.
    const ours = encodeBtf(btf, btfExtStrings(ext));
    expect(decodeBtfExt(encodeBtfExt(ext, ours), ours)).toEqual(ext);
  });

  it("reports malformed BTF.ext", () => {
    const b = new BtfBuilder();
    b.int("int", 4);
    const ext = {
      funcInfo: [{ section: "xdp", records: [{ insnOff: 0, typeId: 1 }] }],
      lineInfo: [],
      coreRelo: [],
    };
    const btfBytes = encodeBtf(b.build(), btfExtStrings(ext));
    const good = encodeBtfExt(ext, btfBytes);
    expect(decodeBtfExt(good, btfBytes)).toEqual(ext);
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(32 + 8, 1000, true); // num_info
    expect(() => decodeBtfExt(bad, btfBytes)).toThrow(/1000 records overrun/);
    expect(() => decodeBtfExt(good.subarray(0, 20), btfBytes)).toThrow(BtfError);
    expect(() =>
      encodeBtfExt(
        { ...ext, funcInfo: [{ section: "nope", records: ext.funcInfo[0]!.records }] },
        btfBytes,
      ),
    ).toThrow(/not in the BTF string table/);
    for (let n = 0; n < good.length; n++) {
      try {
        decodeBtfExt(good.subarray(0, n), btfBytes);
      } catch (e) {
        expect(e).toBeInstanceOf(BtfError);
      }
    }
  });
});
