/**
 * BPF_MAP_TYPE_USER_RINGBUF from TypeScript (test/kernel/kinds/user-ringbuf.ts): user space writes
 * samples (tsbpf/user's UserRingBufferWriter into the kernel's mapping, `write` on the VM's map),
 * the program drains them with bpf_user_ringbuf_drain, reading each through bpf_dynptr_read in its
 * callback. On the live kernel (BPF_PROG_TEST_RUN) and in the VM the same samples give the same
 * totals, drain counts and callback calls — including a drain the callback stops early, the
 * samples it left for the next run, an empty buffer, and a full buffer refusing a sample.
 */
import { describe, expect, it } from "vitest";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { UserRingBufMap } from "../../runtime/maps/index.ts";
import { UserRingBufferWriter } from "../../runtime/user/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { buildFixture, i64, itLoadsWithLibbpf, u32 } from "../support/fixture.ts";

const FILE = "test/kernel/kinds/user-ringbuf.ts";

const build = () => buildFixture(FILE);

const sample = (id: number, amount: number) => new Uint8Array(new Uint32Array([id, amount]).buffer);

/** One side of the comparison: write a sample, run the program, read a map slot. */
interface Side {
  write(s: Uint8Array): boolean;
  run(): void;
  read(map: string, slot: number): bigint;
}

/** Runs, records drain results and totals after each step. */
function scenario(side: Side): unknown {
  const steps: unknown[] = [];
  const observe = () => {
    side.run();
    steps.push({
      drained: side.read("drained", 0),
      seen: side.read("drained", 1),
      totals: [0, 1, 2, 3].map((i) => side.read("totals", i)),
    });
  };
  [sample(1, 10), sample(2, 20), sample(5, 7)].forEach((s) => expect(side.write(s)).toBe(true));
  observe(); // all three drained
  [sample(0, 3), sample(1, 0), sample(3, 4)].forEach((s) => expect(side.write(s)).toBe(true));
  observe(); // the zero amount stops the drain: (3,4) is left
  observe(); // drains the leftover
  observe(); // nothing pending
  // 16-byte slots (8-byte header + 8-byte sample): 256 fill the 4096-byte buffer.
  let written = 0;
  while (side.write(sample(2, 1))) written++;
  steps.push({ written });
  observe();
  return steps;
}

/** The VM's side: its map's `write`, a run on a 64-byte frame. */
function vmSide(vm: VmObject): Side {
  const inbox = vm.map("inbox").map as UserRingBufMap;
  return {
    write: (s) => inbox.write(s),
    run: () => void vm.program("drain").run({ packet: new Uint8Array(64) }),
    read: (map, slot) => i64(vm.map(map).map.lookup(u32(slot))!),
  };
}

describe("user ring buffer", () => {
  itLoadsWithLibbpf(FILE, "user_ringbuf");

  it("the VM drains what user space wrote, and the kernel agrees", async () => {
    const bytes = await build();
    const vmSeen = scenario(vmSide(VmObject.load(bytes)));
    // The interpreter and the JIT (the default) agree.
    expect(scenario(vmSide(VmObject.load(bytes, { engine: "interpreter" })))).toEqual(vmSeen);
    expect(vmSeen).toEqual([
      // ids 1 and 5 share slot 1 (id & 3)
      { drained: 3n, seen: 3n, totals: [0n, 17n, 20n, 0n] },
      { drained: 2n, seen: 2n, totals: [3n, 17n, 20n, 0n] },
      { drained: 1n, seen: 1n, totals: [3n, 17n, 20n, 4n] },
      { drained: 0n, seen: 0n, totals: [3n, 17n, 20n, 4n] },
      { written: 256 },
      { drained: 256n, seen: 256n, totals: [3n, 17n, 276n, 4n] },
    ]);
    if (!kernelReady("user_ringbuf on the kernel")) return;
    const obj = loadObject(bytes);
    const writer = new UserRingBufferWriter(obj.map("inbox").fd, 4096, "inbox");
    try {
      const kernelSeen = scenario({
        write: (s) => writer.write(s),
        run: () => void testRun(obj.program("drain"), { data: new Uint8Array(64) }),
        read: (map, slot) => i64(obj.map(map).lookup(u32(slot))!),
      });
      expect(kernelSeen).toEqual(vmSeen);
    } finally {
      writer.close();
      obj.close();
    }
  });
});
