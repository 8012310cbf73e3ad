// Parts of the loader that need no kernel: attr layouts, log parsing, linking, BTF name index.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LazyBtf, decodeBtf, findType } from "../../core/btf/index.ts";
import { insnSpec, makeInsn, PseudoSrc, type Insn } from "../../core/isa/index.ts";
import type { BpfObject, BpfProgram } from "../../core/object/index.ts";
import {
  annotateVerifierLog,
  linkProgram,
  LoaderError,
  parseVerifierLog,
} from "../../runtime/loader/index.ts";
import { describeErrno, errnoNumber } from "../../runtime/loader/sys/errno.ts";
import { decodeAttr, encodeAttr } from "../../runtime/loader/sys/attr.ts";
import { parseCpuList, parseCpuRanges } from "../../runtime/loader/sys/cpus.ts";
import * as L from "../../runtime/loader/sys/layouts.ts";

const I = (name: string, f: Parameters<typeof makeInsn>[1] = {}): Insn =>
  makeInsn(insnSpec(name), f);

describe("bpf_attr layouts match linux/bpf.h offsets", () => {
  const off = (layout: { fields: ReadonlyMap<string, { offset: number }> }, f: string) =>
    layout.fields.get(f)!.offset;
  it("PROG_LOAD", () => {
    // offsetof() values from include/uapi/linux/bpf.h (x86_64).
    expect(off(L.PROG_LOAD, "insns")).toBe(8);
    expect(off(L.PROG_LOAD, "log_buf")).toBe(32);
    expect(off(L.PROG_LOAD, "prog_name")).toBe(48);
    expect(off(L.PROG_LOAD, "expected_attach_type")).toBe(68);
    expect(off(L.PROG_LOAD, "func_info")).toBe(80);
    expect(off(L.PROG_LOAD, "line_info")).toBe(96);
    expect(off(L.PROG_LOAD, "attach_btf_id")).toBe(108);
    expect(off(L.PROG_LOAD, "fd_array")).toBe(120);
    expect(off(L.PROG_LOAD, "log_true_size")).toBe(140);
    expect(L.PROG_LOAD.size).toBe(144);
  });
  it("other commands", () => {
    expect(off(L.MAP_CREATE, "map_name")).toBe(28);
    expect(off(L.MAP_CREATE, "btf_fd")).toBe(48);
    expect(off(L.MAP_CREATE, "map_extra")).toBe(64);
    expect(off(L.MAP_ELEM, "key")).toBe(8);
    expect(off(L.MAP_BATCH, "count")).toBe(32);
    expect(off(L.TEST_RUN, "data_in")).toBe(16);
    expect(off(L.TEST_RUN, "ctx_in")).toBe(48);
    expect(off(L.TEST_RUN, "flags")).toBe(64);
    expect(off(L.BTF_LOAD, "btf_log_level")).toBe(24);
    expect(off(L.LINK_CREATE, "target_btf_id")).toBe(16);
    expect(off(L.LINK_CREATE, "cookie")).toBe(24);
    expect(off(L.LINK_CREATE_PERF, "bpf_cookie")).toBe(16);
  });
  it("encodes and decodes fields, truncating names to 15 bytes", () => {
    const bytes = encodeAttr(L.MAP_CREATE, {
      map_type: 2,
      key_size: 4,
      map_name: "a_very_long_map_name",
      map_extra: 1n << 40n,
    });
    const d = decodeAttr(L.MAP_CREATE, bytes);
    expect(d.map_type).toBe(2);
    expect(d.map_name).toBe("a_very_long_map");
    expect(d.map_extra).toBe(1n << 40n);
    expect(() => encodeAttr(L.MAP_CREATE, { nope: 1 } as never)).toThrow(/no field nope/);
  });
});

describe("verifier log parsing", () => {
  const log = [
    "func#0 @0",
    "0: R1=ctx() R10=fp0",
    "; int f(void *ctx) { @ x.bpf.c:3",
    "0: (b7) r0 = 0                        ; R0_w=0",
    "1: (79) r0 = *(u64 *)(r2 +0)",
    "R2 !read_ok",
    "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
  ].join("\n");
  it("finds the failing instruction, the reason and the statistics", () => {
    expect(parseVerifierLog(log)).toEqual({
      insnIndex: 1,
      errorLine: "R2 !read_ok",
      processedInsns: 2,
      totalStates: 0,
      peakStates: 0,
    });
    expect(parseVerifierLog("")).toMatchObject({
      insnIndex: -1,
      processedInsns: -1,
      errorLine: "",
    });
  });
  it("annotates only logs without kernel source lines", () => {
    expect(annotateVerifierLog(log, () => "x")).toBe(log);
    const plain = "0: (b7) r0 = 0\n1: (b7) r1 = 0\n2: (95) exit";
    const src = (slot: number) => (slot < 2 ? "a = 0;" : "return a;");
    expect(annotateVerifierLog(plain, src)).toBe(
      "; a = 0;\n0: (b7) r0 = 0\n1: (b7) r1 = 0\n; return a;\n2: (95) exit",
    );
  });
});

describe("small tables", () => {
  it("errno names and hints", () => {
    expect(describeErrno(1)).toMatchObject({ name: "EPERM" });
    expect(describeErrno(1).hint).toMatch(/root or CAP_BPF/);
    expect(describeErrno(9999).name).toBe("errno 9999");
    expect(errnoNumber("E2BIG")).toBe(7);
  });
  it("CPU range lists", () => {
    expect(parseCpuRanges("0-3,6,8-9\n")).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList("0-1")).toBe(2);
    expect(() => parseCpuRanges("a-b")).toThrow(/bad CPU list/);
  });
});

describe("linkProgram (libbpf-style subprogram linking)", () => {
  const fn = (
    name: string,
    section: string,
    sectionOffset: number,
    insns: Insn[],
    relocs: BpfProgram["relocs"] = [],
  ): BpfProgram => ({
    name,
    section,
    sectionOffset,
    insns,
    relocs,
  });
  // prog: lddw r1 map; call f; call g; exit      f: call g; exit      g: mov r0 7; exit
  const g = fn("g", ".text", 16, [I("mov64_imm", { imm: 7 }), I("exit")]);
  const f = fn(
    "f",
    ".text",
    0,
    [I("call_local", { imm: 0 }), I("exit")],
    [{ kind: "call", insnIndex: 0, targetSection: ".text", targetOffset: 16 }],
  );
  const prog = fn(
    "p",
    "xdp",
    0,
    [I("lddw", { dst: 1 }), I("call_local"), I("call_local"), I("lddw", { dst: 2 }), I("exit")],
    [
      { kind: "map", insnIndex: 0, mapIndex: 0 },
      { kind: "call", insnIndex: 1, targetSection: ".text", targetOffset: 0 },
      { kind: "call", insnIndex: 2, targetSection: ".text", targetOffset: 16 },
      { kind: "global", insnIndex: 3, mapIndex: 1, offset: 8 },
    ],
  );
  const obj: BpfObject = {
    programs: [prog],
    subprograms: [f, g],
    maps: [],
    license: "GPL",
    kernelVersion: 0,
  };

  it("appends each callee once and patches calls and map loads", () => {
    const out = linkProgram(obj, prog, [33, 44]);
    expect(out.pieces.map((p) => [p.fn.name, p.startIndex, p.startSlot, p.slots])).toEqual([
      ["p", 0, 0, 7],
      ["f", 5, 7, 2],
      ["g", 7, 9, 2],
    ]);
    const [ld, c1, c2, ld2] = out.insns;
    expect([ld!.src, ld!.imm]).toEqual([PseudoSrc.MAP_FD, 33]);
    expect(c1!.imm).toBe(7 - (2 + 1)); // call at slot 2 → f at slot 7
    expect(c2!.imm).toBe(9 - (3 + 1)); // call at slot 3 → g at slot 9
    expect([ld2!.src, ld2!.imm, ld2!.imm2]).toEqual([PseudoSrc.MAP_VALUE, 44, 8]);
    expect(out.insns[5]!.imm).toBe(9 - (7 + 1)); // f's call (slot 7) to g
  });
  it("rejects calls into the middle of nowhere and externs", () => {
    const bad = fn(
      "b",
      "xdp",
      0,
      [I("call_local"), I("exit")],
      [{ kind: "call", insnIndex: 0, targetSection: ".text", targetOffset: 8 }],
    );
    expect(() => linkProgram({ ...obj, programs: [bad] }, bad, [])).toThrow(LoaderError);
    const ext = fn(
      "e",
      "xdp",
      0,
      [I("call_kfunc"), I("exit")],
      [{ kind: "extern", insnIndex: 0, symbol: "bpf_foo" }],
    );
    expect(() => linkProgram({ ...obj, programs: [ext] }, ext, [])).toThrow(
      /extern symbol "bpf_foo"/,
    );
  });
});

describe.runIf(existsSync("/sys/kernel/btf/vmlinux"))("vmlinux BTF name index", () => {
  it("agrees with core/btf decodeBtf on function and typedef ids", () => {
    const bytes = readFileSync("/sys/kernel/btf/vmlinux");
    const idx = new LazyBtf(bytes);
    const btf = decodeBtf(bytes);
    expect(idx.typeCount).toBe(btf.types.length);
    for (const name of ["vfs_getattr", "schedule", "do_sys_openat2"]) {
      expect(idx.find("func", name)).toBe(findType(btf, "func", name));
    }
    for (const name of ["task_struct", "sk_buff"])
      expect(idx.find("struct", name)).toBe(findType(btf, "struct", name));
    expect(idx.find("typedef", "btf_trace_sys_enter")).toBe(
      findType(btf, "typedef", "btf_trace_sys_enter"),
    );
    expect(idx.find("func", "no_such_function_xyz")).toBeUndefined();
    const id = idx.find("func", "vfs_getattr")!;
    expect(idx.name(id)).toBe("vfs_getattr");
    expect(idx.type(id).kind).toBe(12);
    expect(() => new LazyBtf(new Uint8Array(30))).toThrow(/not BTF/);
  });
});
