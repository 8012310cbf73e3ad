/**
 * The packet examples under `tsbpf run`, on the live kernel's loopback interface and in the VM:
 * - xdp-counter and xdp-firewall attach to `lo` (generic XDP: lo has no native XDP), tc-portcount
 *   as a tcx ingress program on `lo`, sockfilter to a raw AF_PACKET socket that `tsbpf run --iface
 *   lo` opens for it; the test sends UDP (and TCP) over 127.0.0.1 and finds its packets counted;
 * - xdp-firewall's blocklist is filled with `--set blocklist:127.0.0.2=0`; datagrams from
 *   127.0.0.2 must really be dropped (the receiver never gets them) and counted;
 * - xdp-nat rewrites datagrams to a `--set` VIP:port (127.0.0.9) to a receiver on 127.0.0.1 and
 *   sends them back out of lo (XDP_TX); the receiver gets them;
 * - `--vm --packet FILE` runs each packet example on a packet built byte by byte.
 */
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countLines,
  expectNothingLeft,
  expectRan,
  liveReady,
  ROOT,
  runExample,
  sleep,
} from "./support.ts";

const live = liveReady("packet examples under tsbpf run");
/** 127.0.0.2 as the little-endian u32 a packet's saddr loads as. */
/** The blocklist key: an `Ipv4Addr`, printed as an address (not 33554559). */
const LOOPBACK_2 = "127.0.0.2";
const XDP_DROP = "1";
const XDP_PASS = "2";

/** Sends `count` UDP datagrams from `src` to `dst`:`port` (default 127.0.0.1), one at a time. */
async function sendUdp(src: string, port: number, count: number, dst = "127.0.0.1"): Promise<void> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind({ address: src }, r));
  for (let i = 0; i < count; i++) {
    await new Promise<void>((res, rej) =>
      s.send(`tsbpf ${i}`, port, dst, (e) => (e ? rej(e) : res())),
    );
  }
  s.close();
}

/** A UDP receiver on 127.0.0.1 that remembers who sent what. */
async function udpReceiver(): Promise<{ port: number; from: string[]; close: () => void }> {
  const s = createSocket("udp4");
  const from: string[] = [];
  s.on("message", (_m, rinfo) => from.push(rinfo.address));
  await new Promise<void>((r) => s.bind({ address: "127.0.0.1", port: 0 }, r));
  return { port: s.address().port, from, close: () => s.close() };
}

/** An Ethernet + IPv4 + UDP/TCP frame from `src` to 127.0.0.1:`dport`. */
function frame(src: readonly number[], proto: 6 | 17, dport: number): Uint8Array {
  const l4 = proto === 17 ? 8 : 20;
  const b = new Uint8Array(14 + 20 + l4);
  const v = new DataView(b.buffer);
  v.setUint16(12, 0x0800); // ETH_P_IP
  b[14] = 0x45; // version 4, IHL 5
  v.setUint16(16, 20 + l4);
  b[22] = 64; // TTL
  b[23] = proto;
  b.set(src, 26);
  b.set([127, 0, 0, 1], 30);
  v.setUint16(34, 40000); // source port
  v.setUint16(36, dport);
  if (proto === 17) v.setUint16(38, 8);
  else b[46] = 0x50; // TCP data offset 5
  return b;
}

/** `tsbpf run --vm` on a packet file: exit code, stdout, stderr. */
function runVm(
  tool: string,
  args: string[],
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ["bin/tsbpf.js", "run", `examples/${tool}.ts`, "--vm", ...args],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const uniquePort = () => 20000 + Math.floor(Math.random() * 40000);

describe.runIf(live)("packet examples, live on lo", () => {
  it("xdp-counter counts our UDP datagrams under protocol 17", async () => {
    const n = 25;
    const out = await runExample(
      "xdp-counter",
      ["--iface", "lo", "--duration", "3"],
      ["countProtocols"],
      () => sendUdp("127.0.0.1", uniquePort(), n),
    );
    expectRan(out, ["countProtocols"]);
    expect(countLines(out.stdout, "byProtocol").get("17")).toBeGreaterThanOrEqual(BigInt(n));
    expectNothingLeft(out);
  }, 60_000);

  it("xdp-firewall drops what comes from a --set blocklisted address and counts it", async () => {
    const rx = await udpReceiver();
    try {
      const out = await runExample(
        "xdp-firewall",
        ["--iface", "lo", "--duration", "3", "--set", "blocklist:127.0.0.2=0"],
        ["firewall"],
        async () => {
          await sendUdp("127.0.0.2", rx.port, 5);
          await sendUdp("127.0.0.1", rx.port, 3);
          await sleep(200);
        },
      );
      expectRan(out, ["firewall"]);
      // The kernel really dropped the blocklisted datagrams: only 127.0.0.1's arrived.
      expect(rx.from.filter((a) => a === "127.0.0.1")).toHaveLength(3);
      expect(rx.from.filter((a) => a === "127.0.0.2")).toEqual([]);
      expect(countLines(out.stdout, "blocklist").get(LOOPBACK_2)).toBe(5n);
      const verdicts = countLines(out.stdout, "verdicts");
      expect(verdicts.get(XDP_DROP)).toBe(5n);
      expect(verdicts.get(XDP_PASS)).toBeGreaterThanOrEqual(3n);
      expectNothingLeft(out);
    } finally {
      rx.close();
    }
  }, 60_000);

  it("xdp-nat rewrites datagrams to a --set VIP:port to the backend, which receives them", async () => {
    const rx = await udpReceiver();
    const vipPort = uniquePort();
    const service = `{"addr":"127.0.0.9","port":${vipPort},"proto":17}`;
    const backend = `{"addr":"127.0.0.1","port":${rx.port},"mac":[0,0,0,0,0,0]}`;
    try {
      const out = await runExample(
        "xdp-nat",
        ["--iface", "lo", "--duration", "3", "--set", `backends:${service}=${backend}`],
        ["nat"],
        async () => {
          await sendUdp("127.0.0.1", vipPort, 4, "127.0.0.9");
          await sleep(200);
        },
      );
      expectRan(out, ["nat"]);
      // Sent to 127.0.0.9:vipPort, delivered to 127.0.0.1:rx.port: XDP_TX put the rewritten frame
      // back on lo, where it passed the second time (and the stack accepted its checksums).
      expect(rx.from.filter((a) => a === "127.0.0.1")).toHaveLength(4);
      const verdicts = countLines(out.stdout, "verdicts");
      expect(verdicts.get("3")).toBe(4n); // XDP_TX
      expect(verdicts.get(XDP_PASS)).toBeGreaterThanOrEqual(4n);
      expectNothingLeft(out);
    } finally {
      rx.close();
    }
  }, 60_000);

  it("tc-portcount counts UDP datagrams to a unique port", async () => {
    const port = uniquePort();
    const n = 7;
    const out = await runExample(
      "tc-portcount",
      ["--iface", "lo", "--duration", "3"],
      ["portcount"],
      () => sendUdp("127.0.0.1", port, n),
    );
    expectRan(out, ["portcount"]);
    // On lo each datagram passes ingress once.
    expect(countLines(out.stdout, "portCounts").get(String(port))).toBe(BigInt(n));
    expectNothingLeft(out);
  }, 60_000);

  it("sockfilter on a packet socket on lo keeps TCP, drops UDP, counts both", async () => {
    const server = createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const tcpPort = (server.address() as AddressInfo).port;
    const udpPort = uniquePort();
    try {
      const out = await runExample(
        "sockfilter",
        ["--iface", "lo", "--duration", "3"],
        ["sockfilter"],
        async () => {
          await sendUdp("127.0.0.1", udpPort, 10);
          await new Promise<void>((res, rej) => {
            const c = connect(tcpPort, "127.0.0.1", () => c.end());
            c.on("close", () => res());
            c.on("error", rej);
          });
        },
      );
      expectRan(out, ["sockfilter"]);
      expect(out.stderr).toContain("attached sockfilter (socket) on a packet socket on lo");
      // A packet socket on lo sees each frame twice (outgoing and incoming).
      const counts = countLines(out.stdout, "protoCounts");
      expect(counts.get("17")).toBeGreaterThanOrEqual(20n);
      expect(counts.get("6")).toBeGreaterThanOrEqual(6n);
      const packets = out.stdout.split("\n").filter((l) => l.startsWith("packet lo: "));
      expect(packets.some((l) => l.endsWith(` > 127.0.0.1:${tcpPort}`))).toBe(true);
      expect(packets.every((l) => / bytes IPv4 TCP /.test(l))).toBe(true);
      expect(packets.some((l) => l.includes(`:${udpPort}`))).toBe(false);
      expectNothingLeft(out);
    } finally {
      server.close();
    }
  }, 60_000);

  it("sockfilter without --iface says what it needs, in one line", async () => {
    const out = await runExample("sockfilter", ["--duration", "1"], ["sockfilter"]);
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe(
      'tsbpf: examples/sockfilter.ts: socket filter "sockfilter" needs a network interface (--iface): it is attached to a ' +
        "raw packet socket that sees every frame of that interface",
    );
  }, 60_000);
});

describe("packet examples in the VM (--vm --packet)", () => {
  let dir: string;
  const file = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-run-vm-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("xdp-firewall drops a packet from the --set blocklisted source and passes another", () => {
    const blocked = file("from2.bin", frame([127, 0, 0, 2], 17, 53));
    const allowed = file("from1.bin", frame([127, 0, 0, 1], 17, 53));
    const set = ["--set", "blocklist:127.0.0.2=0"];
    const drop = runVm("xdp-firewall", ["--packet", blocked, "--repeat", "3", ...set]);
    expect(drop.code).toBe(0);
    expect(countLines(drop.stdout, "blocklist").get(LOOPBACK_2)).toBe(3n);
    expect(countLines(drop.stdout, "verdicts")).toEqual(new Map([[XDP_DROP, 3n]]));
    const pass = runVm("xdp-firewall", ["--packet", allowed, ...set]);
    expect(countLines(pass.stdout, "blocklist").get(LOOPBACK_2)).toBe(0n);
    expect(countLines(pass.stdout, "verdicts")).toEqual(new Map([[XDP_PASS, 1n]]));
    expect(drop.stderr).toContain("ran firewall 3 times in the VM; last return value XDP_DROP (1)");
    expect(pass.stderr).toContain("ran firewall 1 time in the VM; last return value XDP_PASS (2)");
    const json = runVm("xdp-firewall", ["--packet", blocked, "--json", ...set]);
    const docs = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs).toContainEqual({
      type: "return",
      program: "firewall",
      runs: 1,
      value: 1,
      name: "XDP_DROP",
    });
    expect(docs.find((d) => d["name"] === "blocklist")?.["data"]).toEqual([
      { key: "127.0.0.2", value: 1 },
    ]);
  }, 60_000);

  it("xdp-counter counts a UDP packet under protocol 17", () => {
    const r = runVm("xdp-counter", ["--packet", file("udp.bin", frame([10, 0, 0, 1], 17, 9))]);
    expect(r.code).toBe(0);
    expect(countLines(r.stdout, "byProtocol")).toEqual(new Map([["17", 1n]]));
  }, 60_000);

  it("tc-portcount counts the packet's destination port", () => {
    const r = runVm("tc-portcount", [
      "--packet",
      file("tcp.bin", frame([10, 0, 0, 1], 6, 4242)),
      "--repeat",
      "2",
    ]);
    expect(r.code).toBe(0);
    expect(countLines(r.stdout, "portCounts")).toEqual(new Map([["4242", 2n]]));
  }, 60_000);

  it("sockfilter keeps a TCP packet whole and drops a UDP one", () => {
    const tcp = frame([10, 0, 0, 1], 6, 80);
    const kept = runVm("sockfilter", ["--packet", file("tcp.bin", tcp)]);
    expect(kept.code).toBe(0);
    expect(countLines(kept.stdout, "protoCounts")).toEqual(new Map([["6", 1n]]));
    expect(kept.stderr).toContain(
      `ran sockfilter 1 time in the VM; last return value keep ${tcp.length} bytes (${tcp.length})`,
    );
    const dropped = runVm("sockfilter", [
      "--packet",
      file("udp.bin", frame([10, 0, 0, 1], 17, 80)),
    ]);
    expect(countLines(dropped.stdout, "protoCounts")).toEqual(new Map([["17", 1n]]));
    expect(dropped.stderr).toContain("ran sockfilter 1 time in the VM; last return value drop (0)");
  }, 60_000);

  it("rejects a --set for a map the object lacks, or a value that does not fit", () => {
    const p = file("any.bin", frame([127, 0, 0, 2], 17, 53));
    const noMap = runVm("xdp-firewall", ["--packet", p, "--set", "allowlist:1=1"]);
    expect(noMap.code).toBe(1);
    expect(noMap.stderr.trim()).toBe(
      "tsbpf run: --set allowlist: the object has no such data map (maps: blocklist, verdicts)",
    );
    const bad = runVm("xdp-firewall", ["--packet", p, "--set", "blocklist:300.0.0.1=0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("tsbpf run: --set blocklist key: 300.0.0.1 is not an address");
    const malformed = runVm("xdp-firewall", ["--packet", p, "--set", "blocklist=1"]);
    expect(malformed.stderr.trim()).toBe(
      'tsbpf run: --set: expected MAP:KEY=VALUE (e.g. blocklist:10.0.0.1=0), got "blocklist=1"',
    );
  }, 60_000);
});
