/**
 * Map facts in the object (core/object/map-facts.ts): the decl-tag vocabulary, the front end's
 * `histogram` option, the emitted tags read back by core/object, and the user side (`classifyMap`,
 * record codecs) that uses them instead of names.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { compileToIr } from "../../compiler/frontend/index.ts";
import { printModule, parseModule } from "../../compiler/ir/index.ts";
import {
  findRecordType,
  mapFactTags,
  parseMapFacts,
  readBpfObject,
  type BpfObject,
} from "../../core/object/index.ts";
import { codecForSize } from "../../runtime/user/codec-from-btf.ts";
import { decodeValue, encodeValue, type Codec } from "../../runtime/user/map-codec.ts";
import { mapCodecs, mapFacts, recordDecoder } from "../../runtime/user/object-codecs.ts";
import { classifyMap } from "../../runtime/user/print/map-report.ts";

const HEAD = `import { ArrayMap, HashMap, RingBuf, tracepoint, u32, u64 } from "tsbpf";\nexport const license = "GPL";\n`;
const BODY = `export const p = tracepoint("raw_syscalls/sys_enter", (ctx) => {\n  const v = lat.lookup(3);\n  if (v !== null) return 1;\n  return 0;\n});\n`;

async function build(source: string): Promise<BpfObject> {
  const r = await compileSource(source, "t.ts", { emit: "obj", check: true });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return readBpfObject(r.object!);
}

describe("decl-tag vocabulary", () => {
  it("formats and parses every fact", () => {
    const facts = [
      { histogram: null },
      { histogram: { kind: "log2" as const } },
      { histogram: { kind: "linear" as const, min: -50n, step: 25n } },
      { record: "struct event", histogram: null },
      { key: "struct ends", value: "struct bpf_devmap_val", histogram: null },
    ];
    for (const f of facts) expect(parseMapFacts(mapFactTags(f))).toEqual(f);
    expect(mapFactTags({ histogram: { kind: "linear", min: 0n, step: 100n } })).toEqual([
      "tsbpf.hist=linear:0:100",
    ]);
  });
  it("ignores foreign tags and malformed values", () => {
    expect(parseMapFacts(["user.tag", "tsbpf.hist=linear:0:0", "tsbpf.hist=cubic"])).toEqual({});
    expect(parseMapFacts(["tsbpf.future=1", "tsbpf.hist=log2"])).toEqual({
      histogram: { kind: "log2" },
    });
  });
});

describe("the histogram option", () => {
  it("reaches the IR, which round-trips it", () => {
    const src = `${HEAD}const lat = new ArrayMap<u64>({ maxEntries: 8, histogram: { kind: "linear", min: 10, step: 5 } });\n${BODY}`;
    const r = compileToIr(src, "t.ts");
    expect(r.diagnostics).toEqual([]);
    expect(r.module!.maps[0]!.histogram).toEqual({ kind: "linear", min: 10n, step: 5n });
    const text = printModule(r.module!);
    expect(text).toContain("hist linear 10 5");
    expect(printModule(parseModule(text))).toBe(text);
  });
  it.each([
    [
      `new ArrayMap<u64>({ maxEntries: 8, histogram: { kind: "linear", min: 0, step: 0 } })`,
      "TSB3002",
      /step must be positive, not 0/,
    ],
    [
      `new HashMap<u32, Ev>({ maxEntries: 8, histogram: "log2" })`,
      "TSB3002",
      /key \(the slot\) and value \(the count\) must be integers/,
    ],
    [
      `new ArrayMap<u64>({ maxEntries: 8, histogram: { kind: "linear", min: n, step: 1 } })`,
      "TSB3010",
      /histogram option 'min' must be a compile-time integer constant/,
    ],
  ])("rejects %s at its line, without follow-on errors", (decl, code, message) => {
    const src = `${HEAD}interface Ev { a: u64 }\nlet n: u64 = 3;\nconst lat = ${decl};\n${BODY}`;
    const errors = compileToIr(src, "t.ts").diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => [d.code, d.line])).toEqual([[code, 5]]);
    expect(errors[0]!.message).toMatch(message);
  });
  it.each([
    `new ArrayMap<u64>({ maxEntries: 8, histogram: "log10" })`,
    `new RingBuf<Ev>({ maxEntries: 4096, histogram: "log2" })`,
  ])("the stdlib types refuse %s (the editor shows it)", (decl) => {
    const src = `${HEAD}interface Ev { a: u64 }\nconst lat = ${decl};\n${BODY}`;
    const errors = compileToIr(src, "t.ts").diagnostics.filter((d) => d.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.line).toBe(4);
  });
});

describe("facts in the object", () => {
  it("every map carries its histogram tag; event maps their record type", async () => {
    const obj = await build(
      `${HEAD}interface Ev { pid: u32; ts: u64 }\nconst events = new RingBuf<Ev>({ maxEntries: 4096 });\nconst counts = new HashMap<u32, u64>({ maxEntries: 8 });\nconst lat = new ArrayMap<u64>({ maxEntries: 8, histogram: "log2" });\n${BODY}`,
    );
    const byName = new Map(obj.maps.map((m) => [m.name, m]));
    expect(byName.get("events")!.tags).toEqual(["tsbpf.record=struct Ev", "tsbpf.hist=none"]);
    expect(byName.get("counts")!.tags).toEqual(["tsbpf.hist=none"]);
    expect(byName.get("lat")!.tags).toEqual(["tsbpf.hist=log2"]);
    // The ring buffer stays untyped for the kernel (key = value = 0) but its record type is found.
    const events = byName.get("events")!;
    expect([events.keySize, events.valueSize, events.valueTypeId]).toEqual([0, 0, 0]);
    const id = findRecordType(obj.btf!, mapFacts(events).record!)!;
    expect(obj.btf!.types[id]).toMatchObject({ kind: "struct", name: "Ev", size: 16 });
    const rec = new Uint8Array(16);
    rec[0] = 7;
    rec[8] = 9;
    expect(recordDecoder(obj, events)(rec)).toEqual({ pid: 7, ts: 9n });
  });

  it("maps the kernel creates without BTF key/value types name them, and user space codes by them", async () => {
    const obj = await build(
      `import { DevMap, SockHash, msgRedirectHash, skMsg, type BpfDevmapVal, type u32 } from "tsbpf";\nexport const license = "GPL";\ninterface Ends { local: u32; remote: u32 }\nconst socks = new SockHash<Ends>({ maxEntries: 8 });\nexport const tx = new DevMap<BpfDevmapVal>({ maxEntries: 4 });\nexport const plain = new DevMap({ maxEntries: 4 });\nexport const p = skMsg((ctx) => {\n  const k: Ends = { local: ctx.local_port, remote: 0 };\n  return msgRedirectHash(ctx, socks, k, 0);\n});\n`,
    );
    const byName = new Map(obj.maps.map((m) => [m.name, m]));
    const socks = byName.get("socks")!;
    const tx = byName.get("tx")!;
    expect(socks.tags).toEqual(["tsbpf.key=struct Ends", "tsbpf.hist=none"]);
    expect(tx.tags).toEqual(["tsbpf.value=struct bpf_devmap_val", "tsbpf.hist=none"]);
    expect(byName.get("plain")!.tags).toEqual(["tsbpf.hist=none"]);
    expect([socks.keyTypeId, socks.valueTypeId, tx.keyTypeId, tx.valueTypeId]).toEqual([
      0, 0, 0, 0,
    ]);
    const key = mapCodecs(obj, socks).key;
    expect(decodeValue(key, encodeValue(key, { local: 80, remote: 4000 }))).toEqual({
      local: 80,
      remote: 4000,
    });
    const value = mapCodecs(obj, tx).value;
    expect(value).toMatchObject({ kind: "struct", size: 8, name: "bpf_devmap_val" });
    // fd and id share the union's storage (offset 4), as in uapi linux/bpf.h.
    expect([...encodeValue(value, { ifindex: 1, fd: 9 })]).toEqual([1, 0, 0, 0, 9, 0, 0, 0]);
  });
});

describe("classifyMap uses the facts, not the name", () => {
  const int = (size: number): Codec => codecForSize(size);
  it("a declared shape wins over any name; a declared non-histogram is never one by name", () => {
    expect(classifyMap("counts", "array", int(4), int(8), { histogram: { kind: "log2" } })).toEqual(
      {
        kind: "log2",
      },
    );
    const linear = { kind: "linear" as const, min: 0n, step: 100n };
    expect(classifyMap("sizes", "hash", int(4), int(8), { histogram: linear })).toEqual(linear);
    expect(classifyMap("hist_slots", "array", int(4), int(8), { histogram: null })).toEqual({
      kind: "counts",
    });
    // Stated facts without a histogram tag (a record-only map) also rule out name guessing.
    expect(classifyMap("hist", "array", int(4), int(8), { record: "u64" })).toEqual({
      kind: "counts",
    });
  });
  it("objects without facts keep the documented name fallback", () => {
    expect(classifyMap("hist", "array", int(4), int(8))).toEqual({ kind: "log2" });
    expect(classifyMap("sizes_lhist_0_100", "array", int(4), int(8))).toEqual({
      kind: "linear",
      min: 0n,
      step: 100n,
    });
    expect(classifyMap("counts", "array", int(4), int(8))).toEqual({ kind: "counts" });
  });
});
