/**
 * Packet writes, VM against kernel: every program of test/fixtures/packet-writes.ts (writable
 * __sk_buff fields, skb_store_bytes, l3/l4 checksum replace, csum_diff, skb_change_head / _tail /
 * _proto, skb_adjust_room, VLAN push / pop, the redirect helpers, clone_redirect; XDP adjust_head /
 * _tail / _meta, xdp_store_bytes, direct writes, redirect) runs on its frames in the VM's
 * interpreter and JIT and, with root, on the live kernel through BPF_PROG_TEST_RUN. All sides must
 * agree on the verdict, data_out and the ctx_out fields the kernel copies back (for __sk_buff:
 * mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, hwtstamp — the program
 * copies the other fields it changed into cb; for xdp_md every field). Independent checks pin what
 * the writes must have done (checksums verified from scratch, bytes where they belong), so the two
 * sides cannot agree on a wrong answer; the VM's redirect target and clones are checked too.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset, CONTEXT_LAYOUTS, helperRecord } from "../../core/kernel/index.ts";
import { loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject, type VmRunResult } from "../../runtime/vm/api.ts";
import { probe } from "../../scripts/probe-helper-access.ts";
import { kernelReady } from "../support/kernel-setup.ts";

/** bpf_xdp_adjust_meta's helper id (uapi enum bpf_func_id). */
const XDP_ADJUST_META = helperRecord("xdp_adjust_meta")!.id;

const FILE = "test/fixtures/packet-writes.ts";
const SOURCE = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");

/** The Internet checksum of `b` (RFC 1071), as a big-endian u16. */
function inetSum(b: Uint8Array, seed = 0): number {
  let s = seed;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const csum = (b: Uint8Array, seed = 0) => ~inetSum(b, seed) & 0xffff;
const be16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;

/** The UDP checksum of an Ethernet + IPv4 (no options) + UDP frame. */
function udpCsum(f: Uint8Array): number {
  const udp = f.subarray(34);
  const pseudo = new Uint8Array(12);
  pseudo.set(f.subarray(26, 34), 0);
  pseudo[9] = 17;
  pseudo[10] = udp.length >> 8;
  pseudo[11] = udp.length & 0xff;
  const body = udp.slice();
  body[6] = body[7] = 0;
  const c = csum(body, inetSum(pseudo));
  return c === 0 ? 0xffff : c;
}

/** Ethernet + IPv4 + UDP with correct checksums. */
function udpFrame(src: number[], dst: number[], sport: number, dport: number, payload = 18) {
  const f = new Uint8Array(14 + 20 + 8 + payload);
  f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
  const ip = f.subarray(14);
  ip.set([0x45, 0, 0, 20 + 8 + payload, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, ...src, ...dst]);
  const c = csum(ip.subarray(0, 20));
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  const udp = f.subarray(34);
  udp.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8 + payload]);
  for (let i = 0; i < payload; i++) udp[8 + i] = (i * 37 + 11) & 0xff;
  const u = udpCsum(f);
  f[40] = u >> 8;
  f[41] = u & 0xff;
  return f;
}
const FRAME = udpFrame([10, 0, 0, 1], [10, 0, 0, 2], 4000, 53);
const FRAME_ODD = udpFrame([172, 16, 9, 250], [192, 168, 77, 1], 65535, 1, 33);
/** FRAME with an 802.1Q tag (VLAN 100, priority 1) after the MAC addresses. */
const TAGGED = (() => {
  const f = new Uint8Array(FRAME.length + 4);
  f.set(FRAME.subarray(0, 12));
  f.set([0x81, 0x00, 0x20, 0x64], 12);
  f.set(FRAME.subarray(12), 16);
  return f;
})();

const TC_ACT_OK = 0;
const TC_ACT_REDIRECT = 7;
const XDP_PASS = 2;
const XDP_REDIRECT = 4;
const EINVAL = -22 >>> 0;
const EFAULT = -14 >>> 0;
const ENOTSUPP = -524 >>> 0;

/** What one side returned. */
interface Side {
  readonly retval: number;
  readonly data: Uint8Array;
  readonly ctx: Uint8Array;
}

/** One packet write and its frame, with what must hold of the result beyond VM = kernel. */
interface Case {
  readonly prog: string;
  readonly frame: Uint8Array;
  readonly xdp?: boolean;
  readonly check: (s: Side, cb: number[]) => void;
  readonly vm?: (r: VmRunResult) => void;
}

const ip4 = (f: Uint8Array, at: number) => [...f.subarray(at, at + 4)].join(".");
const headerOk = (f: Uint8Array, ipAt = 14) => csum(f.subarray(ipAt, ipAt + 20)) === 0;

const CASES: readonly Case[] = [
  {
    prog: "tcFields",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.retval).toBe(TC_ACT_OK);
      expect(field(s.ctx, "mark")).toBe(0xdead0001);
      expect(field(s.ctx, "priority")).toBe(0x10002);
      expect(field64(s.ctx, "tstamp")).toBe(123456789n);
      // tc_index, queue_mapping and tc_classid are u16 in the kernel.
      expect(cb).toEqual([0x2345, 3, 0x0007, FRAME.length, (0xdead0001 + 0x10002) >>> 0]);
      expect(s.data).toEqual(FRAME);
    },
  },
  ...[FRAME, FRAME_ODD].map((frame): Case => ({
    prog: "tcNat",
    frame,
    check: (s) => {
      expect(s.retval).toBe(TC_ACT_OK);
      expect(ip4(s.data, 30)).toBe("10.0.2.3");
      expect(headerOk(s.data)).toBe(true);
      expect(be16(s.data, 40)).toBe(udpCsum(s.data));
    },
  })),
  {
    prog: "tcPort",
    frame: FRAME,
    check: (s) => {
      expect(s.retval).toBe(TC_ACT_OK);
      expect(be16(s.data, 36)).toBe(8080);
      expect(be16(s.data, 40)).toBe(udpCsum(s.data));
    },
  },
  ...[FRAME, FRAME_ODD].map((frame): Case => ({
    prog: "tcCsumDiff",
    frame,
    check: (s, cb) => {
      expect(s.retval).toBe(TC_ACT_OK);
      expect(ip4(s.data, 26)).toBe("192.168.1.100");
      expect(headerOk(s.data)).toBe(true);
      expect(be16(s.data, 40)).toBe(udpCsum(s.data));
      // csum_diff(from, from) cancels to a zero sum, folded to 16 bits (all ones).
      expect(cb[1]).toBe(0xffff);
      expect(cb[0]! >>> 16).toBe(0);
      expect(cb.slice(3)).toEqual([EINVAL, EFAULT]);
    },
  })),
  {
    prog: "tcTailGrow",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.data.length).toBe(FRAME.length + 8);
      expect(s.data.subarray(0, FRAME.length)).toEqual(FRAME);
      expect([...s.data.subarray(FRAME.length)]).toEqual([
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
      ]);
      expect(cb[0]).toBe(FRAME.length + 8);
    },
  },
  {
    prog: "tcTailShrink",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.data).toEqual(FRAME.subarray(0, 42));
      expect(cb.slice(0, 2)).toEqual([42, EINVAL]);
    },
  },
  {
    prog: "tcHead",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.data.length).toBe(FRAME.length + 14);
      expect([...s.data.subarray(0, 14)]).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xb5]);
      expect(s.data.subarray(14)).toEqual(FRAME);
      expect(cb.slice(0, 2)).toEqual([FRAME.length + 14, EINVAL]);
    },
  },
  {
    prog: "tcProto",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.data.length).toBe(FRAME.length + 20);
      expect(be16(s.data, 12)).toBe(0x86dd);
      expect(s.data.subarray(14, 34)).toEqual(new Uint8Array(20));
      expect(s.data.subarray(34)).toEqual(FRAME.subarray(14));
      expect(cb.slice(0, 3)).toEqual([0xdd86, FRAME.length + 20, ENOTSUPP]);
    },
  },
  {
    prog: "tcRoom",
    frame: FRAME,
    check: (s, cb) => {
      // +8 after the 20-byte IPv4 header, +4 after the MAC header (then removed again).
      const want = new Uint8Array(FRAME.length + 8);
      want.set(FRAME.subarray(0, 34));
      want.set(FRAME.subarray(34), 42);
      expect(s.data).toEqual(want);
      expect(cb.slice(0, 4)).toEqual([FRAME.length + 12, 0, ENOTSUPP, FRAME.length + 8]);
    },
  },
  {
    prog: "tcVlan",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.data).toEqual(FRAME);
      expect(cb).toEqual([1, 0x2064, 0x0081, 0, FRAME.length]);
    },
  },
  {
    prog: "tcVlanPop",
    frame: TAGGED,
    check: (s, cb) => {
      expect(s.data).toEqual(FRAME);
      expect(cb.slice(0, 4)).toEqual([0x0081, 0x0008, FRAME.length, 0]);
    },
  },
  {
    prog: "tcRedirect",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.retval).toBe(TC_ACT_REDIRECT);
      expect(cb[0]).toBe(2); // TC_ACT_SHOT for an unknown flag
    },
    vm: (r) => expect(r.redirect).toEqual({ helper: "redirect", ifindex: 1, ingress: true }),
  },
  {
    prog: "tcRedirectPeer",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.retval).toBe(TC_ACT_REDIRECT);
      expect(cb[0]).toBe(2);
    },
    vm: (r) => expect(r.redirect).toEqual({ helper: "redirect_peer", ifindex: 1, ingress: true }),
  },
  {
    prog: "tcRedirectNeigh",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.retval).toBe(TC_ACT_REDIRECT);
      expect(cb[0]).toBe(2);
    },
    vm: (r) => expect(r.redirect).toEqual({ helper: "redirect_neigh", ifindex: 1, ingress: false }),
  },
  {
    prog: "tcClone",
    frame: FRAME,
    check: (s, cb) => {
      expect(s.retval).toBe(TC_ACT_OK);
      expect(cb.slice(0, 3)).toEqual([0, EINVAL, EINVAL]);
    },
    vm: (r) => {
      expect(r.redirect).toBeUndefined();
      expect(r.clones).toEqual([{ ifindex: 1, ingress: false, packet: FRAME }]);
    },
  },
  {
    prog: "xdpPush",
    frame: FRAME,
    xdp: true,
    check: (s) => {
      expect(s.retval).toBe(XDP_PASS);
      expect([...s.data.subarray(0, 14)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x88, 0xb5]);
      expect(s.data.subarray(14)).toEqual(FRAME);
    },
  },
  {
    prog: "xdpPop",
    frame: FRAME,
    xdp: true,
    check: (s) => {
      expect(s.retval).toBe(XDP_PASS);
      expect(s.data).toEqual(FRAME.subarray(14));
    },
  },
  {
    prog: "xdpTail",
    frame: FRAME,
    xdp: true,
    check: (s) => {
      expect(s.retval).toBe(XDP_PASS);
      const want = new Uint8Array(FRAME.length + 4);
      want.set(FRAME);
      want[FRAME.length + 3] = 0; // byte 5 of the 6 grown (0x5a) was cut again
      expect(s.data).toEqual(want);
    },
  },
  {
    prog: "xdpMeta",
    frame: FRAME,
    xdp: true,
    check: (s) => {
      expect(s.retval).toBe(XDP_PASS);
      // data_out starts at data_meta: the 48 (zero) metadata bytes, then the frame from byte 4.
      expect(s.data.subarray(0, 48)).toEqual(new Uint8Array(48));
      expect(s.data.subarray(48)).toEqual(FRAME.subarray(4));
      expect(field(s.ctx, "data", "xdp_md")).toBe(48);
      expect(field(s.ctx, "data_end", "xdp_md")).toBe(FRAME.length + 44);
    },
  },
  {
    prog: "xdpStore",
    frame: FRAME,
    xdp: true,
    check: (s) => {
      expect(s.data[22]).toBe(63);
      expect(ip4(s.data, 30)).toBe("10.0.0.77");
    },
  },
  {
    prog: "xdpRedirect",
    frame: FRAME,
    xdp: true,
    check: (s) => expect(s.retval).toBe(XDP_REDIRECT),
    vm: (r) => expect(r.redirect).toEqual({ helper: "redirect", ifindex: 1, ingress: false }),
  },
];

function field(ctx: Uint8Array, name: string, struct = "__sk_buff"): number {
  return new DataView(ctx.buffer, ctx.byteOffset).getUint32(contextOffset(struct, name), true);
}
function field64(ctx: Uint8Array, name: string): bigint {
  return new DataView(ctx.buffer, ctx.byteOffset).getBigUint64(
    contextOffset("__sk_buff", name),
    true,
  );
}
const cbOf = (ctx: Uint8Array) =>
  [0, 1, 2, 3, 4]
    .map((i) => field(ctx, "cb") && 0)
    .map((_, i) =>
      new DataView(ctx.buffer, ctx.byteOffset).getUint32(
        contextOffset("__sk_buff", "cb") + 4 * i,
        true,
      ),
    );

/** The __sk_buff fields BPF_PROG_TEST_RUN copies back (net/bpf/test_run.c convert_skb_to___skb). */
const SKB_OUT_FIELDS = [
  "mark",
  "priority",
  "ingress_ifindex",
  "ifindex",
  "cb",
  "tstamp",
  "wire_len",
  "gso_segs",
  "hwtstamp",
];
/** The bytes of the named fields, for comparing contexts field by field. */
function fieldsOf(ctx: Uint8Array, struct: string, names?: readonly string[]) {
  const layout = CONTEXT_LAYOUTS[struct]!;
  return Object.fromEntries(
    layout.fields
      .filter((f) => !names || names.includes(f.name))
      .map((f) => [f.name, [...ctx.subarray(f.offset, f.offset + f.size * (f.count ?? 1))]]),
  );
}

/**
 * ctx_in for the kernel: ifindex 1 (lo) for both, everything else zero (an skb's ingress_ifindex
 * stays 0, the VM's default: a test-run skb arrived on no interface).
 */
function kernelCtx(xdp: boolean, frame: Uint8Array): Uint8Array {
  const struct = xdp ? "xdp_md" : "__sk_buff";
  const b = new Uint8Array(CONTEXT_LAYOUTS[struct]!.size);
  const v = new DataView(b.buffer);
  if (xdp) {
    v.setUint32(contextOffset(struct, "data_end"), frame.length, true);
    v.setUint32(contextOffset(struct, "ingress_ifindex"), 1, true);
  } else v.setUint32(contextOffset(struct, "ifindex"), 1, true);
  return b;
}

let object: Uint8Array;
beforeAll(async () => {
  const out = await compileSource(SOURCE, FILE, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  object = out.object!;
});

const vmSides = new Map<string, Side[]>();
const label = (c: Case, i: number) => `${c.prog} #${i}`;

describe("packet writes in the VM (interpreter and JIT agree)", () => {
  CASES.forEach((c, i) => {
    it(label(c, i), () => {
      const results = (["interpreter", "jit"] as const).map((engine) => {
        const obj = VmObject.load(object, { engine });
        const r = obj.program(c.prog).run({ packet: c.frame });
        c.vm?.(r);
        return { retval: Number(r.r0 & 0xffffffffn), data: r.packet!, ctx: r.ctx! };
      });
      expect(results[1]).toEqual(results[0]);
      const s = results[0]!;
      c.check(s, c.xdp ? [] : cbOf(s.ctx));
      vmSides.set(label(c, i), results);
    });
  });
});

describe("packet writes on the kernel agree with the VM (BPF_PROG_TEST_RUN data_out, ctx_out)", () => {
  it(`all ${CASES.length} cases (or the kernel's refusal of a helper its build leaves out)`, () => {
    if (!kernelReady("packet writes VM vs kernel")) return;
    // Some kernel builds leave bpf_xdp_adjust_meta out of XDP (6.18.44-fc-v1300 does; the build the
    // helper records were probed on allows it). Ask this kernel; where it refuses, the program's load
    // must fail naming the helper, and the VM's answer is held to the independent check alone.
    const metaRefused = probe({ progType: "XDP", attachType: null }, XDP_ADJUST_META) === "refused";
    const refused = new Set(metaRefused ? ["xdpMeta"] : []);
    for (const name of refused)
      expect(() => loadObject(object, { programs: [name] })).toThrow(
        /program of this type cannot use helper bpf_xdp_adjust_meta#54/,
      );
    const kept = CASES.filter((c) => !refused.has(c.prog));
    const obj = loadObject(object, { programs: [...new Set(kept.map((c) => c.prog))] });
    let compared = 0;
    try {
      CASES.forEach((c, i) => {
        if (refused.has(c.prog)) return;
        const res = testRun(obj.program(c.prog), {
          data: c.frame,
          ctx: kernelCtx(!!c.xdp, c.frame),
        });
        const k: Side = { retval: res.retval, data: res.dataOut, ctx: res.ctxOut };
        c.check(k, c.xdp ? [] : cbOf(k.ctx));
        const vm = vmSides.get(label(c, i));
        expect(vm, `${label(c, i)} ran in the VM`).toBeDefined();
        const v = vm![0]!;
        const struct = c.xdp ? "xdp_md" : "__sk_buff";
        const names = c.xdp ? undefined : SKB_OUT_FIELDS;
        expect({
          case: label(c, i),
          retval: v.retval,
          data: [...v.data],
          ctx: fieldsOf(v.ctx, struct, names),
        }).toEqual({
          case: label(c, i),
          retval: k.retval,
          data: [...k.data],
          ctx: fieldsOf(k.ctx, struct, names),
        });
        compared++;
      });
    } finally {
      obj.close();
    }
    expect(compared).toBe(kept.length);
  });
});
