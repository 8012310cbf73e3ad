/**
 * The stdlib helpers the front end lowers inline (test/frontend/cases/stdlib-helpers.ts, whose IR
 * shape the golden tests pin), run in the VM and compared with JavaScript references: `log2` without
 * and with a cap at every power-of-two boundary of a u64, and the network header structs parsing real
 * frames at the kernel's offsets (an IPv4 header with options moves the TCP header).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { VmObject } from "../../runtime/vm/api.ts";
import { ethernet, ipv4Packet } from "../examples/support.ts";
import { loadCase, run } from "./support.ts";

/** floor(log2(v)) with 0 for 0, the reference for both lowerings. */
const floorLog2 = (v: bigint): bigint => (v === 0n ? 0n : BigInt(v.toString(2).length - 1));

/** 0..3, then 2^k - 1, 2^k, 2^k + 1 for every k, and a few irregular values. */
const INPUTS: bigint[] = [
  0n,
  1n,
  2n,
  3n,
  ...Array.from({ length: 62 }, (_, i) => 1n << BigInt(i + 2)).flatMap((p) => [p - 1n, p, p + 1n]),
  0xffff_ffff_ffff_ffffn,
  1000n,
  123_456_789n,
  0x8000_0000_0000_0001n,
  0x1_0000_ffffn,
];

describe("log2", () => {
  let obj: VmObject;
  beforeAll(async () => void (obj = await loadCase("stdlib-helpers")));

  it("is floor(log2(v)) for every u64 boundary (binary search)", () => {
    for (const v of INPUTS) expect(run(obj, "log2Of", v), `v=${v}`).toBe(floorLog2(v));
  });

  it("with a cap is clamped to it (bounded loop)", () => {
    for (const v of INPUTS) {
      const want = floorLog2(v) < 25n ? floorLog2(v) : 25n;
      expect(run(obj, "log2Slot", v), `v=${v}`).toBe(want);
    }
  });

  it("folds constant arguments", () => {
    expect(run(obj, "log2Folded")).toBe(9n + 63n + 0n + 4n * 1000n);
  });
});

describe("network headers", () => {
  let obj: VmObject;
  beforeAll(async () => void (obj = await loadCase("stdlib-helpers")));

  /** A TCP header: ports, seq/ack, data offset 5, `flags`, window. */
  const tcp = (dest: number, flags: number): Uint8Array => {
    const t = new Uint8Array(20);
    t.set([0x30, 0x39, dest >> 8, dest & 0xff]);
    t[12] = 5 << 4;
    t[13] = flags;
    return t;
  };
  const frame = (dest: number, flags: number, ihl = 5, protocol = 6): Uint8Array =>
    ethernet(
      0x0800,
      ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol, ihl, payload: tcp(dest, flags) }),
    );
  const verdict = (packet: Uint8Array): bigint => obj.program("dropSyn80").run({ packet }).r0;

  it("reads EthHdr.h_proto, Ipv4Hdr.protocol/version_ihl and TcpHdr.dest/flags at the kernel's offsets", () => {
    expect(verdict(frame(80, 0x02))).toBe(1n); // SYN to :80 → XDP_DROP
    expect(verdict(frame(80, 0x12))).toBe(1n); // SYN|ACK still has SYN
    expect(verdict(frame(80, 0x10))).toBe(2n); // ACK only
    expect(verdict(frame(443, 0x02))).toBe(2n); // other port
    expect(verdict(frame(80, 0x02, 5, 17))).toBe(2n); // UDP
    expect(verdict(ethernet(0x86dd, new Uint8Array(60)))).toBe(2n); // not IPv4
  });

  it("follows the IHL to a TCP header after IPv4 options, and passes truncated frames", () => {
    expect(verdict(frame(80, 0x02, 6))).toBe(1n);
    expect(verdict(frame(80, 0x02, 15))).toBe(1n);
    expect(verdict(frame(80, 0x02).slice(0, 14 + 20 + 19))).toBe(2n);
    expect(verdict(frame(80, 0x02).slice(0, 14 + 19))).toBe(2n);
  });
});
