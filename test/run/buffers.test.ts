/**
 * Ring buffer and perf buffer consumers against the real kernel: a clang-built XDP program run with
 * BPF_PROG_TEST_RUN writes sequence-numbered records (every third ring buffer record discarded);
 * the consumers must deliver them in order, skip discards, survive wrap-around, decode records
 * with the object's `struct event`, and wake an epoll waiter.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBpfObject, type BpfObject } from "../../core/object/index.ts";
import { loadObject, testRun, type LoadedObject } from "../../runtime/loader/index.ts";
import {
  Epoll,
  PerfBufferReader,
  RingBufferReader,
  TracePipeReader,
  decodeRecord,
  usesPrintk,
  recordCodec,
  type UserValue,
} from "../../runtime/user/index.ts";
import { allowedCpus, pinToCpu } from "../support/cpu-pin.ts";
import { clangForFixtures, kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("ring/perf buffer consumers");
const clang = run ? clangForFixtures("ring/perf buffer consumers") : undefined;

describe.runIf(run && clang)("kernel ring and perf buffers", () => {
  let dir: string;
  let obj: BpfObject;
  let loaded: LoadedObject;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-run-buffers-"));
    const out = join(dir, "buffers.o");
    execFileSync(clang!, [
      "-O2",
      "-g",
      "-target",
      "bpf",
      "-mcpu=v3",
      "-I/usr/include/x86_64-linux-gnu",
      "-c",
      join(import.meta.dirname, "fixtures/buffers.bpf.c"),
      "-o",
      out,
    ]);
    obj = readBpfObject(readFileSync(out));
    loaded = loadObject(obj);
  });

  afterAll(() => {
    loaded?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fire = (n: number) =>
    testRun(loaded.program("rb_xdp"), { data: new Uint8Array(60), repeat: n });

  it("delivers ring buffer records in order, skips discards, and wraps around", () => {
    const map = loaded.map("events");
    const reader = new RingBufferReader(map.fd, map.maxEntries, "events");
    const codec = recordCodec(
      obj,
      obj.maps.find((m) => m.name === "events")!,
    )!;
    expect(codec.kind).toBe("struct");
    const seen: bigint[] = [];
    try {
      // 32-byte records (8 header + 24 sample) in a 4096-byte ring: 128 fit, so 10 rounds of 40
      // runs wrap the ring three times.
      for (let round = 0; round < 10; round++) {
        fire(40);
        for (const b of reader.consume()) {
          const v = decodeRecord(codec, b) as { seq: bigint; len: number; tag: string };
          expect(v.tag).toBe("ringbuf");
          expect(v.len).toBe(60);
          seen.push(v.seq);
        }
      }
      expect(reader.pending).toBe(0);
    } finally {
      reader.close();
    }
    const first = seen[0]!;
    const expected: bigint[] = [];
    for (let n = first; expected.length < seen.length; n++) if (n % 3n !== 2n) expected.push(n);
    expect(seen).toEqual(expected);
    expect(seen.length).toBeGreaterThanOrEqual(266);
  });

  it("stops at the ring's capacity without losing order, and resumes", () => {
    const map = loaded.map("events");
    const reader = new RingBufferReader(map.fd, map.maxEntries, "events");
    try {
      reader.consume();
      fire(300); // more than fits: the kernel's reserve fails once the ring is full
      const first = reader.consume().map((b) => (decodeRecord(undefined, b) as Uint8Array).length);
      expect(first.length).toBeGreaterThan(50);
      expect(first.length).toBeLessThanOrEqual(128);
      expect(first.every((n) => n === 24)).toBe(true);
      fire(3);
      expect(reader.consume().length).toBeGreaterThanOrEqual(2);
    } finally {
      reader.close();
    }
    expect(reader.consume()).toEqual([]);
  });

  it("delivers perf samples per CPU with their payload", () => {
    const perf = new PerfBufferReader(loaded.map("samples"));
    const codec = recordCodec(
      obj,
      obj.maps.find((m) => m.name === "samples")!,
    )!;
    const got: UserValue[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        fire(30);
        for (const s of perf.consume()) got.push(decodeRecord(codec, s.data));
      }
    } finally {
      perf.close();
    }
    expect(got).toHaveLength(150);
    const seqs = got.map((v) => (v as { seq: bigint }).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    expect(
      got.every((v) => (v as { tag: string }).tag === "perf" && (v as { len: number }).len === 7),
    ).toBe(true);
    expect(perf.lost).toBe(0n);
  });

  it("counts the samples the kernel lost when a perf ring was full, and loses no other", () => {
    // One data page per CPU holds ~100 of these records; 1000 are sent unread. The kernel writes
    // its PERF_RECORD_LOST once there is room again, ahead of the next sample — on that CPU's
    // ring, so every run here stays on one CPU (test runs may otherwise migrate between repeats).
    const perf = new PerfBufferReader(loaded.map("samples"), 1);
    const restore = pinToCpu(allowedCpus()[0]!);
    let got = 0;
    let after = 0;
    try {
      fire(1000);
      got = perf.consume().length;
      fire(1);
      after = perf.consume().length;
    } finally {
      restore();
      perf.close();
    }
    expect(got).toBeGreaterThan(50);
    expect(got).toBeLessThan(1000);
    expect(after).toBe(1);
    expect(perf.lost).toBe(BigInt(1000 - got));
  });

  it("wakes an epoll waiter when a record arrives", async () => {
    const map = loaded.map("events");
    const reader = new RingBufferReader(map.fd, map.maxEntries, "events");
    const ep = new Epoll();
    try {
      reader.consume();
      ep.add(map.fd, "test");
      const t0 = Date.now();
      setTimeout(() => fire(3), 50); // three runs: two records submitted, one discarded
      await ep.wait(5000);
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(reader.consume()).toHaveLength(2);
    } finally {
      reader.close();
      await ep.close();
    }
  });

  it("reads bpf_printk lines from trace_pipe", async () => {
    expect(usesPrintk(obj)).toBe(true);
    const pipe = new TracePipeReader();
    const mine: string[] = [];
    try {
      pipe.poll();
      // trace_pipe is shared by the whole machine: retry in case another reader took a line.
      for (let i = 0; i < 30 && mine.length === 0; i++) {
        testRun(loaded.program("say_xdp"), { data: new Uint8Array(60) });
        await new Promise((r) => setTimeout(r, 100));
        for (const l of pipe.poll()) {
          if (l.message === "tsbpf-buffers says 42") {
            expect(l.pid).toBe(process.pid);
            mine.push(l.message);
          }
        }
      }
    } finally {
      pipe.close();
    }
    expect(mine.length).toBeGreaterThan(0);
    expect(pipe.poll()).toEqual([]);
  });
});
