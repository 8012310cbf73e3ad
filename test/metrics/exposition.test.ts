/**
 * The Prometheus exporter's pure parts: the text format writer (escaping, names, values), the
 * metric families made from map snapshots (labels per key field, counters vs gauges, histogram
 * buckets, per-CPU sums through a real VM session), and the whole output accepted by Prometheus's
 * own linter, `promtool check metrics` (Debian package prometheus).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import type { Codec } from "../../runtime/user/map-codec.ts";
import {
  labelName,
  mapFamilies,
  mapsFamilies,
  metricName,
  processFamilies,
  renderExposition,
  snakeCase,
  type MetricFamily,
} from "../../runtime/user/metrics/index.ts";
import type { MapSnapshot } from "../../runtime/user/print/map-report.ts";
import { VmSession } from "../../runtime/user/vm-session.ts";
import { exampleSource } from "../build/support.ts";
import { capability, hasCommand } from "../support/env.ts";

const u32: Codec = { kind: "int", size: 4, signed: false, name: "u32" };
const u64: Codec = { kind: "int", size: 8, signed: false, name: "u64" };
const s64: Codec = { kind: "int", size: 8, signed: true, name: "s64" };
const ptr: Codec = { kind: "ptr", size: 8 };
const comm: Codec = { kind: "string", size: 16 } as Codec;

const snap = (
  name: string,
  kind: string,
  keyCodec: Codec,
  valueCodec: Codec,
  entries: MapSnapshot["entries"],
): MapSnapshot => ({ name, kind, keyCodec, valueCodec, entries });

/** A struct codec from [name, offset, codec] fields. */
const struct = (name: string, size: number, fields: [string, number, Codec][]): Codec => ({
  kind: "struct",
  size,
  name,
  fields: fields.map(([n, offset, codec]) => ({ name: n, offset, codec })),
});

const text = (fams: readonly MetricFamily[]) => renderExposition(fams);

describe("text format writer", () => {
  it("escapes label values and help text as the format requires", () => {
    const out = text([
      {
        name: "x",
        help: 'a \\ back\nslash "quoted"',
        type: "gauge",
        samples: [{ labels: [["v", 'say "hi"\\\n']], value: 1 }],
      },
    ]);
    expect(out).toBe(
      '# HELP x a \\\\ back\\nslash "quoted"\n# TYPE x gauge\nx{v="say \\"hi\\"\\\\\\n"} 1\n',
    );
  });

  it("writes exact bigints, +Inf and NaN, and leaves out families without samples", () => {
    const out = text([
      { name: "big", help: "h", type: "counter", samples: [{ value: 18446744073709551615n }] },
      { name: "none", help: "h", type: "gauge", samples: [] },
      {
        name: "odd",
        help: "h",
        type: "gauge",
        samples: [{ value: Infinity }, { value: NaN, labels: [["a", "b"]] }],
      },
    ]);
    expect(out).toContain("big 18446744073709551615\n");
    expect(out).not.toContain("none");
    expect(out).toContain('odd +Inf\nodd{a="b"} NaN\n');
  });

  it("makes valid metric and label names from map and field names", () => {
    expect(snakeCase("bySyscall")).toBe("by_syscall");
    expect(snakeCase("XDPStats")).toBe("xdp_stats");
    expect(metricName("tsbpf_.bss-x")).toBe("tsbpf__bss_x");
    expect(metricName("9lives")).toBe("_9lives");
    expect(labelName("__reserved")).toBe("_reserved");
    expect(labelName("a:b")).toBe("a_b");
  });
});

describe("map snapshots as metric families", () => {
  it("a counting map is a counter with one `key` label; signed values are gauges", () => {
    const m = snap("bySyscall", "hash", u32, u64, [
      { key: 0, value: 12n },
      { key: 110, value: 3000n },
    ]);
    expect(text(mapFamilies(m))).toBe(
      "# HELP tsbpf_by_syscall_total Entries of map bySyscall (hash).\n" +
        "# TYPE tsbpf_by_syscall_total counter\n" +
        'tsbpf_by_syscall_total{key="0"} 12\n' +
        'tsbpf_by_syscall_total{key="110"} 3000\n',
    );
    const g = mapFamilies(snap("delta", "hash", u32, s64, [{ key: 1, value: -5n }]));
    expect(g[0]).toMatchObject({ name: "tsbpf_delta", type: "gauge" });
  });

  it("a struct key gives one label per BTF field; addresses are hex text, strings text", () => {
    const key = struct("key_t", 32, [
      ["ip", 0, ptr],
      ["comm", 8, comm],
      ["pid", 24, u32],
    ]);
    const m = snap("calls", "hash", key, u64, [
      { key: { ip: 0xffffffff81000010n, comm: "bash", pid: 42 }, value: 7n },
    ]);
    expect(text(mapFamilies(m))).toContain(
      'tsbpf_calls_total{ip="0xffffffff81000010",comm="bash",pid="42"} 7\n',
    );
  });

  it("a struct value gives one family per numeric field", () => {
    const value = struct("stats", 16, [
      ["packets", 0, u64],
      ["lastDelta", 8, s64],
    ]);
    const out = text(
      mapFamilies(
        snap("flows", "hash", u32, value, [{ key: 5, value: { packets: 9n, lastDelta: -2n } }]),
      ),
    );
    expect(out).toContain('tsbpf_flows_packets_total{key="5"} 9\n');
    expect(out).toContain(
      '# TYPE tsbpf_flows_last_delta gauge\ntsbpf_flows_last_delta{key="5"} -2\n',
    );
  });

  it("a log2 histogram map is a Prometheus histogram: cumulative le buckets, +Inf = _count", () => {
    // Slots 0..3 as an array map holds them: [0,2) 1, [2,4) 0, [4,8) 5, [8,16) 2.
    const m = snap("histogram", "array", u32, u64, [
      { key: 0, value: 1n },
      { key: 1, value: 0n },
      { key: 2, value: 5n },
      { key: 3, value: 2n },
    ]);
    const [h, ...rest] = mapFamilies(m);
    expect(rest).toEqual([]);
    expect(h!.type).toBe("histogram");
    expect(text([h!]).split("\n").slice(2).join("\n")).toBe(
      [
        'tsbpf_histogram_bucket{le="1"} 1',
        'tsbpf_histogram_bucket{le="3"} 1',
        'tsbpf_histogram_bucket{le="7"} 6',
        'tsbpf_histogram_bucket{le="15"} 8',
        'tsbpf_histogram_bucket{le="+Inf"} 8',
        // lower bounds: 1*0 + 5*4 + 2*8
        "tsbpf_histogram_sum 36",
        "tsbpf_histogram_count 8",
        "",
      ].join("\n"),
    );
  });

  it("a linear histogram takes its range from the map name, as tsbpf run prints it", () => {
    const m = snap("sizes_lhist_0_100", "array", u32, u64, [
      { key: 0, value: 2n },
      { key: 1, value: 3n },
    ]);
    const out = text(mapFamilies(m));
    expect(out).toContain('tsbpf_sizes_lhist_0_100_bucket{le="99"} 2\n');
    expect(out).toContain('tsbpf_sizes_lhist_0_100_bucket{le="199"} 5\n');
    expect(out).toContain("tsbpf_sizes_lhist_0_100_sum 300\n");
  });

  it("ring buffers export nothing; map_entries counts the exported maps", () => {
    const fams = mapsFamilies([
      snap("events", "ringbuf", u32, u32, []),
      snap("byPid", "hash", u32, u64, [{ key: 1, value: 1n }]),
    ]);
    const out = text(fams);
    expect(out).not.toContain("events");
    expect(out).toContain('tsbpf_map_entries{map="byPid"} 1\n');
  });

  it("per-CPU values are summed: xdp-counter in the VM on 4 CPUs", async () => {
    const out = await compileSource(exampleSource("xdp-counter"), "xdp-counter.ts", {
      emit: "obj",
    });
    const session = VmSession.open(out.object!, { cpus: 4 });
    try {
      const m = session.typedMaps().find((t) => t.name === "byProtocol")!;
      m.set(17, 0n, [1n, 2n, 3n, 4n]); // UDP counted on every CPU
      const fams = mapsFamilies(session.snapshots());
      expect(text(fams)).toContain('tsbpf_by_protocol_total{key="17"} 10\n');
    } finally {
      session.close();
    }
  });
});

describe("promtool check metrics", () => {
  const can = capability(
    "promtool (Debian package prometheus)",
    hasCommand("promtool", ["--version"]),
    "linting the exporter output with promtool",
  );
  it.runIf(can)("accepts the families of every map shape plus the process metrics", () => {
    const fams = [
      ...mapsFamilies([
        snap("bySyscall", "hash", u32, u64, [{ key: 3, value: 4n }]),
        snap("latency_slots", "array", u32, u64, [
          { key: 0, value: 1n },
          { key: 1, value: 2n },
        ]),
      ]),
      ...processFamilies(),
    ];
    const r = spawnSync("promtool", ["check", "metrics"], {
      input: renderExposition(fams),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
