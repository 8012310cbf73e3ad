/**
 * Code-size transformations checked in the VM against a reference: each program is built plain
 * (no optimisation: the reference) and optimised, both run on the same inputs in the VM, and every
 * result (r0 and the maps the programs write) must agree. The inputs are seeded pseudo-random and
 * reach every outcome the programs have.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";

const ROOT = join(import.meta.dirname, "../..");

async function builds(source: string, name: string): Promise<{ plain: VmObject; opt: VmObject }> {
  const build = async (optimize: boolean) => {
    const out = await compileSource(source, name, { check: true, optimize });
    if (!out.object) throw new Error(formatDiagnostics(out.diagnostics, { [name]: source }));
    return VmObject.load(out.object);
  };
  return { plain: await build(false), opt: await build(true) };
}

/** A seeded generator of bytes (LCG), so every run sees the same inputs. */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) >>> 0), (x >>> 16) & 0xff);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sortedEntries = (vm: VmObject, map: string) =>
  vm
    .map(map)
    .entries()
    .map(([k, v]) => `${hex(k)}=${hex(v)}`)
    .sort();

describe("optimised builds agree with plain builds in the VM", () => {
  it("flow-queue: a popped record's null test is the helper's result (compare-of-select)", async () => {
    const source = readFileSync(join(ROOT, "examples/flow-queue.ts"), "utf8");
    const { plain, opt } = await builds(source, "flow-queue.ts");
    const rnd = random(7);
    for (let n = 0; n < 120; n++) {
      // Ethernet + IPv4 with few distinct addresses and protocols, so flows repeat.
      const packet = new Uint8Array(34).map(() => rnd());
      packet[12] = 0x08;
      packet[13] = n % 9 === 0 ? 0x06 : 0x00; // now and then not IPv4
      packet[23] = rnd() % 4; // protocol
      for (let i = 26; i < 34; i++) packet[i] = rnd() % 3;
      for (const vm of [plain, opt]) vm.program("produce").run({ packet });
      // Consume less often than produce, and sometimes from an empty queue.
      if (n % 2 === 0) {
        const want = plain.program("consume").run({ packet });
        const got = opt.program("consume").run({ packet });
        expect(got.r0).toBe(want.r0);
      }
    }
    for (let n = 0; n < 80; n++) {
      const packet = new Uint8Array(34);
      expect(opt.program("consume").run({ packet }).r0).toBe(
        plain.program("consume").run({ packet }).r0,
      );
    }
    expect(sortedEntries(opt, "consumed")).toEqual(sortedEntries(plain, "consumed"));
    // the consumer counted several protocols
    expect(sortedEntries(plain, "consumed").length).toBeGreaterThan(2);
  });

  it("tc-marker: count() inlined at its two call sites (the inliner's two-site rule)", async () => {
    const source = readFileSync(join(ROOT, "examples/tc-marker.ts"), "utf8");
    const { plain, opt } = await builds(source, "tc-marker.ts");
    // port -> { mark, priority } for a few destination ports, the same in both objects
    for (const vm of [plain, opt]) {
      for (const port of [53, 80, 443]) {
        const key = new Uint8Array([port & 0xff, port >> 8]);
        const value = new Uint8Array(8);
        new DataView(value.buffer).setUint32(0, port * 3, true);
        new DataView(value.buffer).setUint32(4, port + 1, true);
        vm.map("classes").set(key, value);
      }
    }
    const rnd = random(11);
    const ports = [53, 80, 443, 8080, 22];
    const marks = new Set<string>();
    for (let n = 0; n < 200; n++) {
      const packet = new Uint8Array(14 + 20 + 8).map(() => rnd());
      packet[12] = 0x08;
      packet[13] = n % 11 === 0 ? 0x06 : 0x00;
      packet[14] = 0x45; // IPv4, 20-byte header
      packet[23] = [6, 17, 1][rnd() % 3]!; // TCP, UDP, ICMP
      const port = ports[rnd() % ports.length]!;
      packet[36] = port >> 8; // destination port, network order
      packet[37] = port & 0xff;
      const want = plain
        .program("marker")
        .run({ packet: packet.slice(0, 14 + 20 + (n % 5 === 0 ? 2 : 8)) });
      const got = opt
        .program("marker")
        .run({ packet: packet.slice(0, 14 + 20 + (n % 5 === 0 ? 2 : 8)) });
      expect(got.r0).toBe(want.r0);
      expect(hex(got.ctx!)).toBe(hex(want.ctx!));
      marks.add(hex(want.ctx!.subarray(8, 12)));
    }
    expect(sortedEntries(opt, "marked")).toEqual(sortedEntries(plain, "marked"));
    // marked and unmarked packets were both counted, and several marks were set
    expect(sortedEntries(plain, "marked").every((e) => !e.endsWith("=0000000000000000"))).toBe(
      true,
    );
    expect(marks.size).toBeGreaterThan(2);
  });

  it("a record field's address passed to a helper is computed into the argument register", async () => {
    const source = `import { CharArray, RingBuf, getCurrentComm, getCurrentPidTgid, tracepoint, u32 } from "tsbpf";
interface Ev { pid: u32; comm: CharArray<16>; again: CharArray<16> }
const events = new RingBuf<Ev>({ maxEntries: 4096 });
export const prog = tracepoint("sched/sched_process_exec", () => {
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  getCurrentComm(e.value.comm);
  getCurrentComm(e.value.again);
  events.submit(e);
  return 0;
});
export const license = "GPL";
`;
    const out = await compileSource(source, "rec.ts", { check: true, emit: "asm" });
    // e.value.comm (the record + 4) goes straight into r1, not through a register of its own
    expect(out.asm).toMatch(/r1 = r\d\n\s+\d+: r1 \+= 4\n\s+\d+: r2 = 16\n\s+\d+: call 16/);
    const { plain, opt } = await builds(source, "rec.ts");
    for (const [vm, comm] of [
      [plain, "bash"],
      [opt, "python3-worker"],
    ] as const) {
      vm.setProcess({ pid: 7, tgid: 4321, comm });
      expect(vm.program("prog").run().r0).toBe(0n);
      const [rec] = vm.ringbuf("events").drain();
      // the reference: pid, then the comm twice, NUL-padded to 16 bytes
      const want = new Uint8Array(36);
      new DataView(want.buffer).setUint32(0, 4321, true);
      want.set(new TextEncoder().encode(comm), 4);
      want.set(new TextEncoder().encode(comm), 20);
      expect(hex(rec!)).toBe(hex(want));
    }
  });

  it("a probe read copied into a record field reads into the field (forward-helper-writes)", async () => {
    const { fixtureBtf } = await import("../frontend/btf-fixture.ts");
    const { LazyBtf } = await import("../../core/btf/index.ts");
    const source = `import { RingBuf, currentTask, tracepoint, u32, zeroed } from "tsbpf";
interface Ev { tag: u32; tgid: u32; pid: u32; sum: u32 }
const events = new RingBuf<Ev>({ maxEntries: 4096 });
export const prog = tracepoint("sched/sched_process_exec", () => {
  const task = currentTask();
  const e: Ev = zeroed();
  e.tag = 7;
  e.tgid = u32(task.tgid);
  e.pid = u32(task.pid);
  e.sum = 3333;
  events.output(e);
  return 0;
});
export const license = "GPL";
`;
    const build = async (optimize: boolean) => {
      const out = await compileSource(source, "fwd.ts", { optimize, btf: fixtureBtf() });
      if (!out.object) throw new Error(formatDiagnostics(out.diagnostics, { "fwd.ts": source }));
      return out;
    };
    // optimised, the two task fields are read straight into the record: no 4-byte temporaries
    const opt = await build(true);
    const optIr = (await compileSource(source, "fwd.ts", { emit: "ir-opt", btf: fixtureBtf() }))
      .irOpt!;
    expect(optIr).not.toContain("load.4");
    expect(optIr.match(/bpf_probe_read_kernel/g)).toHaveLength(2);
    const task = 0xffff888000a00000n;
    const memory = new Uint8Array(2048);
    new DataView(memory.buffer).setUint32(1264, 1111, true); // pid (fixture offset)
    new DataView(memory.buffer).setUint32(1268, 2222, true); // tgid
    for (const out of [await build(false), opt]) {
      const vm = VmObject.load(out.object!, {
        coreBtf: new LazyBtf(fixtureBtf(), "fixture"),
        kernelMemory: [{ address: task, bytes: memory }],
      });
      vm.setProcess({ task });
      expect(vm.program("prog").run().r0).toBe(0n);
      const [rec] = vm.ringbuf("events").drain();
      const want = new Uint8Array(16);
      [7, 2222, 1111, 3333].forEach((x, k) => new DataView(want.buffer).setUint32(k * 4, x, true));
      expect(hex(rec!)).toBe(hex(want));
    }
  });
});
