/**
 * KernelHeap (runtime/vm/kernel-heap.ts, exported by tsbpf/test): kernel structs laid out by a BTF for the VM. Checked
 * against the BTF's own field offsets (read here through core/btf's field walk), and for the
 * errors a test author gets on a wrong path or value.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BtfKindNumber } from "../../core/btf/index.ts";
import { KernelHeap } from "../../testing/index.ts";

const VMLINUX = "/sys/kernel/btf/vmlinux";

describe.runIf(existsSync(VMLINUX))("KernelHeap", () => {
  const heap = new KernelHeap(VMLINUX, 0xffff888020000000n);
  const offsetOf = (struct: string, field: string) => {
    const id = heap.btf.find(BtfKindNumber.struct, struct)!;
    return heap.btf.fields(id).find((f) => f.name === field)!.bitOffset / 8;
  };
  const range = (addr: bigint) => heap.ranges().find((r) => r.address === addr)!;

  it("writes integers, pointers and arrays at the BTF's offsets, sized as the BTF says", () => {
    const parent = heap.struct("task_struct", {});
    const t = heap.struct("task_struct", { tgid: 1234, real_parent: parent, comm: "worker" });
    const r = range(t);
    const id = heap.btf.find(BtfKindNumber.struct, "task_struct")!;
    expect(r.bytes.length).toBe(heap.btf.sizeOf(id));
    const v = new DataView(r.bytes.buffer);
    expect(v.getInt32(offsetOf("task_struct", "tgid"), true)).toBe(1234);
    expect(v.getBigUint64(offsetOf("task_struct", "real_parent"), true)).toBe(parent);
    const comm = offsetOf("task_struct", "comm");
    expect(new TextDecoder().decode(r.bytes.subarray(comm, comm + 7))).toBe("worker\0");
    expect(t).toBeGreaterThan(parent); // separate ranges, increasing addresses
    expect(t - parent).toBeGreaterThanOrEqual(BigInt(r.bytes.length));
  });

  it("finds members of anonymous unions by name, and nested paths", () => {
    const s = heap.struct("sock", { "__sk_common.skc_dport": 0xbb01 });
    const common = offsetOf("sock", "__sk_common");
    const bytes = range(s).bytes;
    // skc_dport sits in an anonymous struct inside an anonymous union of sock_common.
    const at = bytes.findIndex((b, i) => b === 0x01 && bytes[i + 1] === 0xbb);
    expect(at).toBeGreaterThanOrEqual(common);
    expect([...bytes.filter((b) => b !== 0)]).toEqual([0x01, 0xbb]);
  });

  it("sets bitfields without touching their neighbours", () => {
    const t = heap.struct("task_struct", { in_execve: 1 });
    const set = range(t).bytes.reduce((n, b) => n + b.toString(2).replaceAll("0", "").length, 0);
    expect(set).toBe(1);
    expect(() => heap.struct("task_struct", { in_execve: 2 })).toThrow(
      "struct task_struct.in_execve is 1 bits: 2",
    );
  });

  it("names the struct and path of a wrong field or value", () => {
    expect(() => heap.struct("task_struct", { no_such: 1 })).toThrow(
      "struct task_struct has no field no_such (no member no_such)",
    );
    expect(() => heap.struct("task_struct", { "mm.exe_file": 1 })).toThrow(/no member exe_file/);
    expect(() => heap.struct("task_struct", { tgid: "x" })).toThrow(/is not an array/);
    expect(() => heap.struct("task_struct", { tgid: 2n ** 33n })).toThrow(/does not fit/);
    expect(() => heap.struct("task_struct", { comm: "x".repeat(17) })).toThrow(/holds 16 bytes/);
    expect(() => heap.struct("no_such_struct")).toThrow(/has no struct no_such_struct/);
  });

  it("makes the pointee of a pointer field given as fields, and updates a struct in place", () => {
    const t = heap.struct("task_struct", { tgid: 7, real_parent: { tgid: 1, comm: "init" } });
    const v = new DataView(range(t).bytes.buffer);
    const parent = v.getBigUint64(offsetOf("task_struct", "real_parent"), true);
    const pv = new DataView(range(parent).bytes.buffer);
    expect(pv.getInt32(offsetOf("task_struct", "tgid"), true)).toBe(1);
    heap.update(t, "task_struct", { tgid: 8 });
    expect(v.getInt32(offsetOf("task_struct", "tgid"), true)).toBe(8);
    expect(heap.bytes(t)).toBe(range(t).bytes);
    expect(() => heap.struct("task_struct", { pid: { x: 1 } })).toThrow(
      "struct task_struct.pid is not a pointer to a named struct: give a number",
    );
    expect(() => heap.bytes(1n)).toThrow(/not a struct or string of this heap/);
  });

  it("places structs where its allocator says", () => {
    const placed: string[] = [];
    let next = 0x1000n;
    const h = new KernelHeap(heap.btf, (size, what) => {
      placed.push(what);
      const address = next;
      next += 0x10000n;
      return { address, bytes: new Uint8Array(size) };
    });
    const t = h.struct("task_struct", { real_parent: {} });
    expect(t).toBe(0x1000n);
    expect(placed).toEqual(["struct task_struct", "struct task_struct"]);
  });
});
