/**
 * `--set` keys and values as raw bytes (runtime/user/map-assign.ts): `hex:` and exactly the type's
 * size in hex digits for any type, `0x` and the bytes for a struct or array, the error naming the
 * expected size otherwise; the image written is the bytes given (map-codec.ts takes raw bytes of
 * the type's size as they are). Over examples/xdp-nat.ts in a VM session: a service set from hex
 * decodes as the fields the JSON form gives, and the program rewrites a packet to it the same way.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  codecForSize,
  encodeValue,
  parseMapAssignment,
  parseUserValue,
  VmSession,
  type Codec,
} from "../../runtime/user/index.ts";
import { ethernet, ipv4, packet, payload, udp } from "../../testing/index.ts";

const vip: Codec = {
  kind: "struct",
  size: 8,
  name: "Vip",
  fields: [
    { name: "addr", offset: 0, codec: { kind: "addr", size: 4, family: "ipv4" } },
    { name: "port", offset: 4, codec: { kind: "int", size: 2, signed: false, name: "u16" } },
    { name: "proto", offset: 6, codec: { kind: "int", size: 1, signed: false, name: "u8" } },
    { name: "pad", offset: 7, codec: { kind: "int", size: 1, signed: false, name: "u8" } },
  ],
};
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

describe("raw hex text", () => {
  it("reads hex: for any type and 0x for structs and arrays, at exactly the type's size", () => {
    const image = "0a0000643500" + "1100";
    for (const text of [`hex:${image}`, `0x${image}`, `hex:0x${image.toUpperCase()}`])
      expect(parseUserValue(vip, text, "key")).toEqual(bytes(image));
    expect(encodeValue(vip, parseUserValue(vip, `hex:${image}`, "key"))).toEqual(bytes(image));
    // An integer takes raw bytes through hex: (its little-endian image), 0x stays a number.
    const u32 = codecForSize(4);
    expect(encodeValue(u32, parseUserValue(u32, "hex:2a000000", "v"))).toEqual(bytes("2a000000"));
    expect(parseUserValue(u32, "0x2a", "v")).toBe("0x2a");
  });

  it("names the expected size when the length does not match", () => {
    expect(() => parseUserValue(vip, "hex:0a000064", "--set backends key")).toThrow(
      "--set backends key: expected 8 bytes as hex (16 digits), got 0a000064",
    );
    expect(() => parseUserValue(vip, "0x0a0000643500110000", "key")).toThrow(
      "key: expected 8 bytes as hex (16 digits), got 0x0a0000643500110000",
    );
    expect(() => parseUserValue(vip, "hex:0a00006435001 0", "key")).toThrow("expected 8 bytes");
  });
});

describe("raw hex --set into a VM session (examples/xdp-nat.ts)", () => {
  let object: Uint8Array;
  beforeAll(async () => {
    const file = "examples/xdp-nat.ts";
    const out = await compileSource(readFileSync(file, "utf8"), file, { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    object = out.object!;
  });
  // 10.0.0.100, port 53 as the u16 the program compares (little-endian image), UDP, pad.
  const service = { addr: "10.0.0.100", port: 53, proto: 17 };
  const key = "0a000064" + "3500" + "11" + "00";
  // 10.1.0.8, port 5353 (0x14e9), MAC 02:00:00:00:00:b1, then ifindex 0 (XDP_TX).
  const backendJson = '{"addr":"10.1.0.8","port":5353,"mac":[2,0,0,0,0,177]}';
  const backend = "0a010008" + "e914" + "0200000000b1" + "00000000";
  const frame = packet(
    ethernet({ src: "02:00:00:00:00:01", dst: "02:00:00:00:00:02" }),
    ipv4({ src: "192.168.5.9", dst: "10.0.0.100" }),
    udp({ sport: 4444, dport: 53 }),
    payload("q"),
  );
  const run = (set: string) => {
    const s = VmSession.open(object, { programs: ["nat"], set: [parseMapAssignment(set)] });
    try {
      const m = s.typedMaps().find((t) => t.name === "backends")!;
      const [r] = s.runAll({ packet: frame });
      return { entries: m.entries(), verdict: r!.retName, out: r!.result.packet };
    } finally {
      s.close();
    }
  };

  it("writes the same entry from hex as from JSON, and the program rewrites to it alike", () => {
    const json = run(`backends:${JSON.stringify(service)}=${backendJson}`);
    expect(json.verdict).toBe("XDP_TX");
    expect(json.out?.subarray(30, 34)).toEqual(bytes("0a010008")); // rewritten to the backend
    for (const set of [`backends:hex:${key}=hex:${backend}`, `backends:0x${key}=0x${backend}`]) {
      const hex = run(set);
      expect(hex.entries).toEqual(json.entries);
      expect(hex.verdict).toBe("XDP_TX");
      expect(hex.out).toEqual(json.out);
    }
  });

  it("refuses a key of the wrong size with the size it takes", () => {
    expect(() => run(`backends:hex:${key}00=${backendJson}`)).toThrow(
      `--set backends key: expected 8 bytes as hex (16 digits), got ${key}00`,
    );
    expect(() => run(`backends:0x${key}=0x${backend}00`)).toThrow(
      `--set backends value: expected 16 bytes as hex (32 digits), got 0x${backend}00`,
    );
  });
});
