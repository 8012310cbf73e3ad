/**
 * End to end: C programs under fixtures/ compiled by clang-19, read by core/object, loaded and run in
 * the VM with both engines; assertions on return values, map contents, ring buffer samples and
 * printk lines.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VmObject, VmApiError } from "../../runtime/vm/api.ts";
import { cString, struct, u32, u64 } from "../../runtime/vm/codecs.ts";
import { capability, hasCommand } from "../support/env.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const NAMES = [
  "pid-counter",
  "xdp-proto",
  "ringbuf-events",
  "printk",
  "globals-calls",
  "tail-call",
  "tc-len",
] as const;
const haveClang = capability("clang-19", hasCommand("clang-19"), "VM end-to-end tests");
const objects = new Map<string, Uint8Array>();
let dir = "";

beforeAll(() => {
  if (!haveClang) return;
  dir = mkdtempSync(join(tmpdir(), "tsbpf-vm-e2e-"));
  for (const name of NAMES) {
    const out = join(dir, `${name}.o`);
    execFileSync("clang-19", [
      ...["-O2", "-g", "-target", "bpf", "-mcpu=v3", "-I/usr/include/x86_64-linux-gnu"],
      ...["-c", join(FIXTURES, `${name}.bpf.c`), "-o", out],
    ]);
    objects.set(name, readFileSync(out));
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An Ethernet + IPv4 header (20 bytes, no options) followed by `payload`. */
function ipv4Packet(protocol: number, saddr: number[], payload: number[] = []): Uint8Array {
  const p = new Uint8Array(14 + 20 + payload.length);
  p.set([0x08, 0x00], 12);
  p[14] = 0x45;
  p[23] = protocol;
  p.set(saddr, 26);
  p.set([192, 168, 0, 1], 30);
  p.set(payload, 34);
  return p;
}

describe.skipIf(!haveClang).each(["interpreter", "jit"] as const)("engine %s", (engine) => {
  const load = (name: string, opts = {}) => VmObject.load(objects.get(name)!, { engine, ...opts });

  it("counts events per pid in a hash map", () => {
    const obj = load("pid-counter", { process: { pid: 5, tgid: 500 } });
    const prog = obj.program("tracepoint/syscalls/sys_enter_openat");
    expect(prog.name).toBe("count_opens");
    expect(prog.progType).toBe("TRACEPOINT");
    for (let i = 0; i < 4; i++) expect(prog.run().r0).toBe(0n);
    const counts = obj.map("counts").as(u32, u64);
    expect(counts.entries()).toEqual([[500, 4n]]);
    counts.set(9, 41n);
    expect(counts.get(9)).toBe(41n);
  });

  it("parses packets in XDP, counts per protocol on each CPU, drops a blocked source", () => {
    const obj = load("xdp-proto", { cpus: 2 });
    const prog = obj.program("xdp_filter");
    expect(prog.loaded.ctxLoadsRewritten).toBe(2);
    const XDP_DROP = 1n;
    const XDP_PASS = 2n;
    expect(prog.run({ packet: ipv4Packet(17, [10, 0, 0, 66]) }).r0).toBe(XDP_PASS);
    obj.map(".rodata").set(0, new Uint8Array([10, 0, 0, 66]));
    expect(prog.run({ packet: ipv4Packet(17, [10, 0, 0, 66]) }).r0).toBe(XDP_DROP);
    expect(prog.run({ packet: ipv4Packet(6, [10, 0, 0, 1]), cpu: 1 }).r0).toBe(XDP_PASS);
    expect(prog.run({ packet: ipv4Packet(6, [10, 0, 0, 1]) }).r0).toBe(XDP_PASS);
    const arp = new Uint8Array(42);
    arp.set([0x08, 0x06], 12);
    expect(prog.run({ packet: arp }).r0).toBe(XDP_PASS);
    expect(prog.run({ packet: new Uint8Array(10) }).r0).toBe(0n); // XDP_ABORTED: too short
    const counts = obj.map("proto_counts").as(u32, u64);
    expect(counts.getAllCpus(17)).toEqual([2n, 0n]);
    expect(counts.getAllCpus(6)).toEqual([1n, 1n]);
    expect(obj.map(".bss").as(u32, u64).get(0)).toBe(1n);
  });

  it("rejects writes to .rodata from the program side and packets for non-packet programs", () => {
    const obj = load("pid-counter");
    expect(() => obj.program("count_opens").run({ packet: new Uint8Array(20) })).toThrow(
      VmApiError,
    );
    expect(() => obj.program("nope")).toThrow(/no program nope; the object has: count_opens/);
    expect(() => obj.map("nope")).toThrow(/no map nope/);
  });

  it("reads __sk_buff packet pointers in a tc program", () => {
    const obj = load("tc-len");
    const prog = obj.program("sum_payload");
    expect(prog.progType).toBe("SCHED_CLS");
    expect(prog.run({ packet: ipv4Packet(17, [1, 2, 3, 4], [1, 2, 3]) }).r0).toBe(0n);
    // Sum of the 20-byte IPv4 header plus payload bytes 1+2+3.
    const header = ipv4Packet(17, [1, 2, 3, 4]).subarray(14);
    const expected = header.reduce((a, b) => a + b, 0) + 6;
    expect(obj.map("sums").as(u32, u64).get(0)).toBe(BigInt(expected));
    expect(prog.run({ packet: new Uint8Array(4) }).r0).toBe(2n); // TC_ACT_SHOT
  });

  it("emits ring buffer records, skipping discarded ones", () => {
    const obj = load("ringbuf-events", { process: { pid: 3, tgid: 30, comm: "bash" } });
    const prog = obj.program("emit");
    expect([1, 2, 3].map(() => prog.run().r0)).toEqual([0n, 0n, 2n]);
    const event = struct({ pid: u32, seq: u32, comm: cString(16) });
    const samples = obj.ringbuf("events").drain();
    expect(samples.map((s) => s.length)).toEqual([24, 8, 24, 8]);
    expect(event.decode(samples[0]!)).toEqual({ pid: 30, seq: 1, comm: "bash" });
    expect(u64.decode(samples[1]!)).toBe(0xabcdefn);
    expect(event.decode(samples[2]!).seq).toBe(2);
    expect(obj.ringbuf("events").drain()).toEqual([]);
  });

  it("formats bpf_printk lines from u64 arguments", () => {
    const obj = load("printk", { process: { pid: 9, tgid: 90, comm: "sleep" }, cpus: 4 });
    obj.program("hello").run({ args: [123n, 0xbeefn], cpu: 3 });
    expect(obj.printk()).toEqual(["hello from sleep pid 90", "arg0=123 arg1=beef cpu=3 neg=-5"]);
  });

  it("links .text subprograms and keeps global data across runs", () => {
    const obj = load("globals-calls");
    const prog = obj.program("entry");
    // calls=1: total = 100 + 1*1*3 + 1; calls=2: + 2*2*3 + 2.
    expect(prog.run().r0).toBe(104n);
    expect(prog.run().r0).toBe(118n);
    obj.map(".rodata").set(0, 10n);
    expect(prog.run().r0).toBe(118n + 9n * 10n + 3n);
    expect(obj.map(".bss").as(u32, u64).get(0)).toBe(3n);
    expect(obj.map(".data").as(u32, u64).get(0)).toBe(211n);
  });

  it("tail-calls through a prog array", () => {
    const obj = load("tail-call");
    const dispatch = obj.program("dispatch");
    const packet = new Uint8Array(60);
    expect(dispatch.run({ packet }).r0).toBe(99n);
    obj.setTailCall("jump", 1, "handler_b");
    obj.map("jump").set(0, obj.program("handler_a").id);
    expect(() => obj.map("jump").set(2, 999)).toThrow(/EBADF/);
    expect(dispatch.run({ packet, mark: 0 }).r0).toBe(10n);
    // 20 + skb->len: a socket filter's skb starts after the frame's 14-byte Ethernet header.
    expect(dispatch.run({ packet, mark: 1 }).r0).toBe(66n);
    expect(dispatch.run({ packet, mark: 3 }).r0).toBe(99n);
    expect(obj.map(".bss").as(u32, u64).get(0)).toBe(30n);
    expect(obj.map("jump").delete(1)).toBe(true);
    expect(dispatch.run({ packet, mark: 1 }).r0).toBe(99n);
  });
});
