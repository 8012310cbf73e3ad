/**
 * Our kernel loader with CO-RE: an unresolvable relocation poisons its instruction (as libbpf); the
 * verifier refuses the program there, and the load error names the field chain and the TypeScript
 * line instead of libbpf's `unknown#195896080`. The object is compiled against the fixture BTF and
 * resolved against a variant of it without the field (ObjectLoadOptions.coreBtf), loaded on the
 * live kernel (the probe reads of the other fields are harmless wherever they point).
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { LazyBtf, decodeBtf, encodeBtf, type BtfComposite } from "../../core/btf/index.ts";
import { loadObject } from "../../runtime/loader/index.ts";
import { capability, hasKernelBpf } from "../support/env.ts";
import { fixtureBtf } from "../frontend/btf-fixture.ts";

const live = capability("root", hasKernelBpf(), "CO-RE load errors on the live kernel");

const SOURCE = `import { currentTask, printk, tracepoint } from "tsbpf";
export const prog = tracepoint("sched/sched_process_exec", () => {
  const task = currentTask();
  printk("%d", task.tgid);
  printk("%d", task.in_execve);
  return 0;
});
export const license = "GPL";
`;

describe.runIf(live)("CO-RE on the kernel loader", () => {
  it("a relocation the target cannot resolve is a load error at the TS line naming the chain", async () => {
    const r = await compileSource(SOURCE, "poison.ts", { emit: "obj", btf: fixtureBtf() });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const types = [...decodeBtf(fixtureBtf()).types];
    const id = types.findIndex((t) => t.kind === "struct" && t.name === "task_struct");
    const task = types[id] as BtfComposite;
    types[id] = { ...task, members: task.members.filter((m) => m.name !== "in_execve") };
    const target = new LazyBtf(encodeBtf({ types }), "old-kernel.btf");
    expect(() => loadObject(r.object!, { coreBtf: target })).toThrow(
      'program "prog": CO-RE relocation of struct task_struct->in_execve (byte_off, access 0:1) at poison.ts:5: printk("%d", task.in_execve); cannot be resolved on old-kernel.btf: struct task_struct has no field \'in_execve\'',
    );
    // With the field present the same object loads (values from the fixture, reads are probed).
    const ok = loadObject(r.object!, { coreBtf: new LazyBtf(fixtureBtf(), "fixture") });
    try {
      expect(ok.coreRelocations.map((c) => `${c.kindName} ${c.chain} ${c.targetValue}`)).toEqual([
        "byte_off struct task_struct->tgid 1268",
        "byte_off struct task_struct->in_execve 1192",
        "byte_sz struct task_struct->in_execve 4",
        "lshift_u64 struct task_struct->in_execve 60",
        "rshift_u64 struct task_struct->in_execve 63",
      ]);
    } finally {
      ok.close();
    }
  });

  it("through currentTaskBtf() fields are direct loads the verifier checks against BTF (tp_btf)", async () => {
    const source = `import { RingBuf, currentTaskBtf, tpBtf, u32 } from "tsbpf";
interface Ev { ppid: u32; tgid: u32 }
const events = new RingBuf<Ev>({ maxEntries: 4096 });
export const prog = tpBtf("sched_process_exec", (ctx) => {
  const task = currentTaskBtf();
  const e = events.reserve();
  if (e === null) return 0;
  e.value.ppid = u32(task.real_parent.tgid);
  e.value.tgid = u32(task.tgid);
  events.submit(e);
  return 0;
});
export const license = "GPL";
`;
    const r = await compileSource(source, "btf.ts", { emit: "obj" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const { readBpfObject } = await import("../../core/object/index.ts");
    const insns = readBpfObject(r.object!).programs[0]!.insns;
    const calls = insns.filter((i) => i.spec.name === "call_helper").map((i) => i.imm);
    expect(calls).toContain(158); // bpf_get_current_task_btf
    expect(calls).not.toContain(113); // no bpf_probe_read_kernel: the loads are direct
    const loaded = loadObject(r.object!);
    try {
      // One relocation per access, on the load itself (as clang emits them): the loader patches
      // the load's offset, so no instruction computes the field's address.
      expect(loaded.coreRelocations.map((c) => `${c.kindName} ${c.chain}`)).toEqual([
        "byte_off struct task_struct->real_parent",
        "byte_off struct task_struct->tgid",
        "byte_off struct task_struct->tgid",
      ]);
      for (const c of loaded.coreRelocations) {
        const insn = insns[c.insnIndex]!;
        expect(insn.spec.kind).toBe("ldx");
        expect(BigInt(insn.off)).toBe(c.localValue);
      }
    } finally {
      loaded.close();
    }
  });
});
