/**
 * tsbpf/test's inputs: packet builders checked against known byte vectors and against tcpdump's own
 * checksum verification (an independent implementation), field overrides, address parsing, and
 * tracepoint contexts checked against the kernel's tracefs format files.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tracepointCodec } from "../../testing/context.ts";
import {
  AddressError,
  ethernet,
  icmp,
  icmpv6,
  internetChecksum,
  ipv4,
  ipv4Bytes,
  ipv4Word,
  ipv6,
  ipv6Bytes,
  macBytes,
  packet,
  PacketError,
  payload,
  tcp,
  tracepointContext,
  udp,
  vlan,
} from "../../testing/index.ts";
import { capability, hasCommand } from "../support/env.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));

describe("checksums and headers against known vectors", () => {
  it("computes the RFC 1071 sum (its worked example) and the textbook IPv4 header", () => {
    // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2; the checksum is its complement.
    expect(internetChecksum(bytes("0001f203f4f5f6f7"))).toBe(~0xddf2 & 0xffff);
    const h = packet(
      ipv4({
        src: "192.168.0.1",
        dst: "192.168.0.199",
        protocol: 17,
        dontFragment: true,
        totalLength: 0x73,
      }),
    );
    expect(hex(h)).toBe("450000730000400040 11b861c0a80001c0a800c7".replace(/ /g, ""));
  });

  it("fills EtherTypes, VLAN tags, IPv4 options, IPv6 extension chains and lengths", () => {
    const f = packet(
      ethernet({ src: "02:00:00:00:00:aa", dst: "ff:ff:ff:ff:ff:ff" }),
      vlan({ id: 100, pcp: 5, tpid: 0x88a8 }),
      vlan({ id: 7 }),
      ipv4({ src: "10.0.0.1", dst: "10.0.0.2", options: bytes("940400") }), // router alert, 3 of 4
      udp({ sport: 1, dport: 2 }),
      "hi",
    );
    expect(hex(f.subarray(0, 14))).toBe("ffffffffffff02000000 00aa88a8".replace(/ /g, ""));
    expect(hex(f.subarray(14, 22))).toBe("a064" + "8100" + "0007" + "0800");
    expect(f[22]).toBe(0x46); // IHL 6: one option word
    expect(hex(f.subarray(42, 46))).toBe("94040000"); // padded with End-of-Options
    expect((f[24]! << 8) | f[25]!).toBe(24 + 8 + 2); // total length
    expect(hex(f.subarray(46, 50))).toBe("00010002");
    expect((f[50]! << 8) | f[51]!).toBe(10); // UDP length

    const v6 = packet(
      ipv6({
        src: "2001:db8::1",
        dst: "2001:db8::2",
        extensions: [
          { type: "hop-by-hop", options: bytes("050200 00") }, // router alert
          { type: "routing", segmentsLeft: 0 },
          { type: "fragment", identification: 9 },
          { type: "destination" },
        ],
      }),
      tcp(),
    );
    expect(v6[6]).toBe(0); // hop-by-hop first
    const ext = v6.subarray(40);
    expect([ext[0], ext[1]]).toEqual([43, 0]); // → routing, 8 bytes
    expect([ext[8], ext[9]]).toEqual([44, 0]); // → fragment
    expect(ext[16]).toBe(60); // → destination options
    expect([ext[24], ext[25]]).toEqual([6, 0]); // → TCP
    expect((v6[4]! << 8) | v6[5]!).toBe(32 + 20); // payload length
    expect(v6.length).toBe(40 + 32 + 20);
  });

  it("writes given fields as given: wrong checksums, lying lengths, raw EtherTypes", () => {
    const f = packet(
      ethernet({ type: 0x1234 }),
      ipv4({ src: "1.1.1.1", dst: "2.2.2.2", checksum: 0xdead, totalLength: 9, ihl: 15 }),
      tcp({ checksum: 0xbeef, flags: { syn: true, ack: true }, dataOffset: 15 }),
    );
    expect(hex(f.subarray(12, 14))).toBe("1234");
    expect(f[14]).toBe(0x4f);
    expect(hex(f.subarray(16, 18))).toBe("0009");
    expect(hex(f.subarray(24, 26))).toBe("dead");
    expect(f[34 + 12]).toBe(0xf0);
    expect(f[34 + 13]).toBe(0x12);
    expect(hex(f.subarray(34 + 16, 34 + 18))).toBe("beef");
  });

  it("rejects layer lists and addresses it cannot build", () => {
    expect(() => packet(ethernet(), tcp())).toThrow(PacketError);
    expect(() => packet(ethernet(), tcp())).toThrow(/needs an IPv4 or IPv6 layer outside it/);
    expect(() => ipv4Bytes("10.0.0.256")).toThrow(AddressError);
    expect(() => ipv6Bytes("1::2::3")).toThrow(/bad IPv6 address/);
    expect(() => macBytes("02:00:00")).toThrow(/bad MAC address/);
  });

  it("parses IPv6 text forms and gives the u32 a probe loads from an IPv4 address", () => {
    expect(hex(ipv6Bytes("::1"))).toBe("0".repeat(31) + "1");
    expect(hex(ipv6Bytes("fe80::a:b"))).toBe("fe80" + "0".repeat(20) + "000a000b");
    expect(hex(ipv6Bytes("::ffff:10.0.0.1"))).toBe("0".repeat(20) + "ffff0a000001");
    expect(hex(ipv6Bytes("1:2:3:4:5:6:7:8"))).toBe("00010002000300040005000600070008");
    expect(ipv4Word("10.0.0.1")).toBe(0x0100000a);
  });
});

/** A pcap file (LINKTYPE_ETHERNET) of `frames`. */
function pcap(frames: readonly Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  parts.push(head);
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f));
  }
  return Buffer.concat(parts);
}

const tcpdump = capability("tcpdump", hasCommand("tcpdump", ["--version"]), "checksums vs tcpdump");

describe.runIf(tcpdump)("checksums against tcpdump's verification", () => {
  const v4 = { src: "192.0.2.1", dst: "198.51.100.7" };
  const v6 = { src: "2001:db8::1", dst: "2001:db8:1::ff" };
  const frames = [
    packet(ethernet(), ipv4(v4), tcp({ sport: 1234, dport: 80, flags: { syn: true } })),
    packet(
      ethernet(),
      ipv4({ ...v4, options: bytes("01010101") }),
      tcp({ options: bytes("020405b4") }),
      "GET / HTTP/1.0\r\n\r\n",
    ),
    packet(ethernet(), vlan({ id: 42 }), ipv4(v4), udp({ sport: 5353, dport: 53 }), "odd"),
    packet(ethernet(), ipv4(v4), icmp({ id: 7, seq: 1 }), "ping!"),
    packet(
      ethernet(),
      ipv6(v6),
      tcp({ sport: 5, dport: 443, flags: { ack: true, psh: true } }),
      "x",
    ),
    packet(
      ethernet(),
      ipv6({ ...v6, extensions: [{ type: "destination" }] }),
      udp({ dport: 123 }),
      "ntp",
    ),
    packet(ethernet(), ipv6(v6), icmpv6({ id: 1, seq: 2 }), "v6 ping"),
  ];

  function verdicts(list: readonly Uint8Array[]): string[] {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-pcap-"));
    try {
      writeFileSync(join(dir, "f.pcap"), pcap(list));
      const out = execFileSync("tcpdump", ["-nn", "-vvv", "-r", join(dir, "f.pcap")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      // Per packet, tcpdump says "(correct)" / "sum ok" for good TCP/UDP/ICMPv6 sums, and names
      // every bad one: "(incorrect", "bad [udp ]cksum", "wrong icmp cksum" (IPv4 header and ICMP
      // sums are mentioned only when wrong).
      return (
        out.match(/\(correct\)|sum ok|\(incorrect|bad (?:udp |tcp )?cksum|wrong icmp cksum/g) ?? []
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("tcpdump finds every IPv4, TCP, UDP, ICMP and ICMPv6 checksum correct", () => {
    const v = verdicts(frames);
    expect(v.filter((x) => x !== "(correct)" && x !== "sum ok")).toEqual([]);
    // Two IPv4 TCP, two UDP, one IPv6 TCP, one ICMPv6: each confirmed.
    expect(v).toHaveLength(6);
  });

  it("and flags a checksum given wrong on purpose", () => {
    const bad = [
      packet(ethernet(), ipv4(v4), udp({ checksum: 0x1234 }), "x"),
      packet(ethernet(), ipv4({ ...v4, checksum: 0x1234 }), tcp()),
      packet(ethernet(), ipv4(v4), icmp({ checksum: 0x1234 })),
      packet(ethernet(), ipv6(v6), tcp({ checksum: 0x1234 })),
    ];
    expect(verdicts(bad)).toEqual([
      "bad udp cksum",
      "bad cksum",
      "(correct)", // the TCP segment inside the bad IPv4 header is fine
      "wrong icmp cksum",
      "(incorrect",
    ]);
  });
});

describe("tracepoint contexts", () => {
  it("lays out the stdlib struct with given fields, zero elsewhere", () => {
    const b = tracepointContext("sched/sched_switch", {
      prev_comm: "a",
      next_pid: 7,
      prev_state: 1,
    });
    const codec = tracepointCodec("sched/sched_switch");
    expect(b.length).toBe(codec.size);
    const v = new DataView(b.buffer);
    const off = (f: string) =>
      codec.kind === "struct" ? codec.fields.find((x) => x.name === f)!.offset : -1;
    expect(b[off("prev_comm")]).toBe(0x61);
    expect(v.getInt32(off("next_pid"), true)).toBe(7);
    expect(v.getBigInt64(off("prev_state"), true)).toBe(1n);
    expect(() => tracepointContext("sched/sched_switch", { nope: 1 } as never)).toThrow(
      /no field "nope"/,
    );
    expect(() => tracepointContext("nope/nope" as never)).toThrow(
      /declares no context for tracepoint nope\/nope/,
    );
  });

  const tracefs = "/sys/kernel/tracing/events";
  it.runIf(
    capability(
      "tracefs format files",
      existsSync(`${tracefs}/sched/sched_switch/format`),
      "tracepoint layouts",
    ),
  )("matches the kernel's own record layout (tracefs format) for every stdlib tracepoint", () => {
    const names = [
      "sched/sched_process_exec",
      "sched/sched_process_exit",
      "block/block_rq_issue",
      "block/block_rq_complete",
      "sock/inet_sock_set_state",
      "raw_syscalls/sys_enter",
      "raw_syscalls/sys_exit",
      "syscalls/sys_enter_openat",
      "sched/sched_switch",
      "sched/sched_wakeup",
    ];
    for (const name of names) {
      const format = readFileSync(`${tracefs}/${name}/format`, "utf8");
      const kernel = new Map(
        [
          ...format.matchAll(
            /field:.*?([A-Za-z_0-9]+)(?:\[\d*\])?;\s+offset:(\d+);\s+size:(\d+);/g,
          ),
        ].map((m) => [m[1]!, { offset: Number(m[2]), size: Number(m[3]) }]),
      );
      const codec = tracepointCodec(name);
      if (codec.kind !== "struct") throw new Error(`${name}: not a struct`);
      for (const f of codec.fields) {
        const k = kernel.get(f.name);
        expect(k, `${name}.${f.name} in the kernel's format`).toBeDefined();
        expect({ field: `${name}.${f.name}`, offset: f.offset }).toEqual({
          field: `${name}.${f.name}`,
          offset: k!.offset,
        });
      }
    }
  });
});
