/**
 * `--set MAP:KEY=VALUE` (runtime/user/map-assign.ts): splitting the text, reading it by the type it
 * goes into (integers, IPv4 addresses in network order, enums, strings, JSON structs, hex bytes),
 * writing into a map through a `TypedMap`, and the errors for each kind of mistake. Also the
 * packet-socket frame summary. No kernel needed: a small in-memory map source stands in, and a VM
 * session takes `--set OUTER:KEY=INNER` into a map of maps (test/kernel/kinds/map-of-maps.ts), as
 * `tsbpf run` does on the live kernel (with root: the XDP program on lo counts into the map stored).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  applyMapAssignments,
  codecForSize,
  CodecError,
  describePacket,
  parseMapAssignment,
  parseUserValue,
  TypedMap,
  type Codec,
  type RawMapSource,
  VmSession,
} from "../../runtime/user/index.ts";

import {
  countLines,
  expectNothingLeft,
  expectRan,
  liveReady,
  ROOT,
  runExample,
  sendUdpOnLo,
} from "./support.ts";

const u32 = codecForSize(4);
const u64: Codec = { kind: "int", size: 8, signed: false, name: "u64" };
const i32: Codec = { kind: "int", size: 4, signed: true, name: "i32" };
const comm: Codec = { kind: "string", size: 16 };
const rule: Codec = {
  kind: "struct",
  size: 24,
  name: "rule",
  fields: [
    { name: "pid", offset: 0, codec: i32 },
    { name: "comm", offset: 4, codec: comm },
    { name: "limit", offset: 20, codec: { kind: "int", size: 4, signed: false, name: "u32" } },
  ],
};

/** A hash map in memory; per-CPU when `cpus` is given. */
function memoryMap(name: string, keySize: number, valueSize: number, cpus?: number): RawMapSource {
  const data = new Map<string, Uint8Array[]>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  return {
    name,
    type: cpus ? 5 : 1,
    keySize,
    valueSize,
    maxEntries: 16,
    perCpu: cpus !== undefined,
    entries: () => [...data].map(([k, v]) => [Uint8Array.from(Buffer.from(k, "hex")), v]),
    lookup: (k) => data.get(hex(k)),
    update: (k, vs) => {
      data.set(
        hex(k),
        cpus ? Array.from({ length: cpus }, (_, i) => vs[vs.length === 1 ? 0 : i]!) : [...vs],
      );
    },
    delete: (k) => data.delete(hex(k)),
  } as RawMapSource;
}

describe("--set text", () => {
  it("splits map, key and value at the first ':' and the first top-level '='", () => {
    expect(parseMapAssignment("blocklist:10.0.0.1=0")).toEqual({
      map: "blocklist",
      key: "10.0.0.1",
      value: "0",
    });
    expect(parseMapAssignment('rules:{"comm":"a=b"}={"pid":1}')).toEqual({
      map: "rules",
      key: '{"comm":"a=b"}',
      value: '{"pid":1}',
    });
    for (const bad of ["blocklist=1", ":1=2", "m:=2", "m:1=", "m:1"]) {
      expect(() => parseMapAssignment(bad)).toThrow(CodecError);
    }
  });

  it("reads IPv4 addresses into 4-byte integers in network byte order", () => {
    expect(parseUserValue(u32, "127.0.0.2", "key")).toBe(0x0200007f);
    expect(parseUserValue(u32, "10.1.2.3", "key")).toBe(0x0302010a);
    expect(() => parseUserValue(u32, "1.2.3.256", "key")).toThrow("1.2.3.256 is not an address");
    // Not an address for an 8-byte integer: left to the integer parser, which refuses it.
    expect(parseUserValue(u64, "0x10", "v")).toBe("0x10");
  });

  it("reads strings, JSON structs, bools and hex bytes", () => {
    expect(parseUserValue(comm, "bash", "v")).toBe("bash");
    expect(parseUserValue(comm, '"a b"', "v")).toBe("a b");
    expect(parseUserValue(rule, '{"pid": -1, "comm": "sh"}', "v")).toEqual({ pid: -1, comm: "sh" });
    expect(() => parseUserValue(rule, "{pid: 1}", "value")).toThrow("value: not valid JSON");
    expect(parseUserValue({ kind: "bool", size: 1 }, "true", "v")).toBe(true);
    expect(parseUserValue({ kind: "bytes", size: 2 }, "0xbeef", "v")).toEqual(
      Uint8Array.from([0xbe, 0xef]),
    );
    expect(() => parseUserValue({ kind: "bytes", size: 2 }, "beefff", "v")).toThrow(
      "expected 2 bytes as hex",
    );
  });
});

describe("applying --set", () => {
  it("writes typed entries, per-CPU values on every CPU", () => {
    const block = new TypedMap(memoryMap("blocklist", 4, 8), u32, u64);
    const rules = new TypedMap(memoryMap("rules", 4, 24), u32, rule);
    const limits = new TypedMap(memoryMap("limits", 4, 8, 3), u32, u64);
    applyMapAssignments(
      [block, rules, limits],
      [
        { map: "blocklist", key: "192.168.0.1", value: "7" },
        { map: "rules", key: "1", value: '{"pid": 42, "comm": "bash", "limit": 9}' },
        { map: "limits", key: "0", value: "5" },
      ],
    );
    expect(block.get(0x0100a8c0)).toBe(7n);
    expect(rules.get(1)).toEqual({ pid: 42, comm: "bash", limit: 9 });
    expect(limits.getPerCpu(0)).toEqual([5n, 5n, 5n]);
    expect(limits.get(0)).toBe(15n);
  });

  it("names the map and the part at fault", () => {
    const block = new TypedMap(memoryMap("blocklist", 4, 8), u32, u64);
    const set = (key: string, value: string, map = "blocklist") =>
      applyMapAssignments([block], [{ map, key, value }]);
    expect(() => set("1", "1", "nope")).toThrow(
      "--set nope: the object has no such data map (maps: blocklist)",
    );
    expect(() => set("1", "x")).toThrow('--set blocklist: value: expected an integer, got "x"');
    expect(() => set("4294967296", "1")).toThrow("--set blocklist: key: 4294967296 does not fit");
    expect(block.entries()).toEqual([]);
  });
});

describe("--set into a map of maps", () => {
  let bytes: Uint8Array;
  beforeAll(async () => {
    const file = "test/kernel/kinds/map-of-maps.ts";
    const out = await compileSource(readFileSync(join(ROOT, file), "utf8"), file, { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    bytes = out.object!;
  });
  /** A session with `set`, the verdict of `count` on a frame [tenant, flow], and tenant counts. */
  const session = (...set: string[]) => {
    const s = VmSession.open(bytes, { set: set.map(parseMapAssignment) });
    const verdict = (tenant: number, flow: number) => {
      const [r] = s.runAll({ packet: Uint8Array.of(tenant, flow, ...new Array(62).fill(0)) });
      return Number(r!.result.r0);
    };
    const counted = (m: string) =>
      s
        .typedMaps()
        .find((t) => t.name === m)!
        .get(0) as bigint | undefined;
    return { s, verdict, counted };
  };

  it("stores the map the value names, which the program then reaches through the slot", () => {
    // Slot 1 of `tenants` is empty at load (XDP_DROP); `limits` has no key 3 (XDP_PASS).
    const before = session();
    expect([before.verdict(1, 0), before.verdict(0, 3)]).toEqual([1, 2]);
    before.s.close();
    const after = session("tenants:1=tenantB", "limits:3=limitsX");
    // tenant 1 now counts into tenantB; flow 3 reaches limitsX, which has no key 7 (3: XDP_TX).
    expect([after.verdict(1, 0), after.verdict(1, 3)]).toEqual([2, 3]);
    expect([after.counted("tenantA"), after.counted("tenantB")]).toEqual([0n, 2n]);
    after.s.close();
  });

  it("refuses a value that names no map of the object, before anything runs", () => {
    expect(() => session("tenants:1=nosuch")).toThrow(
      "--set tenants: a map of maps holds maps: the value must name one of the object's maps (tenantA, tenantB, limitsX, limits), not nosuch",
    );
    expect(() => session("tenants:1=7")).toThrow(/must name one of the object's maps .* not 7$/);
  });
});

describe.runIf(liveReady("--set into a map of maps on the kernel"))(
  "--set into a map of maps, live",
  () => {
    it("stores the named map's fd: lo's frames count into it instead of the load-time map", async () => {
      // Frames on lo start with a zero MAC byte: tenant 0, which `values` points at tenantA.
      const out = await runExample(
        "test/kernel/kinds/map-of-maps.ts",
        ["--iface", "lo", "--set", "tenants:0=tenantB", "--duration", "2"],
        ["count"],
        () => sendUdpOnLo(5),
      );
      expectRan(out, ["count"]);
      expect(out.stdout).toContain("@tenantA: (no entries)");
      expect(Number(countLines(out.stdout, "tenantB").get("0"))).toBeGreaterThanOrEqual(5);
      expectNothingLeft(out);
    });
  },
);

describe("packet summaries", () => {
  it("describes IPv4 TCP/UDP with ports, other IPv4 and non-IP frames", () => {
    const f = new Uint8Array(42);
    f.set([0x08, 0x00], 12);
    f[14] = 0x45;
    f[23] = 17;
    f.set([127, 0, 0, 1, 10, 0, 0, 2], 26);
    f.set([0x9c, 0x40, 0x00, 0x35], 34);
    expect(describePacket(f)).toBe("IPv4 UDP 127.0.0.1:40000 > 10.0.0.2:53");
    f[23] = 1;
    expect(describePacket(f)).toBe("IPv4 ICMP 127.0.0.1 > 10.0.0.2");
    f.set([0x86, 0xdd], 12);
    expect(describePacket(f)).toBe("ethertype 0x86dd");
    expect(describePacket(f.slice(0, 10))).toBe("short frame");
  });
});
