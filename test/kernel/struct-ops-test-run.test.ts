/**
 * A struct_ops member run on the same arguments by the kernel and by the VM: bpf_dummy_ops
 * (test/kernel/kinds/dummy-ops.ts) is the struct_ops type BPF_PROG_TEST_RUN runs
 * (net/bpf/bpf_dummy_struct_ops.c: ctx_in is one u64 per argument, the first a user pointer to a
 * `struct bpf_dummy_ops_state` the kernel copies in and back). test_2 takes
 * (state, int, unsigned short, char, unsigned long) and computes from the scalars; the VM gets the
 * same words (the state pointer as a KernelHeap struct), and both return the same value for each
 * argument tuple — out-of-range words included, which both narrow to the argument's BTF type
 * (this kernel's `char` is unsigned). test_1's state is nullable: both run it with a null pointer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { loadObject, testRun, type LoadedObject } from "../../runtime/loader/index.ts";
import { addressOf } from "../../runtime/loader/sys/libc.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { KernelHeap } from "../../testing/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("struct_ops test runs (bpf_dummy_ops)");
const FIXTURE = "test/kernel/kinds/dummy-ops.ts";
const words = (w: readonly bigint[]) => new Uint8Array(new BigUint64Array(w).buffer);
const neg = (n: bigint) => BigInt.asUintN(64, n);

/** test_2's arguments after the state: int, unsigned short, char, unsigned long. */
function tuples(): bigint[][] {
  const out: bigint[][] = [
    [5n, 7n, 2n, 0x12345n],
    [neg(-4n), 65535n, neg(-1n), 1n],
    [0n, 0n, 0n, 0n],
    [0x7fffffffn, 0x1ffffn, 0x1ffn, neg(-1n)],
  ];
  let x = 0x9e3779b97f4a7c15n; // splitmix64, fixed seed
  const next = () => {
    x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
    let z = x;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  for (let i = 0; i < 60; i++) out.push([next(), next(), next(), next()]);
  return out;
}

describe.skipIf(!run)("bpf_dummy_ops: the kernel's test run and the VM agree", () => {
  let loaded: LoadedObject;
  let vm: VmObject;
  let vmState: bigint;

  beforeAll(async () => {
    const src = readFileSync(join(import.meta.dirname, "../..", FIXTURE), "utf8");
    const out = await compileSource(src, FIXTURE, { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    loaded = loadObject(out.object!);
    const heap = new KernelHeap();
    vmState = heap.struct("bpf_dummy_ops_state", { val: 4 });
    vm = VmObject.load(out.object!, { coreBtf: heap.btf, kernelMemory: heap.ranges() });
    return () => loaded.close();
  });

  it("test_2 returns the same value on every argument tuple", () => {
    const kernel: number[] = [];
    const ours: number[] = [];
    for (const args of tuples()) {
      const state = new Uint8Array(new Int32Array([4]).buffer);
      const r = testRun(loaded.programs.get("dummy_test_2")!.program, {
        ctx: words([addressOf(state), ...args]),
      });
      kernel.push(r.retval | 0);
      expect([...state]).toEqual([4, 0, 0, 0]); // copied back unchanged
      ours.push(
        Number(BigInt.asIntN(32, vm.program("dummy_test_2").run({ args: [vmState, ...args] }).r0)),
      );
    }
    expect(ours).toEqual(kernel);
    // What the member computes, so the agreement is about the right numbers.
    expect(kernel.slice(0, 3)).toEqual([15 + 7 - 2 + 0x2345, -12 + 65535 - 255 + 1, 0]);
  });

  it("test_1 (nullable state) runs on a null pointer on both", () => {
    const r = testRun(loaded.programs.get("dummy_test_1")!.program, { ctx: words([0n]) });
    expect(r.retval).toBe(7);
    expect(vm.program("dummy_test_1").run({ args: [0n] }).r0).toBe(7n);
  });
});
