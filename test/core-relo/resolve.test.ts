/**
 * CO-RE from source to resolution without a kernel, on the fixture BTF (test/frontend/btf-fixture.ts)
 * and on "other kernels" derived from it: a program reading kernel structs compiles to relocation
 * records; resolving them against the compile-time BTF gives back the compiled values; against a
 * kernel whose layout moved (other offsets, a flattened sock_common, a moved bitfield, renumbered
 * enum, a `___flavor`-named struct) they follow the fields by name; against one that lacks a field,
 * existence checks are 0 and reads are unresolved (poisoned). Also the compile-time errors and
 * `tsbpf gen types` on the fixture.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  LazyBtf,
  decodeBtf,
  encodeBtf,
  type BtfComposite,
  type BtfType,
} from "../../core/btf/index.ts";
import { kernelTypeDeclarations } from "../../core/btf/ts-decls.ts";
import { applyCoreRelocations } from "../../core/object/core-apply.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { fixtureBtf } from "../frontend/btf-fixture.ts";

const PROGRAM = `
import { RingBuf, coreEnumValue, coreFieldExists, coreTypeSize, currentTask, kernelPtr, tracepoint, u32, u64 } from "tsbpf";
interface Ev { ppid: u32; bit: u32; daddr: u32; dport: u32; exists: u32; size: u32; tgidType: u64 }
const events = new RingBuf<Ev>({ maxEntries: 4096 });
export const prog = tracepoint("sock/inet_sock_set_state", (ctx) => {
  const task = currentTask();
  const sk = kernelPtr("sock", ctx.skaddr);
  const e = events.reserve();
  if (e === null) return 0;
  e.value.ppid = u32(task.real_parent.tgid);
  e.value.bit = task.in_execve;
  e.value.daddr = sk.__sk_common.skc_daddr;
  e.value.dport = sk.__sk_common.skc_dport;
  e.value.exists = coreFieldExists(task.exit_code) ? 1 : 0;
  e.value.size = coreTypeSize("sock");
  e.value.tgidType = u64(coreEnumValue("pid_type", "PIDTYPE_TGID"));
  events.submit(e);
  return 0;
});
export const license = "GPL";
`;

async function compile(source: string) {
  return compileSource(source, "prog.ts", { emit: "obj", btf: fixtureBtf() });
}

/** The fixture's types with `edit` applied to the named composite (by name). */
function variant(edit: (types: BtfType[]) => void): LazyBtf {
  const types = [...decodeBtf(fixtureBtf()).types];
  edit(types);
  return new LazyBtf(encodeBtf({ types }), "variant BTF");
}
function composite(types: BtfType[], name: string): [number, BtfComposite] {
  const id = types.findIndex((t) => (t.kind === "struct" || t.kind === "union") && t.name === name);
  return [id, types[id] as BtfComposite];
}
const values = (obj: Uint8Array, target: LazyBtf) =>
  Object.fromEntries(
    applyCoreRelocations(readBpfObject(obj), target).relocations.map((r) => [
      `${r.kindName} ${r.chain}`,
      r.targetValue,
    ]),
  );

describe("CO-RE relocations from TypeScript", () => {
  it("records every access, and resolving on the compile-time BTF gives the compiled values", async () => {
    const r = await compile(PROGRAM);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const applied = applyCoreRelocations(
      readBpfObject(r.object!),
      new LazyBtf(fixtureBtf(), "fixture"),
    ).relocations;
    for (const a of applied) expect(a.targetValue, a.chain).toBe(a.localValue);
    expect(values(r.object!, new LazyBtf(fixtureBtf()))).toEqual({
      "byte_off struct task_struct->real_parent": 1280n,
      "byte_off struct task_struct->tgid": 1268n,
      "byte_off struct task_struct->in_execve": 1192n,
      "byte_sz struct task_struct->in_execve": 4n,
      "lshift_u64 struct task_struct->in_execve": 60n,
      "rshift_u64 struct task_struct->in_execve": 63n,
      "byte_off struct sock->__sk_common.skc_daddr": 0n,
      "byte_off struct sock->__sk_common.skc_dport": 12n,
      "field_exists struct task_struct->exit_code": 1n,
      "type_size struct sock": 760n,
      "enumval_value enum pid_type::PIDTYPE_TGID": 1n,
    });
    // Each record names its line of the program.
    expect(applied.every((a) => a.source?.startsWith("prog.ts:"))).toBe(true);
  });

  it("follows fields by name on a kernel with another layout, flavors and enum values", async () => {
    const r = await compile(PROGRAM);
    const other = variant((types) => {
      const [tid, task] = composite(types, "task_struct");
      types[tid] = {
        ...task,
        name: "task_struct___v61",
        members: task.members.map((m) =>
          m.name === "tgid"
            ? { ...m, bitOffset: 8000 }
            : m.name === "real_parent"
              ? { ...m, bitOffset: 8064 }
              : m.name === "in_execve"
                ? { ...m, bitOffset: 9566 }
                : m,
        ),
      };
      // sock_common without the anonymous union/struct nesting, fields at new offsets.
      const [cid, common] = composite(types, "sock_common");
      const be32 = types.findIndex((t) => t.kind === "typedef" && t.name === "__be32");
      const be16 = types.findIndex((t) => t.kind === "typedef" && t.name === "__be16");
      types[cid] = {
        ...common,
        members: [
          { name: "skc_family", type: be16, bitOffset: 0, bitfieldSize: 0 },
          { name: "skc_dport", type: be16, bitOffset: 16, bitfieldSize: 0 },
          { name: "skc_daddr", type: be32, bitOffset: 64, bitfieldSize: 0 },
        ],
      };
      const [sid, sock] = composite(types, "sock");
      types[sid] = { ...sock, size: 800 };
      const eid = types.findIndex((t) => t.kind === "enum" && t.name === "pid_type");
      types[eid] = {
        kind: "enum",
        name: "pid_type",
        size: 4,
        signed: false,
        values: [
          { name: "PIDTYPE_TGID", value: 5 },
          { name: "PIDTYPE_PID", value: 0 },
        ],
      };
    });
    expect(values(r.object!, other)).toEqual({
      "byte_off struct task_struct->real_parent": 1008n,
      "byte_off struct task_struct->tgid": 1000n,
      "byte_off struct task_struct->in_execve": 1192n,
      "byte_sz struct task_struct->in_execve": 4n,
      "lshift_u64 struct task_struct->in_execve": 33n,
      "rshift_u64 struct task_struct->in_execve": 63n,
      "byte_off struct sock->__sk_common.skc_daddr": 8n,
      "byte_off struct sock->__sk_common.skc_dport": 2n,
      "field_exists struct task_struct->exit_code": 1n,
      "type_size struct sock": 800n,
      "enumval_value enum pid_type::PIDTYPE_TGID": 5n,
    });
  });

  it("a missing field: existence is 0, a read of it is unresolved and poisoned", async () => {
    const r = await compile(PROGRAM);
    const older = variant((types) => {
      const [tid, task] = composite(types, "task_struct");
      types[tid] = {
        ...task,
        members: task.members.filter((m) => m.name !== "exit_code" && m.name !== "in_execve"),
      };
    });
    const res = applyCoreRelocations(readBpfObject(r.object!), older);
    const byName = Object.fromEntries(res.relocations.map((a) => [`${a.kindName} ${a.chain}`, a]));
    expect(byName["field_exists struct task_struct->exit_code"]!.targetValue).toBe(0n);
    const bit = byName["byte_off struct task_struct->in_execve"]!;
    expect(bit.targetValue).toBeNull();
    expect(bit.reason).toBe("struct task_struct has no field 'in_execve'");
    const insn = res.object.programs[0]!.insns[bit.insnIndex]!;
    expect([insn.spec.name, insn.imm]).toEqual(["call_helper", 0xbad2310]);
  });

  it("a field not in the BTF is an error at the field naming the struct and its nearest fields", async () => {
    const r = await compile(PROGRAM.replace("task.real_parent.tgid", "task.real_parent.tgidd"));
    const d = r.diagnostics.filter((x) => x.severity === "error");
    expect(d.map((x) => x.code)).toEqual(["TSB3022"]);
    expect(d[0]!.message).toBe(
      "struct task_struct has no field 'tgidd' in the BTF given to the compiler; nearest fields: tgid, pid, comm, mm",
    );
    expect(d[0]!.line).toBe(
      PROGRAM.split("\n").findIndex((l) => l.includes("real_parent.tgid")) + 1,
    );
  });

  it("a kernel type that is not in the BTF is an error naming the BTF searched", async () => {
    const r = await compile(PROGRAM.replace('kernelPtr("sock"', 'kernelPtr("sockk"'));
    const d = r.diagnostics.filter((x) => x.severity === "error");
    expect(d.map((x) => x.code)).toEqual(["TSB3023"]);
    expect(d[0]!.message).toContain("no kernel type 'sockk' in the BTF given to the compiler");
  });
});

describe("direct loads through a BTF pointer", () => {
  it("carry the relocation on the load itself, whose offset follows the field on another layout", async () => {
    const src = `import { currentTaskBtf, printk, tpBtf } from "tsbpf";
export const prog = tpBtf("sched_process_exec", () => {
  const task = currentTaskBtf();
  printk("%d %d", task.tgid, task.real_parent.tgid);
  return 0;
});
export const license = "GPL";
`;
    const r = await compile(src);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const moved = variant((types) => {
      const [tid, task] = composite(types, "task_struct");
      types[tid] = {
        ...task,
        members: task.members.map((m) =>
          m.name === "tgid"
            ? { ...m, bitOffset: 8000 }
            : m.name === "real_parent"
              ? { ...m, bitOffset: 8064 }
              : m,
        ),
      };
    });
    const obj = readBpfObject(r.object!);
    const applied = applyCoreRelocations(obj, moved);
    const insns = applied.object.programs[0]!.insns;
    const relocated = applied.relocations.map((a) => {
      const i = insns[a.insnIndex]!;
      return `${i.spec.name} ${i.off} ${a.chain}`;
    });
    // Three loads (task.tgid, task.real_parent, real_parent.tgid), each patched in place: no
    // instruction computes a field address for them.
    expect(relocated.sort()).toEqual([
      "ldxdw 1008 struct task_struct->real_parent",
      "ldxw 1000 struct task_struct->tgid",
      "ldxw 1000 struct task_struct->tgid",
    ]);
  });
});

describe("___flavor names", () => {
  it("keep the flavor in the object's type and match the kernel's type by essential name", async () => {
    const src = `import { kernelPtr, printk, tracepoint } from "tsbpf";
export const prog = tracepoint("sock/inet_sock_set_state", (ctx) => {
  printk("%d", kernelPtr("task_struct___v1", ctx.skaddr).tgid);
  return 0;
});
export const license = "GPL";
`;
    const r = await compile(src);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const obj = readBpfObject(r.object!);
    const rec = obj.btfExt!.coreRelo[0]!.records[0]!;
    expect(obj.btf!.types[rec.typeId]).toMatchObject({ kind: "struct", name: "task_struct___v1" });
    expect(values(r.object!, new LazyBtf(fixtureBtf()))).toEqual({
      "byte_off struct task_struct___v1->tgid": 1268n,
    });
  });
});

describe("tsbpf gen types", () => {
  it("declares the fixture's structs with their fields, pointers as Kernel<...>, anonymous members flattened", () => {
    const text = kernelTypeDeclarations(new LazyBtf(fixtureBtf(), "fixture"), {
      roots: ["task_struct", "sock"],
    });
    expect(text).toContain("    task_struct: task_struct;\n");
    expect(text).toContain('  real_parent: Kernel<"task_struct">;\n');
    expect(text).toContain("  in_execve: u32; /** bitfield: 1 bit */\n");
    expect(text).toContain("  tgid: pid_t;\n");
    expect(text).toContain("export type pid_t = i32;\n");
    // sock_common's anonymous union/struct members appear as plain fields, as in C.
    expect(text).toMatch(
      /export interface sock_common \{\n {2}skc_addrpair: u64;\n {2}skc_daddr: __be32;/,
    );
    expect(text).toContain("  __sk_common: sock_common;\n");
  });
});

describe("the VM resolves CO-RE against the BTF it is given", () => {
  it("loads with a BTF that has the fields, refuses one without, naming the chain and line", async () => {
    const { VmObject } = await import("../../runtime/vm/api.ts");
    const r = await compile(PROGRAM);
    expect(() => VmObject.load(r.object!)).toThrow(/give the VM a kernel BTF/);
    const vm = VmObject.load(r.object!, { coreBtf: new LazyBtf(fixtureBtf(), "fixture") });
    expect(vm.program("prog")).toBeDefined();
    const older = variant((types) => {
      const [tid, task] = composite(types, "task_struct");
      types[tid] = { ...task, members: task.members.filter((m) => m.name !== "in_execve") };
    });
    const line = PROGRAM.split("\n").findIndex((l) => l.includes("task.in_execve")) + 1;
    expect(() => VmObject.load(r.object!, { coreBtf: older })).toThrow(
      `CO-RE relocation of struct task_struct->in_execve (byte_off, access 0:1) at prog.ts:${line}: e.value.bit = task.in_execve; cannot be resolved on variant BTF: struct task_struct has no field 'in_execve'`,
    );
  });
});
