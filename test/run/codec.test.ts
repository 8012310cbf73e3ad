/**
 * Map codecs (runtime/user/map-codec.ts): decoding and encoding every BTF shape, round trips, and
 * the clean errors for values that do not fit; per-CPU sums (typed-map.ts).
 */
import { describe, expect, it } from "vitest";
import { BtfBuilder } from "../../core/btf/index.ts";
import {
  codecForSize,
  codecFromBtf,
  CodecError,
  decodeValue,
  encodeValue,
  sumValues,
  TypedMap,
  type RawMapSource,
  type UserValue,
} from "../../runtime/user/index.ts";

function le(n: bigint, size: number): number[] {
  return Array.from({ length: size }, (_, i) =>
    Number((BigInt.asUintN(size * 8, n) >> BigInt(8 * i)) & 0xffn),
  );
}

describe("integer codecs", () => {
  const widths = [1, 2, 4, 8] as const;
  for (const size of widths) {
    for (const signed of [false, true]) {
      it(`${signed ? "i" : "u"}${size * 8}: extremes round-trip`, () => {
        const b = new BtfBuilder();
        const id = b.int(`${signed ? "s" : "u"}${size * 8}`, size, { signed });
        const c = codecFromBtf(b.build(), id);
        const bits = BigInt(size * 8);
        const samples = signed
          ? [-(1n << (bits - 1n)), -1n, 0n, (1n << (bits - 1n)) - 1n]
          : [0n, 1n, (1n << bits) - 1n];
        for (const n of samples) {
          const bytes = Uint8Array.from(le(n, size));
          const v = decodeValue(c, bytes);
          expect(typeof v).toBe(size === 8 ? "bigint" : "number");
          expect(BigInt(v as number | bigint)).toBe(n);
          expect([...encodeValue(c, v)]).toEqual([...bytes]);
        }
      });
    }
  }

  it("rejects out-of-range and non-integer values, naming the field", () => {
    const b = new BtfBuilder();
    const u8 = b.int("u8", 1);
    const s = b.struct("k", 4, [{ name: "pid", type: b.int("u32", 4), bitOffset: 0 }]);
    const btf = b.build();
    expect(() => encodeValue(codecFromBtf(btf, u8), 256)).toThrow(/256 does not fit in 8 bits/);
    expect(() => encodeValue(codecFromBtf(btf, u8), 1.5)).toThrow(CodecError);
    expect(() => encodeValue(codecFromBtf(btf, s), { pid: "x" }, "key")).toThrow(
      /key\.pid: expected an integer/,
    );
    expect(() => encodeValue(codecFromBtf(btf, s), { nope: 1 }, "key")).toThrow(/no field "nope"/);
  });

  it("falls back to sizes without BTF", () => {
    expect(decodeValue(codecForSize(4), Uint8Array.of(1, 2, 0, 0))).toBe(0x201);
    expect(decodeValue(codecForSize(8), Uint8Array.from(le(5n, 8)))).toBe(5n);
    expect(decodeValue(codecForSize(3), Uint8Array.of(1, 2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe("composite codecs", () => {
  function eventBtf() {
    const b = new BtfBuilder();
    const u32 = b.typedef("u32", b.int("unsigned int", 4));
    const i64 = b.int("long long", 8, { signed: true });
    const char = b.int("char", 1, { signed: true });
    const u8 = b.int("u8", 1);
    const boolT = b.int("_Bool", 1, { bool: true });
    const state = b.enum("state", [
      { name: "IDLE", value: 0 },
      { name: "BUSY", value: 2 },
    ]);
    const comm = b.array(char, 8);
    const bytes = b.array(u8, 3);
    const flags = b.int("unsigned int", 4);
    const ev = b.struct("event", 40, [
      { name: "pid", type: u32, bitOffset: 0 },
      { name: "comm", type: comm, bitOffset: 32 },
      { name: "delta", type: i64, bitOffset: 128 },
      { name: "mac", type: bytes, bitOffset: 192 },
      { name: "ok", type: boolT, bitOffset: 216 },
      { name: "st", type: state, bitOffset: 224 },
      { name: "lo", type: flags, bitOffset: 256, bitfieldSize: 3 },
      { name: "hi", type: flags, bitOffset: 259, bitfieldSize: 13 },
    ]);
    return { btf: b.build(), ev };
  }

  it("decodes a struct with strings, arrays, enums, bools and bitfields", () => {
    const { btf, ev } = eventBtf();
    const c = codecFromBtf(btf, ev);
    expect(c.size).toBe(40);
    const bytes = new Uint8Array(40);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, 4242, true);
    bytes.set(new TextEncoder().encode("bash"), 4);
    v.setBigInt64(16, -7n, true);
    bytes.set([0xaa, 0xbb, 0xcc], 24);
    bytes[27] = 1;
    v.setUint32(28, 2, true);
    v.setUint16(32, 5 | (1000 << 3), true);
    const value = decodeValue(c, bytes);
    expect(value).toEqual({
      pid: 4242,
      comm: "bash",
      delta: -7n,
      mac: [0xaa, 0xbb, 0xcc],
      ok: true,
      st: "BUSY",
      lo: 5,
      hi: 1000,
    });
    expect([...encodeValue(c, value)]).toEqual([...bytes]);
  });

  it("encodes partial objects with zeroed missing fields and checks string length", () => {
    const { btf, ev } = eventBtf();
    const c = codecFromBtf(btf, ev);
    const out = encodeValue(c, { comm: "12345678", st: "IDLE", hi: 3 });
    expect(decodeValue(c, out)).toMatchObject({
      pid: 0,
      comm: "12345678",
      st: "IDLE",
      lo: 0,
      hi: 3,
    });
    expect(() => encodeValue(c, { comm: "123456789" })).toThrow(/9 bytes, the field holds 8/);
    expect(() => encodeValue(c, { st: "GONE" })).toThrow(/"GONE" is not one of IDLE, BUSY/);
  });

  it("shows unsigned byte arrays as strings only when they look like one", () => {
    const b = new BtfBuilder();
    const u8 = b.int("u8", 1);
    const arr = b.array(u8, 6);
    const c = codecFromBtf(b.build(), arr);
    const text = Uint8Array.of(0x63, 0x61, 0x74, 0, 0, 0);
    expect(decodeValue(c, text)).toBe("cat");
    expect([...encodeValue(c, "cat")]).toEqual([...text]);
    const mac = Uint8Array.of(0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c);
    expect(decodeValue(c, mac)).toEqual([0, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]);
    expect([...encodeValue(c, decodeValue(c, mac))]).toEqual([...mac]);
    const junkAfterNul = Uint8Array.of(0x61, 0, 0x62, 0, 0, 0);
    expect(decodeValue(c, junkAfterNul)).toEqual([0x61, 0, 0x62, 0, 0, 0]);
  });

  it("decodes global data sections variable by variable", () => {
    const b = new BtfBuilder();
    const u64 = b.int("unsigned long long", 8);
    const i32 = b.int("int", 4, { signed: true });
    const hits = b.var("hits", u64);
    const last = b.var("last", i32);
    const sec = b.datasec(".bss", 16, [
      { type: hits, offset: 0, size: 8 },
      { type: last, offset: 8, size: 4 },
    ]);
    const c = codecFromBtf(b.build(), sec);
    const bytes = new Uint8Array(16);
    bytes.set(le(99n, 8), 0);
    bytes.set(le(-3n, 4), 8);
    expect(decodeValue(c, bytes)).toEqual({ hits: 99n, last: -3 });
  });
});

describe("typed maps over a raw source", () => {
  function fakePerCpu(): RawMapSource {
    const store = new Map<string, Uint8Array[]>();
    return {
      name: "pcpu",
      type: 6,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
      perCpu: true,
      entries: () => [...store].map(([k, v]) => [Uint8Array.from(k.split(",").map(Number)), v]),
      lookup: (k) => store.get([...k].join(",")),
      update: (k, vs) =>
        void store.set(
          [...k].join(","),
          vs.map((v) => v.slice()),
        ),
      delete: (k) => store.delete([...k].join(",")),
    };
  }

  it("sums per-CPU values and keeps each CPU's", () => {
    const m = new TypedMap(fakePerCpu(), codecForSize(4), codecForSize(8));
    m.set(7, 0, [1n, 2n, 40n]);
    expect(m.get(7)).toBe(43n);
    expect(m.getPerCpu(7)).toEqual([1n, 2n, 40n]);
    expect(m.entries()).toEqual([{ key: 7, value: 43n, perCpu: [1n, 2n, 40n] }]);
    expect(m.delete(7)).toBe(true);
    expect(m.get(7)).toBeUndefined();
  });

  it("sums structs field by field and arrays element by element", () => {
    const vals: UserValue[] = [
      { n: 1, b: 2n, s: "x", a: [1, 2] },
      { n: 10, b: 20n, s: "y", a: [3, 4] },
    ];
    expect(sumValues(vals)).toEqual({ n: 11, b: 22n, s: "x", a: [4, 6] });
  });
});
