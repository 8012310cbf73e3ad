/**
 * BPF iterators in the VM (runtime/vm/iter.ts): programs of SEC("iter/task"), "iter/bpf_map" and
 * "iter/tcp" walked over elements the test gives, laid out by this kernel's BTF, with the kernel's
 * bpf_seq_read protocol: one run per element with meta->seq_num counting from 0, one final run with
 * a NULL element, a nonzero return ending the output before that element (then EAGAIN), and a
 * 32 KiB buffer whose overflow makes the next read resume at the element that did not fit.
 * The same walks on the kernel: test/tracing-kinds/iter-kernel.test.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { VmApiError, VmObject } from "../../runtime/vm/api.ts";

const ROOT = join(import.meta.dirname, "../..");
const VMLINUX = "/sys/kernel/btf/vmlinux";

async function load(source: string, name = "iter.ts"): Promise<VmObject> {
  const out = await compileSource(source, name, { emit: "obj", check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return VmObject.load(out.object!, { coreBtf: VMLINUX });
}

const TASKS = [
  { task: { pid: 1, tgid: 1, comm: "systemd", real_parent: { tgid: 0 } } },
  { task: { pid: 412, tgid: 412, comm: "sshd", real_parent: { tgid: 1 } } },
  { task: { pid: 415, tgid: 412, comm: "sshd-worker", real_parent: { tgid: 1 } } },
  { task: { pid: 900, tgid: 900, comm: "bash", real_parent: { tgid: 412 } } },
];

/** Prints each task's pid with seq_num and session, the stop run's seq_num; returns 1 at pid 900. */
const META = `
  import { iter, seqPrintf } from "tsbpf";
  export const walk = iter("task", (ctx) => {
    const task = ctx.task;
    if (!task) {
      seqPrintf(ctx, "stop %u\\n", ctx.meta.seq_num);
      return 0;
    }
    if (task.pid === 900) return 1;
    seqPrintf(ctx, "%u %u %u\\n", ctx.meta.seq_num, ctx.meta.session_id, task.pid);
    return 0;
  });
  export const license = "GPL";
`;

describe.runIf(existsSync(VMLINUX))("iterators in the VM", () => {
  it.each(["jit", "interpreter"] as const)(
    "tasklist (%s): one `pid ppid comm` line per process, threads skipped, then the stop run",
    async (engine) => {
      const src = readFileSync(join(ROOT, "examples/tasklist.ts"), "utf8");
      const vm = await load(src, "examples/tasklist.ts");
      const r = vm.program("tasks").iterate({ elements: TASKS, engine });
      expect(r.error).toBeUndefined();
      expect(r.text.split("\n").map((l) => l.trim().split(/\s+/))).toEqual([
        ["1", "0", "systemd"],
        ["412", "1", "sshd"],
        ["900", "412", "bash"],
        [""],
      ]);
      expect(r.runs.map((x) => [x.element, x.seqNum])).toEqual([
        [0, 0n],
        [1, 1n],
        [2, 2n],
        [3, 3n],
        [null, 3n],
      ]);
    },
  );

  it("meta: seq_num and session_id per run; returning 1 ends the output before that task, then EAGAIN", async () => {
    const vm = await load(META);
    const first = vm.program("walk").iterate({ elements: TASKS });
    expect(first.text).toBe("0 1 1\n1 1 412\n2 1 415\n");
    expect(first.error?.errno).toBe(-11);
    expect(first.error?.message).toMatch(/EAGAIN/);
    // The failed read re-ran pid 900 (the kernel's "retry the same object") with the same seq_num.
    expect(first.runs.filter((x) => x.element === 3).map((x) => [x.seqNum, x.r0])).toEqual([
      [3n, 1n],
      [3n, 1n],
    ]);
    // Without it the walk ends with the stop run; the next walk is session 2.
    const second = vm.program("walk").iterate({ elements: TASKS.slice(0, 2) });
    expect(second.text).toBe("0 2 1\n1 2 412\nstop 1\n");
    expect(second.error).toBeUndefined();
    expect(vm.program("walk").iterate({ elements: [] }).text).toBe("stop 0\n");
  });

  it("a 32 KiB buffer: the read ends before the task that overflows it, the next read shows it again", async () => {
    const vm = await load(`
      import { iter, seqPrintf } from "tsbpf";
      export const wide = iter("task", (ctx) => {
        const task = ctx.task;
        if (!task) return 0;
        seqPrintf(ctx, "%4000d\\n", task.pid);
        return 0;
      });
      export const license = "GPL";
    `);
    const elements = Array.from({ length: 10 }, (_, i) => ({ task: { pid: i + 1 } }));
    const r = vm.program("wide").iterate({ elements });
    expect(r.error).toBeUndefined();
    const lines = r.text.trimEnd().split("\n");
    expect(lines.map((l) => [l.length, Number(l)])).toEqual(
      elements.map((e) => [4000, e.task.pid]),
    );
    // 8 lines of 4001 bytes fit 32768 (with a byte to spare); the 9th overflowed and was run again.
    expect(r.runs.filter((x) => x.element === 8).map((x) => x.seqNum)).toEqual([8n, 8n]);
  });

  it("seqWrite: a struct's bytes go into the output as they are", async () => {
    const vm = await load(`
      import { iter, seqWrite, u32, zeroed } from "tsbpf";
      interface Rec { pid: u32; tgid: u32 }
      export const raw = iter("task", (ctx) => {
        const task = ctx.task;
        if (!task) return 0;
        const rec: Rec = zeroed();
        rec.pid = u32(task.pid);
        rec.tgid = u32(task.tgid);
        seqWrite(ctx, rec);
        return 0;
      });
      export const license = "GPL";
    `);
    const r = vm.program("raw").iterate({ elements: TASKS });
    const v = new DataView(r.output.buffer);
    const recs = Array.from({ length: r.output.length / 8 }, (_, i) => [
      v.getUint32(i * 8, true),
      v.getUint32(i * 8 + 4, true),
    ]);
    expect(recs).toEqual(TASKS.map((t) => [t.task.pid, t.task.tgid]));
  });

  it("iter/bpf_map: id, name and max_entries of each map given", async () => {
    const vm = await load(`
      import { iter, seqPrintf } from "tsbpf";
      export const maps = iter("bpf_map", (ctx) => {
        const m = ctx.map;
        if (!m) return 0;
        seqPrintf(ctx, "%u %s %u\\n", m.id, m.name, m.max_entries);
        return 0;
      });
      export const license = "GPL";
    `);
    const r = vm.program("maps").iterate({
      elements: [
        { map: { id: 3, name: "counts", max_entries: 1024 } },
        { map: { id: 9, name: "marker", max_entries: 4321 } },
      ],
    });
    expect(r.text).toBe("3 counts 1024\n9 marker 4321\n");
  });

  it("iter/tcp: the socket's port, peer port and state, and the uid member", async () => {
    const vm = await load(`
      import { iter, ntohs, seqPrintf } from "tsbpf";
      export const tcp = iter("tcp", (ctx) => {
        const sk = ctx.sk_common;
        if (!sk) return 0;
        seqPrintf(ctx, "%u %u %u %u\\n", sk.skc_num, ntohs(sk.skc_dport), sk.skc_state, ctx.uid);
        return 0;
      });
      export const license = "GPL";
    `);
    const r = vm.program("tcp").iterate({
      elements: [
        { sk_common: { skc_num: 22, skc_state: 10 }, uid: 0 },
        { sk_common: { skc_num: 41000, skc_dport: 0x5000, skc_state: 1 }, uid: 1000 },
      ],
    });
    expect(r.text).toBe("22 0 10 0\n41000 80 1 1000\n");
  });

  it("refuses a program that is no iterator, a bad element, and a plain run of an iterator", async () => {
    const vm = await load(`
      import { iter, seqPrintf, tracepoint } from "tsbpf";
      export const walk = iter("task", (ctx) => {
        seqPrintf(ctx, "x\\n");
        return 0;
      });
      export const tp = tracepoint("sched/sched_switch", (ctx) => 0);
      export const license = "GPL";
    `);
    expect(() => vm.program("tp").iterate({ elements: [] })).toThrow(
      new VmApiError(
        "program tp (tracepoint/sched/sched_switch) is not an iterator (iter/<target>)",
      ),
    );
    expect(() => vm.program("walk").iterate({ elements: [{ task: { no_such: 1 } }] })).toThrow(
      "element 0: struct task_struct has no field no_such (no member no_such)",
    );
    expect(() => vm.program("walk").run({ ctx: new Uint8Array(16) })).toThrow(
      // A plain run has no meta behind ctx: the load of ctx->meta->seq faults.
      /invalid read of 8 bytes at 0x0: address is unmapped/,
    );
  });
});
