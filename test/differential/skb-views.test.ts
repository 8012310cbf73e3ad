/**
 * What each __sk_buff program type sees of one frame, VM against kernel: every program of
 * test/fixtures/skb-views.ts (sched_cls, sched_act, socket_filter, cgroup_skb ingress / egress,
 * lwt_in / out / xmit) records its len, protocol, pkt_type, the first packet bytes through
 * bpf_skb_load_bytes and through data, and which lengths fit before data_end. Each runs on the same
 * frames in the VM's interpreter and JIT and, with root, on the live kernel through
 * BPF_PROG_TEST_RUN, callers passing the same Ethernet frame to every side. All sides must agree
 * field by field on the verdict, those records, wire_len and data_out; an independent model from
 * net/bpf/test_run.c (tc sees the frame from its MAC header, the other types from the network
 * header, with the Ethernet header zeroed in data_out; pkt_type as eth_type_trans sets it on lo)
 * pins what they must agree on. Flow dissectors run through their own test run on the whole frame
 * (test/kernel/flow-keys.test.ts).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset, CONTEXT_LAYOUTS, programType } from "../../core/kernel/index.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FILE = "test/fixtures/skb-views.ts";
const SOURCE = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");
const ETH_HLEN = 14;

/** Program name → its program type (the records' name) and whether it reads data directly. */
const PROGRAMS = {
  cls: { type: "SCHED_CLS", direct: true },
  act: { type: "SCHED_ACT", direct: true },
  filter: { type: "SOCKET_FILTER", direct: false },
  skbIngress: { type: "CGROUP_SKB", direct: true },
  skbEgress: { type: "CGROUP_SKB", direct: true },
  lwtIn: { type: "LWT_IN", direct: true },
  lwtOut: { type: "LWT_OUT", direct: true },
  lwtXmit: { type: "LWT_XMIT", direct: true },
} as const;
type Name = keyof typeof PROGRAMS;

/** An Ethernet frame: destination MAC, EtherType, then `body`. */
function frame(dst: readonly number[], etherType: number, body: readonly number[]): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + body.length);
  f.set(dst, 0);
  f.set([2, 0, 0, 0, 0, 1, etherType >> 8, etherType & 0xff], 6);
  f.set(body, ETH_HLEN);
  return f;
}
const ipv4 = (total: number) => [
  ...[0x45, 0, total >> 8, total & 0xff, 0x12, 0x34, 0, 0, 64, 17, 0, 0],
  ...[10, 0, 0, 1, 10, 0, 0, 2],
  ...Array.from({ length: total - 20 }, (_, i) => (i * 29 + 3) & 0xff),
];
const ipv6 = (payload: number) => [
  ...[0x60, 0, 0, 0, 0, payload, 17, 64],
  ...Array.from({ length: 32 + payload }, (_, i) => (i * 13 + 7) & 0xff),
];
const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const ZERO = [0, 0, 0, 0, 0, 0];
const UNICAST = [2, 0, 0, 0, 0, 9];
const GROUP = [0x01, 0x00, 0x5e, 0, 0, 1];

/** Frames around the lengths the programs test (46 and 47 bytes from data), every pkt_type. */
const FRAMES: readonly { readonly label: string; readonly bytes: Uint8Array }[] = [
  { label: "IPv4, 60 bytes, broadcast", bytes: frame(BROADCAST, 0x0800, ipv4(46)) },
  { label: "IPv4, 61 bytes, to lo's address", bytes: frame(ZERO, 0x0800, ipv4(47)) },
  { label: "IPv4, 98 bytes, multicast", bytes: frame(GROUP, 0x0800, ipv4(84)) },
  { label: "IPv6, 70 bytes, other host", bytes: frame(UNICAST, 0x86dd, ipv6(16)) },
  { label: "ARP, 42 bytes", bytes: frame(BROADCAST, 0x0806, Array(28).fill(1)) },
  { label: "header only, 14 bytes", bytes: frame(UNICAST, 0x88b5, []) },
];

/** What one side reports of one run. */
interface View {
  readonly retval: number;
  readonly len: number;
  readonly protocol: number;
  readonly pktType: number;
  readonly loaded: number;
  readonly direct: number;
  readonly fits46: boolean;
  readonly fits47: boolean;
  readonly wireLen: number;
  readonly dataOut: number[];
}

const u32At = (ctx: Uint8Array, at: number) =>
  new DataView(ctx.buffer, ctx.byteOffset).getUint32(at, true);
const cb = (ctx: Uint8Array, i: number) => u32At(ctx, contextOffset("__sk_buff", "cb") + 4 * i);

function viewOf(retval: number, ctx: Uint8Array, dataOut: Uint8Array): View {
  return {
    retval,
    len: cb(ctx, 0),
    protocol: cb(ctx, 1),
    pktType: cb(ctx, 2) & 0xff,
    loaded: cb(ctx, 3),
    direct: cb(ctx, 4),
    fits46: (cb(ctx, 2) & 0x100) !== 0,
    fits47: (cb(ctx, 2) & 0x200) !== 0,
    wireLen: u32At(ctx, contextOffset("__sk_buff", "wire_len")),
    dataOut: [...dataOut],
  };
}

const be32 = (b: Uint8Array) =>
  b.length < 4 ? 0xffffffff : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;

/**
 * The model: what net/bpf/test_run.c bpf_prog_test_run_skb gives the type (independent of the VM;
 * the one input from the records is which side of the Ethernet header the type starts).
 */
function expected(name: Name, f: Uint8Array): View {
  const { type, direct } = PROGRAMS[name];
  const l3 = programType(type)!.testRunSkb === "l3";
  expect(programType(type)!.testRunSkb).toBe(type.startsWith("SCHED_") ? "l2" : "l3");
  const seen = l3 ? f.subarray(ETH_HLEN) : f;
  const dst = f.subarray(0, 6);
  const pktType = dst.every((b) => b === 0) ? 0 : (dst[0]! & 1) !== 0 ? 2 : 3;
  const out = new Uint8Array(f.length);
  out.set(seen, f.length - seen.length);
  return {
    retval: name === "filter" ? seen.length : name.startsWith("skb") ? 1 : 0,
    len: seen.length,
    protocol: f[12]! | (f[13]! << 8),
    pktType,
    loaded: be32(seen),
    direct: direct ? be32(seen) : 0,
    fits46: direct && seen.length >= 46,
    fits47: direct && seen.length >= 47,
    wireLen: seen.length,
    dataOut: [...out],
  };
}

/** ctx_in all zero (so ctx_out comes back): the kernel runs on lo, ifindex 1, as the VM does. */
const ctxIn = () => new Uint8Array(CONTEXT_LAYOUTS["__sk_buff"]!.size);

let object: Uint8Array;
beforeAll(async () => {
  const out = await compileSource(SOURCE, FILE, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  object = out.object!;
});

const names = Object.keys(PROGRAMS) as Name[];

describe("__sk_buff views in the VM (interpreter and JIT agree with the test-run model)", () => {
  for (const name of names)
    it(name, () => {
      for (const engine of ["interpreter", "jit"] as const) {
        const obj = VmObject.load(object, { engine });
        for (const f of FRAMES) {
          const r = obj.program(name).run({ packet: f.bytes });
          const got = viewOf(Number(r.r0 & 0xffffffffn), r.ctx!, r.packet!);
          expect(got, `${name} ${engine} ${f.label}`).toEqual(expected(name, f.bytes));
        }
        obj.dispose();
      }
    });

  it("an L3 type refuses a packet shorter than an Ethernet header, as the kernel does", () => {
    const obj = VmObject.load(object);
    expect(() => obj.program("skbIngress").run({ packet: new Uint8Array(13) })).toThrow(
      /program skbIngress \(CGROUP_SKB\) sees the packet from its network header: pass an Ethernet frame of at least 14 bytes/,
    );
    obj.dispose();
  });
});

describe("__sk_buff views on the kernel agree with both VM engines field by field", () => {
  it(`${names.length} program types × ${FRAMES.length} frames`, () => {
    if (!kernelReady("__sk_buff views VM vs kernel")) return;
    const kernel = loadObject(object);
    const vms = (["interpreter", "jit"] as const).map((engine) =>
      VmObject.load(object, { engine }),
    );
    try {
      let compared = 0;
      for (const name of names) {
        for (const f of FRAMES) {
          const k = testRun(kernel.program(name), { data: f.bytes, ctx: ctxIn() });
          const kv = viewOf(k.retval, k.ctxOut, k.dataOut);
          const what = `${name} ${f.label}`;
          expect(kv, `${what} (kernel)`).toEqual(expected(name, f.bytes));
          for (const vm of vms) {
            const r = vm.program(name).run({ packet: f.bytes });
            expect(viewOf(Number(r.r0 & 0xffffffffn), r.ctx!, r.packet!), what).toEqual(kv);
          }
          compared++;
        }
      }
      expect(compared).toBe(names.length * FRAMES.length);
    } finally {
      kernel.close();
      for (const vm of vms) vm.dispose();
    }
  });
});
