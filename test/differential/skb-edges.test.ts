/**
 * Edges of BPF_PROG_TEST_RUN for __sk_buff programs, VM against kernel (test/fixtures/skb-edges.ts:
 * a tc program and a socket filter recording ingress_ifindex, ifindex, len and the first bytes of
 * the network header):
 * - ingress_ifindex: the kernel reports 0 with a zeroed ctx_in and without ctx_in (a test-run skb
 *   arrived on no interface; ifindex is lo's, 1) and takes ctx_in's value; the VM's default and
 *   its `ingressIfindex` input match;
 * - truncated network headers: a frame whose EtherType is IPv4 (IPv6) with fewer than 20 (40)
 *   bytes after the Ethernet header, e.g. 14 + 10 bytes, is refused by the kernel with EINVAL and
 *   by the VM with its reason; other EtherTypes run on any frame of at least 14 bytes, a load past
 *   the end failing alike.
 * Every case is compared field by field (return value, data_out, the recorded cb words and
 * ingress_ifindex / ifindex in ctx_out) between both VM engines, an independent model and, with
 * root, the kernel.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset, CONTEXT_LAYOUTS } from "../../core/kernel/index.ts";
import { KernelError, loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmApiError, VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const FILE = "test/fixtures/skb-edges.ts";
const ETH_HLEN = 14;
const PROGRAMS = ["cls", "filter"] as const;
type Name = (typeof PROGRAMS)[number];

/** A frame of `length` bytes: EtherType `etherType`, then `first` and a counting pattern. */
function frame(etherType: number, length: number, first = 0x45): Uint8Array {
  const f = new Uint8Array(length);
  f.set([2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 1, etherType >> 8, etherType & 0xff]);
  for (let i = ETH_HLEN; i < length; i++) f[i] = i === ETH_HLEN ? first : i;
  return f;
}

/** Frames: whole and truncated network headers (refused: the kernel's minimum, 14 + 20 / 40). */
const FRAMES = [
  { label: "IPv4, 60 bytes", bytes: frame(0x0800, 60), refused: false },
  { label: "IPv4, exactly its 20-byte header", bytes: frame(0x0800, 34), refused: false },
  {
    label: "IPv4, 20 bytes of a header claiming 60 (ihl 15)",
    bytes: frame(0x0800, 34, 0x4f),
    refused: false,
  },
  { label: "IPv4, 14 + 10 bytes", bytes: frame(0x0800, 24), refused: true },
  {
    label: "IPv4, 14 + 10 bytes claiming 20 (ihl 5, version 0)",
    bytes: frame(0x0800, 24, 0x05),
    refused: true,
  },
  { label: "IPv4, 14 + 19 bytes", bytes: frame(0x0800, 33), refused: true },
  { label: "IPv4, Ethernet header only", bytes: frame(0x0800, 14), refused: true },
  { label: "IPv6, exactly its 40-byte header", bytes: frame(0x86dd, 54), refused: false },
  { label: "IPv6, 14 + 10 bytes", bytes: frame(0x86dd, 24), refused: true },
  { label: "other EtherType, 14 + 10 bytes", bytes: frame(0x88b5, 24), refused: false },
  { label: "other EtherType, 14 + 1 bytes", bytes: frame(0x88b5, 15), refused: false },
] as const;

/** How the context comes in: none, zeroed, or with ingress_ifindex set. */
const CONTEXTS = [
  { label: "no ctx_in", ingress: undefined },
  { label: "zeroed ctx_in", ingress: 0 },
  { label: "ctx_in ingress_ifindex 42", ingress: 42 },
] as const;

/** What one side reports of one run (`ctx` fields only when ctx_out came back). */
interface Outcome {
  readonly retval: number;
  readonly dataOut: number[];
  readonly ctx?: readonly number[];
}
type Side = Outcome | "refused";

const u32 = (ctx: Uint8Array, field: string, i = 0) =>
  new DataView(ctx.buffer, ctx.byteOffset).getUint32(
    contextOffset("__sk_buff", field) + 4 * i,
    true,
  );
/** cb[0..3], then ingress_ifindex and ifindex. */
const ctxFields = (ctx: Uint8Array) => [
  ...[0, 1, 2, 3].map((i) => u32(ctx, "cb", i)),
  u32(ctx, "ingress_ifindex"),
  u32(ctx, "ifindex"),
];

/** The model (net/bpf/test_run.c and the fixture), independent of both sides. */
function model(name: Name, f: (typeof FRAMES)[number], ingress: number | undefined): Side {
  if (f.refused) return "refused";
  const b = f.bytes;
  // tc sees the frame from its MAC header, a socket filter from the network header (data_out
  // then has the Ethernet header zeroed).
  const net = b.subarray(ETH_HLEN);
  const len = name === "cls" ? b.length : net.length;
  const got = net.length >= 10 ? 10 : net.length >= 1 ? 1 : 0;
  const dataOut = [...b];
  if (name === "filter") dataOut.fill(0, 0, ETH_HLEN);
  const iif = ingress ?? 0;
  return {
    retval: iif + 16 * got,
    dataOut,
    ...(ingress !== undefined
      ? { ctx: [iif, 1, len, got === 10 ? (net[0]! << 8) | net[9]! : 0xffffffff, iif, 1] }
      : {}),
  };
}

let object: Uint8Array;
beforeAll(async () => {
  const out = await compileSource(readFileSync(FILE, "utf8"), FILE, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  object = out.object!;
});

function vmSide(vm: VmObject, name: Name, bytes: Uint8Array, ingress: number | undefined): Side {
  try {
    const r = vm
      .program(name)
      .run({ packet: bytes, ...(ingress !== undefined ? { ingressIfindex: ingress } : {}) });
    return {
      retval: Number(r.r0 & 0xffffffffn),
      dataOut: [...r.packet!],
      ...(ingress !== undefined ? { ctx: ctxFields(r.ctx!) } : {}),
    };
  } catch (e) {
    if (!(e instanceof VmApiError)) throw e;
    expect(e.message).toMatch(
      /needs its (20|40)-byte network header after the Ethernet header \(BPF_PROG_TEST_RUN refuses shorter ones with EINVAL\): pass at least (34|54) bytes, got \d+/,
    );
    return "refused";
  }
}

const cases = PROGRAMS.flatMap((name) =>
  FRAMES.flatMap((f) =>
    CONTEXTS.map((c) => ({ name, f, c, what: `${name} ${f.label}, ${c.label}` })),
  ),
);

describe("__sk_buff test-run edges in the VM (interpreter and JIT agree with the model)", () => {
  it(`${cases.length} cases`, () => {
    for (const engine of ["interpreter", "jit"] as const) {
      const vm = VmObject.load(object, { engine });
      for (const { name, f, c, what } of cases)
        expect(vmSide(vm, name, f.bytes, c.ingress), `${what} (${engine})`).toEqual(
          model(name, f, c.ingress),
        );
      vm.dispose();
    }
  });
});

describe("__sk_buff test-run edges on the kernel agree with the VM", () => {
  it(`${cases.length} cases: return value, data_out, ctx_out; refusals alike`, () => {
    if (!kernelReady("__sk_buff test-run edges VM vs kernel")) return;
    const kernel = loadObject(object);
    const vm = VmObject.load(object);
    let same = 0;
    try {
      for (const { name, f, c, what } of cases) {
        let k: Side;
        try {
          const ctx =
            c.ingress === undefined
              ? undefined
              : new Uint8Array(CONTEXT_LAYOUTS["__sk_buff"]!.size);
          if (ctx)
            new DataView(ctx.buffer).setUint32(
              contextOffset("__sk_buff", "ingress_ifindex"),
              c.ingress!,
              true,
            );
          const r = testRun(kernel.program(name), { data: f.bytes, ...(ctx ? { ctx } : {}) });
          k = {
            retval: r.retval,
            dataOut: [...r.dataOut],
            ...(ctx ? { ctx: ctxFields(r.ctxOut) } : {}),
          };
        } catch (e) {
          if (!(e instanceof KernelError) || e.code !== "EINVAL") throw e;
          k = "refused";
        }
        expect(k, `${what} (kernel)`).toEqual(model(name, f, c.ingress));
        expect(vmSide(vm, name, f.bytes, c.ingress), what).toEqual(k);
        same++;
      }
      expect(same).toBe(cases.length);
    } finally {
      kernel.close();
      vm.dispose();
    }
  });
});
