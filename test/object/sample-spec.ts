/**
 * A hand-assembled `BpfObjectSpec` used by the object tests: an XDP program with a hash-map lookup,
 * global data in .bss/.data/.rodata and a call to a `.text` subprogram, a socket filter, a ring buffer.
 */
import { BtfBuilder } from "../../core/btf/index.ts";
import { insnSpec, makeInsn, type Insn } from "../../core/isa/index.ts";
import type { BpfObjectSpec } from "../../core/object/index.ts";

const i = (
  name: string,
  f: { dst?: number; src?: number; off?: number; imm?: number } = {},
): Insn => makeInsn(insnSpec(name), f);

/** Builds the sample spec; `suffix` makes map names unique (kernel tests run in parallel). */
export function sampleSpec(suffix = ""): BpfObjectSpec {
  const b = new BtfBuilder();
  const u32 = b.typedef("__u32", b.int("unsigned int", 4));
  const u64 = b.typedef("__u64", b.int("unsigned long long", 8));
  const int = b.int("int", 4, { signed: true });
  const sockFunc = b.func("tsbpf_sock", b.funcProto(int, [{ name: "skb", type: b.ptr(0) }]));
  const xdp: Insn[] = [
    i("stw", { dst: 10, off: -4, imm: 0 }),
    i("mov64_reg", { dst: 2, src: 10 }),
    i("add64_imm", { dst: 2, imm: -4 }),
    i("lddw", { dst: 1 }), // 3: map counts
    i("call_helper", { imm: 1 }), // bpf_map_lookup_elem
    i("jeq64_imm", { dst: 0, imm: 0, off: 3 }),
    i("ldxdw", { dst: 1, src: 0 }),
    i("add64_imm", { dst: 1, imm: 1 }),
    i("stxdw", { dst: 0, src: 1 }),
    i("lddw", { dst: 1 }), // 9: &hits (.bss)
    i("ldxw", { dst: 1, src: 1 }),
    i("call_local", { imm: -1 }), // 11: add_one
    i("lddw", { dst: 1 }), // 12: &limit2 (.rodata + 4)
    i("ldxw", { dst: 1, src: 1 }),
    i("mov64_imm", { dst: 0, imm: 2 }),
    i("exit"),
  ];
  return {
    programs: [
      {
        name: "tsbpf_xdp",
        section: "xdp",
        insns: xdp,
        relocs: [
          { kind: "map", insnIndex: 3, mapIndex: 0 },
          { kind: "global", insnIndex: 9, mapIndex: 2, offset: 0 },
          { kind: "call", insnIndex: 11, targetSection: ".text", targetOffset: 0 },
          { kind: "global", insnIndex: 12, mapIndex: 4, offset: 4 },
        ],
        lineInfo: [
          { insnIndex: 0, fileName: "sample.ts", line: "const key = 0;", lineNum: 3, column: 5 },
          {
            insnIndex: 3,
            fileName: "sample.ts",
            line: "counts.lookup(key)",
            lineNum: 4,
            column: 3,
          },
        ],
      },
      {
        name: "tsbpf_sock",
        section: "socket",
        insns: [
          i("lddw", { dst: 1 }),
          i("ldxdw", { dst: 0, src: 1 }),
          i("mov64_imm", { dst: 0, imm: 0 }),
          i("exit"),
        ],
        relocs: [{ kind: "global", insnIndex: 0, mapIndex: 3, offset: 0 }],
        funcTypeId: sockFunc,
      },
    ],
    subprograms: [
      {
        name: "add_one",
        section: ".text",
        insns: [i("mov64_reg", { dst: 0, src: 1 }), i("add64_imm", { dst: 0, imm: 1 }), i("exit")],
        relocs: [],
      },
    ],
    maps: [
      {
        name: `counts${suffix}`,
        type: 1,
        maxEntries: 64,
        keySize: 4,
        valueSize: 8,
        keyTypeId: u32,
        valueTypeId: u64,
      },
      { name: `events${suffix}`, type: 27, maxEntries: 4096, keySize: 0, valueSize: 0 },
    ],
    data: [
      {
        name: ".bss",
        data: new Uint8Array(8),
        vars: [{ name: "hits", offset: 0, size: 4, typeId: u32 }],
      },
      {
        name: ".data",
        data: new Uint8Array([42, 0, 0, 0, 0, 0, 0, 0]),
        vars: [{ name: "total", offset: 0, size: 8, typeId: u64 }],
      },
      {
        name: ".rodata",
        data: new Uint8Array([7, 0, 0, 0, 9, 0, 0, 0]),
        vars: [
          { name: "limit", offset: 0, size: 4, typeId: b.const(u32) },
          { name: "limit2", offset: 4, size: 4 },
        ],
      },
    ],
    license: "GPL",
    btf: b.build(),
  };
}
