/**
 * bpftrace-like output (runtime/user/print): histograms, count maps, struct tables, globals and
 * JSON, compared as exact text.
 */
import { describe, expect, it } from "vitest";
import {
  classifyMap,
  codecForSize,
  powerLabel,
  renderMapJson,
  renderMapText,
  type Codec,
  type MapSnapshot,
  type TypedEntry,
} from "../../runtime/user/index.ts";

const u32 = codecForSize(4);
const u64 = codecForSize(8);
const comm: Codec = { kind: "string", size: 16 };

function snap(
  name: string,
  kind: string,
  keyCodec: Codec,
  valueCodec: Codec,
  entries: TypedEntry[],
): MapSnapshot {
  return { name, kind, keyCodec, valueCodec, entries };
}

describe("histograms", () => {
  it("labels powers of two with binary suffixes", () => {
    expect([0, 1, 3, 9, 10, 11, 20, 30, 63].map(powerLabel)).toEqual([
      "1",
      "2",
      "8",
      "512",
      "1K",
      "2K",
      "1M",
      "1G",
      "8E",
    ]);
  });

  it("draws a log2 histogram from the lowest to the highest used slot", () => {
    // slot k counts [2^k, 2^(k+1)) (floor log2); slot 4 = [16, 32) holds the maximum.
    const entries: TypedEntry[] = [
      { key: 1, value: 1n },
      { key: 3, value: 12n },
      { key: 4, value: 48n },
      { key: 6, value: 17n },
      { key: 12, value: 0n },
    ];
    const text = renderMapText(snap("lat_hist", "array", u32, u64, entries));
    expect(text).toBe(
      [
        "@lat_hist:",
        "[2, 4)                 1 |@                                                   |",
        "[4, 8)                 0 |                                                    |",
        "[8, 16)               12 |@@@@@@@@@@@@@                                       |",
        "[16, 32)              48 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
        "[32, 64)               0 |                                                    |",
        "[64, 128)             17 |@@@@@@@@@@@@@@@@@@                                  |",
        "",
        "",
      ].join("\n"),
    );
  });

  it("uses K/M labels for large slots and [0, 2) for slot 0", () => {
    const text = renderMapText(
      snap("size_slots", "hash", u32, u64, [
        { key: 0, value: 2n },
        { key: 10, value: 1n },
        { key: 20, value: 4n },
      ]),
    );
    const lines = text.split("\n");
    expect(lines[1]).toBe(
      "[0, 2)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |",
    );
    expect(lines[11]).toBe(
      "[1K, 2K)               1 |@@@@@@@@@@@@@                                       |",
    );
    expect(lines[21]).toBe(
      "[1M, 2M)               4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
    );
    expect(lines).toHaveLength(24);
  });

  it("draws linear histograms with the range from the name", () => {
    expect(classifyMap("len_lhist_100_50", "array", u32, u64)).toEqual({
      kind: "linear",
      min: 100n,
      step: 50n,
    });
    const text = renderMapText(
      snap("len_lhist_100_50", "array", u32, u64, [
        { key: 0, value: 3n },
        { key: 2, value: 6n },
      ]),
    );
    expect(text).toBe(
      [
        "@len_lhist_100_50:",
        "[100, 150)             3 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |",
        "[150, 200)             0 |                                                    |",
        "[200, 250)             6 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
        "",
        "",
      ].join("\n"),
    );
  });

  it("gives histogram JSON with bucket bounds", () => {
    expect(renderMapJson(snap("h_hist", "hash", u32, u64, [{ key: 2, value: 2n }]))).toEqual({
      type: "hist",
      name: "h_hist",
      data: [{ min: 4, max: 8, count: 2 }],
    });
  });
});

describe("count maps and tables", () => {
  it("sorts counts by value, keys decoded per type", () => {
    const text = renderMapText(
      snap("opens", "hash", comm, u64, [
        { key: "bash", value: 30n },
        { key: "cat", value: 2n },
        { key: "node", value: 7n },
      ]),
    );
    expect(text).toBe("@opens[cat]: 2\n@opens[node]: 7\n@opens[bash]: 30\n\n");
  });

  it("shows struct keys as a key list and omits zero array slots", () => {
    const key: Codec = {
      kind: "struct",
      size: 20,
      name: "k",
      fields: [
        { name: "pid", offset: 0, codec: u32 },
        { name: "comm", offset: 4, codec: comm },
      ],
    };
    expect(
      renderMapText(snap("by", "hash", key, u64, [{ key: { pid: 12, comm: "sh" }, value: 5n }])),
    ).toBe("@by[12, sh]: 5\n\n");
    expect(
      renderMapText(
        snap("arr", "array", u32, u64, [
          { key: 0, value: 0n },
          { key: 1, value: 9n },
        ]),
      ),
    ).toBe("@arr[1]: 9\n\n");
    expect(renderMapText(snap("none", "hash", u32, u64, []))).toBe("@none: (no entries)\n\n");
  });

  it("renders struct values as an aligned table", () => {
    const value: Codec = {
      kind: "struct",
      size: 24,
      name: "stats",
      fields: [
        { name: "count", offset: 0, codec: u64 },
        { name: "bytes", offset: 8, codec: u64 },
        { name: "comm", offset: 16, codec: { kind: "string", size: 8 } },
      ],
    };
    const text = renderMapText(
      snap("stats", "hash", u32, value, [
        { key: 4242, value: { count: 3n, bytes: 1200n, comm: "curl" } },
        { key: 7, value: { count: 10n, bytes: 5n, comm: "systemd" } },
      ]),
    );
    expect(text).toBe(
      [
        "@stats:",
        "  key   count  bytes  comm",
        "  7     10     5      systemd",
        "  4242  3      1200   curl",
        "",
        "",
      ].join("\n"),
    );
  });

  it("prints globals as variables and hides ring buffers and constants", () => {
    const bss: Codec = {
      kind: "struct",
      size: 8,
      name: ".bss",
      fields: [{ name: "total", offset: 0, codec: u64 }],
    };
    expect(
      renderMapText(snap(".bss", "array", u32, bss, [{ key: 0, value: { total: 77n } }])),
    ).toBe("@total: 77\n");
    expect(
      renderMapText(snap(".rodata", "array", u32, bss, [{ key: 0, value: { total: 1n } }])),
    ).toBe("");
    expect(renderMapText(snap("events", "ringbuf", u32, u64, []))).toBe("");
  });

  it("keeps u64 precision in JSON and includes per-CPU values", () => {
    const big = (1n << 63n) + 5n;
    expect(
      renderMapJson(
        snap("c", "percpu_hash", u32, u64, [{ key: 1, value: big, perCpu: [big, 0n] }]),
      ),
    ).toEqual({
      type: "map",
      name: "c",
      kind: "percpu_hash",
      data: [{ key: 1, value: big.toString(), perCpu: [big.toString(), 0] }],
    });
  });
});
