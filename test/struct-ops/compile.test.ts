/**
 * struct_ops maps compiled (`structOps(...)`, compiler/frontend/struct-ops.ts): the object has what
 * libbpf reads (bpf_object__init_struct_ops, bpf_object__collect_st_ops_relos) — the ops struct's
 * BTF with its function pointers' prototypes, the variable in the `.struct_ops` / `.struct_ops.link`
 * DATASEC, an R_BPF_64_ABS64 relocation from each function member to its program's symbol, the
 * programs in SEC("struct_ops/<member>") — and it agrees with clang's object of the C twin
 * (bench/c/tcp-reno.bpf.c) member for member. Read back, the map is a STRUCT_OPS map; the object
 * round-trips through objectToSpec.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileC, defaultCacheDir, ensureVmlinuxHeader } from "../../bench/codegen/clang-build.ts";
import { compileSource } from "../../compiler/driver.ts";
import type { Btf, BtfType } from "../../core/btf/index.ts";
import { R_BPF, readElf } from "../../core/elf/index.ts";
import { objectToSpec, readBpfObject, writeBpfObject } from "../../core/object/index.ts";
import type { BpfMapDef, BpfObject } from "../../core/object/index.ts";
import { BPF_MAP_TYPE } from "../../core/kernel/index.ts";
import { capability, hasCommand, hasVmlinuxBtf } from "../support/env.ts";

const ROOT = join(import.meta.dirname, "../..");
const EXAMPLE = readFileSync(join(ROOT, "examples/tcp-reno.ts"), "utf8");
const hasBtf = hasVmlinuxBtf("struct_ops members are typed from /sys/kernel/btf/vmlinux");
const canClang = capability(
  "clang-19 + bpftool",
  hasCommand("clang-19") && hasCommand("bpftool", ["version"]),
  "the C twin of tcp-reno compiles for comparison",
);

async function build(source: string, name = "examples/tcp-reno.ts"): Promise<Uint8Array> {
  const out = await compileSource(source, name, { emit: "obj", check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

const opsMap = (obj: BpfObject): BpfMapDef =>
  obj.maps.find((m) => m.type === BPF_MAP_TYPE.BPF_MAP_TYPE_STRUCT_OPS)!;

/** Member name → the program its function pointer holds, by the relocations at member offsets. */
function membersToPrograms(obj: BpfObject): Record<string, string> {
  const m = opsMap(obj);
  const st = obj.btf!.types[m.valueTypeId]!;
  if (st.kind !== "struct") throw new Error("not a struct");
  const out: Record<string, string> = {};
  for (const f of m.structOps!.funcs) {
    const member = st.members.find((x) => x.bitOffset === f.offset * 8)!;
    out[member.name] = f.program;
  }
  return out;
}

/** The BTF kind a struct member's pointer points at (after typedefs and modifiers). */
function pointee(btf: Btf, type: number): BtfType["kind"] {
  const ptr = btf.types[type]!;
  if (ptr.kind !== "ptr") return ptr.kind;
  return btf.types[ptr.type]!.kind;
}

describe.skipIf(!hasBtf)("struct_ops compile", () => {
  let obj: BpfObject;
  let bytes: Uint8Array;
  beforeAll(async () => {
    bytes = await build(EXAMPLE);
    obj = readBpfObject(bytes);
  });

  it("puts each function member in SEC(struct_ops/<member>) as program <map>_<member>", () => {
    expect(obj.programs.map((p) => [p.name, p.section])).toEqual([
      ["reno_ssthresh", "struct_ops/ssthresh"],
      ["reno_undo_cwnd", "struct_ops/undo_cwnd"],
      ["reno_cong_avoid", "struct_ops/cong_avoid"],
      ["reno_init", "struct_ops/init"],
      ["reno_set_state", "struct_ops/set_state"],
    ]);
  });

  it("reads back as a STRUCT_OPS map of tcp_congestion_ops with name data and program slots", () => {
    const m = opsMap(obj);
    expect(m.name).toBe("reno");
    expect(m.structOps?.struct).toBe("tcp_congestion_ops");
    expect(m.structOps?.link).toBe(false);
    const st = obj.btf!.types[m.valueTypeId]!;
    expect(st.kind === "struct" && st.name).toBe("tcp_congestion_ops");
    expect(m.valueSize).toBe(st.kind === "struct" ? st.size : -1);
    const nameMember = st.kind === "struct" ? st.members.find((x) => x.name === "name")! : null;
    const at = nameMember!.bitOffset / 8;
    const text = new TextDecoder().decode(m.initialValue!.subarray(at, at + 16));
    expect(text).toBe("tsbpf_reno\0\0\0\0\0\0");
    expect(membersToPrograms(obj)).toEqual({
      ssthresh: "reno_ssthresh",
      undo_cwnd: "reno_undo_cwnd",
      cong_avoid: "reno_cong_avoid",
      init: "reno_init",
      set_state: "reno_set_state",
    });
    // Function slots are zero in the data: the relocations fill them.
    for (const f of m.structOps!.funcs)
      expect([...m.initialValue!.subarray(f.offset, f.offset + 8)]).toEqual(Array(8).fill(0));
  });

  it("keeps the function pointers' prototypes in BTF (libbpf relocates only func pointers)", () => {
    const m = opsMap(obj);
    const st = obj.btf!.types[m.valueTypeId]!;
    if (st.kind !== "struct") throw new Error("not a struct");
    for (const name of ["ssthresh", "cong_avoid", "undo_cwnd", "release", "get_info"]) {
      const member = st.members.find((x) => x.name === name)!;
      expect(pointee(obj.btf!, member.type), name).toBe("func_proto");
    }
  });

  it("writes .struct_ops with its DATASEC and R_BPF_64_ABS64 relocations on program symbols", () => {
    const elf = readElf(bytes);
    const sec = elf.sections.find((s) => s.name === ".struct_ops")!;
    expect(sec).toBeDefined();
    const rel = elf.relocations.find((r) => r.target === sec.index)!;
    expect(rel.entries.map((e) => [e.type, elf.symbols[e.symbol]!.name])).toEqual(
      opsMap(obj).structOps!.funcs.map((f) => [R_BPF.R_64_ABS64, f.program]),
    );
    const ds = obj.btf!.types.find((t) => t.kind === "datasec" && t.name === ".struct_ops");
    expect(ds?.kind === "datasec" && ds.vars.length).toBe(1);
    expect(elf.symbols.find((s) => s.name === "reno")?.shndx).toBe(sec.index);
  });

  it("link: true (the default) uses .struct_ops.link; sleepable uses struct_ops.s/<member>", async () => {
    const src = EXAMPLE.replace("{ link: false }", "{ sleepable: true }");
    const o = readBpfObject(await build(src));
    expect(opsMap(o).structOps?.link).toBe(true);
    expect(o.programs.map((p) => p.section)).toContain("struct_ops.s/ssthresh");
    expect(readElf(await build(src)).sections.some((s) => s.name === ".struct_ops.link")).toBe(
      true,
    );
  });

  it("round-trips through objectToSpec and the writer", () => {
    const again = readBpfObject(writeBpfObject(objectToSpec(obj)));
    expect(opsMap(again)).toEqual(opsMap(obj));
    expect(membersToPrograms(again)).toEqual(membersToPrograms(obj));
  });

  it.skipIf(!canClang)("agrees with clang's object of the C twin, member for member", () => {
    const cache = defaultCacheDir();
    ensureVmlinuxHeader(cache);
    const c = readBpfObject(compileC(join(ROOT, "bench/c/tcp-reno.bpf.c"), cache).bytes);
    const [mine, theirs] = [opsMap(obj), opsMap(c)];
    expect(mine.name).toBe(theirs.name);
    expect(mine.valueSize).toBe(theirs.valueSize);
    expect(mine.structOps?.link).toBe(theirs.structOps?.link);
    expect(membersToPrograms(obj)).toEqual(membersToPrograms(c));
    expect([...mine.initialValue!]).toEqual([...theirs.initialValue!]);
    expect(obj.programs.map((p) => p.section).sort()).toEqual(
      c.programs.map((p) => p.section).sort(),
    );
  });
});
