/**
 * The loader on hand-built objects (relocations, subprogram linking, context rewriting, load errors)
 * and `tsbpf vm run` end to end through the CLI entry point.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.ts";
import { parseHex } from "../../cli/commands/vm.ts";
import { assembleText } from "../../core/conformance/index.ts";
import { BPF_MAP_TYPE } from "../../core/kernel/index.ts";
import type { BpfMapDef, BpfObject, BpfProgram } from "../../core/object/model.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { rewriteContextLoads } from "../../runtime/vm/ctx-rewrite.ts";
import { LoadError, loadBpfObject } from "../../runtime/vm/load.ts";
import { capability, hasCommand } from "../support/env.ts";

function prog(name: string, section: string, asm: string, relocs: BpfProgram["relocs"] = []) {
  return { name, section, sectionOffset: 0, insns: assembleText(asm), relocs };
}
function obj(programs: BpfProgram[], subprograms: BpfProgram[] = [], maps: BpfMapDef[] = []) {
  return { programs, subprograms, maps, license: "GPL", kernelVersion: 0 } satisfies BpfObject;
}
const arrayDef = (over: Partial<BpfMapDef>): BpfMapDef => ({
  index: 0,
  name: "a",
  type: BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY,
  keySize: 4,
  valueSize: 8,
  maxEntries: 1,
  flags: 0,
  keyTypeId: 0,
  valueTypeId: 0,
  ...over,
});

describe("loader", () => {
  it("links a .text subprogram and resolves map and global relocations", () => {
    const main = prog(
      "main",
      "kprobe/x",
      `lddw %r6, 0
       mov %r1, 20
       call local 0
       ldxdw %r1, [%r6]
       add %r0, %r1
       exit`,
      [
        { kind: "global", insnIndex: 0, mapIndex: 0, offset: 4 },
        { kind: "call", insnIndex: 2, targetSection: ".text", targetOffset: 16 },
      ],
    );
    const pad = prog("pad", ".text", "mov %r0, 1\nexit");
    const twice = {
      ...prog("twice", ".text", "mov %r0, %r1\nmul %r0, 2\nexit"),
      sectionOffset: 16,
    };
    const data = new Uint8Array(12);
    data[4] = 5;
    const o = VmObject.fromObject(
      obj(
        [main],
        [pad, twice],
        [arrayDef({ name: ".data", valueSize: 12, globalSection: ".data", initialValue: data })],
      ),
      { engine: "interpreter" },
    );
    const p = o.program("main");
    expect(p.loaded.program.insns).toHaveLength(6 + 3);
    expect(p.run().r0).toBe(45n);
  });

  it("reports calls into the middle of a function and keeps externs for run time", () => {
    const bad = prog("main", "xdp", "call local 0\nexit", [
      { kind: "call", insnIndex: 0, targetSection: ".text", targetOffset: 8 },
    ]);
    const sub = prog("f", ".text", "mov %r0, 1\nexit");
    expect(() => loadBpfObject(obj([bad], [sub]))).toThrow(LoadError);
    expect(() => loadBpfObject(obj([bad], [sub]))).toThrow(/not the start of a function/);
    const ext = prog("k", "tc", "call 0\nexit", [
      { kind: "extern", insnIndex: 0, symbol: "bpf_kfunc_x" },
    ]);
    const o = VmObject.fromObject(obj([ext]));
    expect(() => o.program("k").run({ packet: new Uint8Array(14) })).toThrow(/bpf_kfunc_x/);
  });

  it("rewrites context pointer loads only where the base is the context on every path", () => {
    const insns = assembleText(`
      mov %r6, %r1
      stxdw [%r10-8], %r1
      ldxw %r2, [%r6+4]
      ldxdw %r7, [%r10-8]
      ldxw %r3, [%r7+0]
      ldxw %r4, [%r6+12]
      call 5
      ldxw %r5, [%r1+0]
      jeq %r2, 0, skip
      mov %r6, 0
    skip:
      ldxw %r8, [%r6+0]
      exit`);
    const fields = [
      { offset: 0, vmOffset: 24 },
      { offset: 4, vmOffset: 32 },
    ];
    const { insns: out, rewritten } = rewriteContextLoads(insns, fields);
    expect(rewritten).toBe(2);
    expect([out[2]!.spec.name, out[2]!.off]).toEqual(["ldxdw", 32]);
    expect([out[4]!.spec.name, out[4]!.off]).toEqual(["ldxdw", 24]);
    expect(out[5]!.spec.name).toBe("ldxw"); // not a pointer field
    expect(out[7]!.spec.name).toBe("ldxw"); // r1 clobbered by the helper call
    expect(out[10]!.spec.name).toBe("ldxw"); // r6 is not the context on one path
  });

  it("rejects bad options", () => {
    expect(() => loadBpfObject(obj([]), { cpus: 0 })).toThrow(/cpus must be/);
    expect(() => VmObject.fromObject(obj([]), { engine: "fast" as "jit" })).toThrow(
      /unknown engine/,
    );
  });
});

describe("tsbpf vm run", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-vm-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...args: string[]): Promise<{ out: string; err: string; code: number }> {
    let out = "";
    let err = "";
    const o = vi
      .spyOn(process.stdout, "write")
      .mockImplementation((s) => ((out += String(s)), true));
    const e = vi
      .spyOn(process.stderr, "write")
      .mockImplementation((s) => ((err += String(s)), true));
    process.exitCode = 0;
    try {
      await main(["node", "tsbpf", ...args]);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return { out, err, code };
  }

  it("parses hex input", () => {
    expect([...parseHex("0a:0B 0x0c", "x")]).toEqual([10, 11, 12]);
    expect(() => parseHex("abc", "--ctx-hex")).toThrow(/--ctx-hex: not a hex byte string/);
  });

  it.skipIf(!capability("clang-19", hasCommand("clang-19"), "tsbpf vm run CLI test"))(
    "runs a program and prints r0, maps and printk",
    async () => {
      const src = join(dir, "p.bpf.c");
      writeFileSync(
        src,
        `#include <linux/bpf.h>
         #include <bpf/bpf_helpers.h>
         struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8);
                  __type(key, __u32); __type(value, __u32); } seen SEC(".maps");
         SEC("socket") int f(struct __sk_buff *skb) {
           __u32 k = skb->len, v = 7;
           bpf_map_update_elem(&seen, &k, &v, BPF_ANY);
           bpf_printk("len %u", skb->len);
           return skb->len * 2;
         }
         char LICENSE[] SEC("license") = "GPL";`,
      );
      const o = join(dir, "p.o");
      execFileSync("clang-19", [
        "-O2",
        "-g",
        "-target",
        "bpf",
        "-mcpu=v3",
        "-I/usr/include/x86_64-linux-gnu",
        "-c",
        src,
        "-o",
        o,
      ]);
      const r = await cli(
        "vm",
        "run",
        o,
        // A socket filter sees the frame after its 14-byte Ethernet header: len 3.
        "--packet-hex",
        "00 00 00 00 00 00 00 00 00 00 00 00 88 b5 00 11 22",
        "--engine",
        "interpreter",
        "--repeat",
        "2",
      );
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain("r0 = 6 (0x6, signed 6)");
      expect(r.out).toContain("2 runs");
      expect(r.out).toContain("[03 00 00 00 (3)] = 07 00 00 00 (7)");
      expect(r.out).toContain("printk (2 lines):\n  len 3\n  len 3");
      const bad = await cli("vm", "run", o, "--prog", "zzz");
      expect(bad.code).toBe(1);
      expect(bad.err).toBe(`tsbpf: ${o}: no program zzz; the object has: f (socket)\n`);
      const ctx = await cli("vm", "run", o, "--ctx-hex", "00");
      expect(ctx.err).toMatch(/^tsbpf: \S+p\.o: program f \(SOCKET_FILTER\) reads packet pointers/);
    },
  );

  it("reports a missing or malformed object cleanly", async () => {
    const missing = await cli("vm", "run", join(dir, "none.o"));
    expect(missing).toMatchObject({ code: 1, out: "" });
    expect(missing.err).toMatch(/^tsbpf: cannot read .*none\.o: ENOENT\n$/);
    const junk = join(dir, "junk.o");
    writeFileSync(junk, "not an elf");
    const r = await cli("vm", "run", junk);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^tsbpf: /);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
  });
});
