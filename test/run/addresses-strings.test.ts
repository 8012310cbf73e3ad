/**
 * What user space prints for the stdlib's address types and for CharArray fields, decided by the
 * object's BTF alone (compiler/emit/btf.ts typedefs, runtime/user/map-codec.ts): `Ipv4Addr` /
 * `Ipv6Addr` keys and record fields as addresses in text, `--json` and the API; a CharArray as the
 * string before its first NUL even when older bytes follow it (a reused ring buffer slot).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { BtfBuilder } from "../../core/btf/index.ts";
import { readBpfObject, type BpfObject } from "../../core/object/index.ts";
import {
  codecFromBtf,
  decodeValue,
  encodeValue,
  formatEventJson,
  formatEventText,
  mapCodecs,
  parseUserValue,
  recordDecoder,
  renderMapText,
  toJson,
  VmSession,
} from "../../runtime/user/index.ts";
import { formatAddress, parseAddress } from "../../runtime/user/address.ts";

const SOURCE = `import { CharArray, HashMap, Ipv4Addr, Ipv6Addr, RingBuf, tracepoint, u32, u64 } from "tsbpf";
interface Conn { src: Ipv4Addr; dst6: Ipv6Addr; comm: CharArray<16>; raw: u32 }
const byAddr = new HashMap<Ipv4Addr, u64>({ maxEntries: 16 });
const byAddr6 = new HashMap<Ipv6Addr, u64>({ maxEntries: 16 });
const conns = new RingBuf<Conn>({ maxEntries: 4096 });
export const p = tracepoint("raw_syscalls/sys_enter", (ctx) => {
  const e = conns.reserve();
  if (e === null) return 0;
  e.value.src = 0x0200000a;
  e.value.raw = 0x0200000a;
  conns.submit(e);
  return 0;
});
export const license = "GPL";
`;

async function build(source: string): Promise<BpfObject> {
  const r = await compileSource(source, "t.ts", { emit: "obj", check: true });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return readBpfObject(r.object!);
}

function map(obj: BpfObject, name: string) {
  const def = obj.maps.find((m) => m.name === name);
  if (!def) throw new Error(`no map ${name}`);
  return def;
}

describe("address text", () => {
  it("prints IPv6 in RFC 5952 form and parses it back", () => {
    const cases: [string, number[]][] = [
      ["2001:db8::1", [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]],
      ["::", Array(16).fill(0)],
      ["::1", [...Array(15).fill(0), 1]],
      ["fe80::1:0:0:1", [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]],
      ["2001:db8:0:1:1:1:1:1", [0x20, 1, 0xd, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]],
      ["::ffff:10.0.0.2", [...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 2]],
    ];
    for (const [text, bytes] of cases) {
      expect(formatAddress("ipv6", Uint8Array.from(bytes))).toBe(text);
      expect([...parseAddress("ipv6", text)!]).toEqual(bytes);
    }
    expect(parseAddress("ipv6", "1::2::3")).toBeUndefined();
    expect(parseAddress("ipv6", "12345::")).toBeUndefined();
    expect(parseAddress("ipv4", "10.0.0.256")).toBeUndefined();
  });
});

describe("the stdlib's address types", () => {
  it("are typedefs in the object's BTF that decode as addresses, keys and record fields", async () => {
    const obj = await build(SOURCE);
    const key = mapCodecs(obj, map(obj, "byAddr")).key;
    expect(key).toEqual({ kind: "addr", size: 4, family: "ipv4" });
    // 10.0.0.2 as a packet carries it: the bytes 0a 00 00 02 (the u32 0x0200000a).
    expect(decodeValue(key, Uint8Array.of(10, 0, 0, 2))).toBe("10.0.0.2");
    expect([...encodeValue(key, "10.0.0.2")]).toEqual([10, 0, 0, 2]);
    expect([...encodeValue(key, 0x0200000a)]).toEqual([10, 0, 0, 2]);
    expect(() => encodeValue(key, "10.0.0.300", "key")).toThrow(/key: expected an IPv4 address/);
    const key6 = mapCodecs(obj, map(obj, "byAddr6")).key;
    expect(key6).toEqual({ kind: "addr", size: 16, family: "ipv6" });
    expect([...(parseUserValue(key6, "2001:db8::2", "key") as Uint8Array)]).toEqual([
      0x20,
      1,
      0xd,
      0xb8,
      ...Array(11).fill(0),
      2,
    ]);

    const rec = new Uint8Array(40);
    rec.set([10, 0, 0, 2], 0);
    rec.set([0x20, 1, 0xd, 0xb8, ...Array(11).fill(0), 1], 4);
    rec.set(new TextEncoder().encode("curl"), 20);
    rec.set([10, 0, 0, 2], 36);
    const value = recordDecoder(obj, map(obj, "conns"))(rec);
    expect(value).toEqual({ src: "10.0.0.2", dst6: "2001:db8::1", comm: "curl", raw: 0x0200000a });
    const event = { kind: "record" as const, map: "conns", value, bytes: rec };
    expect(formatEventText(event)).toBe(
      `conns: { .src = 10.0.0.2, .dst6 = 2001:db8::1, .comm = curl, .raw = ${0x0200000a} }`,
    );
    expect(JSON.parse(formatEventJson(event)).data.src).toBe("10.0.0.2");
  });

  it("print as addresses in map output of a session (API, text, JSON)", async () => {
    const obj = await build(SOURCE);
    const s = VmSession.open(obj, {
      set: [
        { map: "byAddr", key: "10.0.0.2", value: "7" },
        { map: "byAddr6", key: "2001:db8::2", value: "9" },
      ],
    });
    try {
      const snaps = s.snapshots();
      const v4 = snaps.find((m) => m.name === "byAddr")!;
      expect(v4.entries.map((e) => [e.key, e.value])).toEqual([["10.0.0.2", 7n]]);
      expect(renderMapText(v4)).toContain("@byAddr[10.0.0.2]: 7");
      const v6 = snaps.find((m) => m.name === "byAddr6")!;
      expect(renderMapText(v6)).toContain("@byAddr6[2001:db8::2]: 9");
      expect(toJson(v6.entries[0]!.key)).toBe("2001:db8::2");
    } finally {
      s.close();
    }
  });

  it("C objects: struct in6_addr / in_addr and a typedef named ipv4_addr", () => {
    const b = new BtfBuilder();
    const u8 = b.int("unsigned char", 1);
    const u32 = b.int("unsigned int", 4);
    const in6 = b.struct("in6_addr", 16, [
      { name: "s6_addr", type: b.array(u8, 16), bitOffset: 0 },
    ]);
    const in4 = b.struct("in_addr", 4, [{ name: "s_addr", type: u32, bitOffset: 0 }]);
    const td = b.typedef("ipv4_addr", u32);
    const wrong = b.typedef("ipv4_addr", b.int("unsigned short", 2));
    const btf = b.build();
    expect(decodeValue(codecFromBtf(btf, in6), Uint8Array.of(...Array(15).fill(0), 1))).toBe("::1");
    expect(decodeValue(codecFromBtf(btf, in4), Uint8Array.of(192, 168, 1, 9))).toBe("192.168.1.9");
    expect(decodeValue(codecFromBtf(btf, td), Uint8Array.of(127, 0, 0, 1))).toBe("127.0.0.1");
    // A typedef of the wrong size is not guessed at: it stays an integer.
    expect(codecFromBtf(btf, wrong).kind).toBe("int");
  });
});

describe("CharArray", () => {
  it("prints up to its first NUL whatever follows, in text, JSON and the API", async () => {
    const obj = await build(SOURCE);
    const rec = new Uint8Array(40);
    // "ls" over the bytes an older, longer record left in the slot ("/usr/lib/x").
    rec.set(new TextEncoder().encode("/usr/lib/x"), 20);
    rec.set([0x6c, 0x73, 0], 20);
    const value = recordDecoder(obj, map(obj, "conns"))(rec) as Record<string, unknown>;
    expect(value["comm"]).toBe("ls");
    const event = { kind: "record" as const, map: "conns", value: value as never, bytes: rec };
    expect(formatEventText(event)).toContain(".comm = ls,");
    expect(JSON.parse(formatEventJson(event)).data.comm).toBe("ls");
  });

  it("examples/opensnoop.ts: a reused slot's file name and comm print as strings", async () => {
    // Filled by helpers (getCurrentComm, probeReadUserStr), its CharArray element reaches BTF as
    // a typedef `char` of `unsigned char`: still C char to user space.
    const path = join(import.meta.dirname, "../../examples/opensnoop.ts");
    const out = await compileSource(readFileSync(path, "utf8"), path, { emit: "obj" });
    const obj = readBpfObject(out.object!);
    const rec = new Uint8Array(288);
    const text = new TextEncoder();
    rec.set(text.encode("/usr/lib/x86_64-linux-gnu/libc.so.6"), 32);
    rec.set(text.encode("/tmp/a\0"), 32);
    rec.set(text.encode("sleep\0\x01\x02"), 16);
    const value = recordDecoder(obj, map(obj, "events"))(rec) as Record<string, unknown>;
    expect(value["filename"]).toBe("/tmp/a");
    expect(value["comm"]).toBe("sleep");
  });

  it("is C char in BTF, while a FixedArray<u8, N> stays bytes", async () => {
    const obj = await build(
      SOURCE.replace("raw: u32 }", "raw: u32; bytes: FixedArray<u8, 4> }").replace(
        "import { CharArray,",
        "import { FixedArray, u8, CharArray,",
      ),
    );
    const rec = new Uint8Array(44);
    rec.set([0x61, 0, 0x62, 0], 40);
    const value = recordDecoder(obj, map(obj, "conns"))(rec) as Record<string, unknown>;
    expect(value["bytes"]).toEqual([0x61, 0, 0x62, 0]);
    expect(value["comm"]).toBe("");
  });
});
