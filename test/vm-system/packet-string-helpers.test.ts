/**
 * The packet byte and string helpers the VM implements (runtime/helpers/packet-bytes.ts,
 * string-helpers.ts), called from compiled TS through the generated declarations, and the clean
 * error for a helper the VM does not implement.
 */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";

async function load(source: string): Promise<VmObject> {
  const out = await compileSource(source, "h.ts", { check: true });
  const errors = out.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || !out.object)
    throw new Error(formatDiagnostics(errors, { "h.ts": source }));
  return VmObject.load(out.object);
}

const SOURCE = `
import { FixedArray, u8, u32, u64, xdp, tc, kprobe, xdpLoadBytes, xdpStoreBytes, xdpGetBuffLen,
  skbStoreBytes, strtol, i64, strncmp, skbGetTunnelKey, zeroed } from "tsbpf";
export const license = "GPL";
export const swap = xdp((ctx) => {
  const b: FixedArray<u8, 2> = zeroed();
  if (xdpLoadBytes(ctx, 0, b) !== 0) return 0;
  const t: u8 = b[0];
  b[0] = b[1];
  b[1] = t;
  if (xdpStoreBytes(ctx, 0, b) !== 0) return 0;
  return u32(xdpGetBuffLen(ctx));
});
export const outside = xdp((ctx) => {
  const b: FixedArray<u8, 4> = zeroed();
  return u32(-xdpLoadBytes(ctx, 1000, b));
});
export const mark = tc((ctx) => {
  const b: FixedArray<u8, 2> = zeroed();
  b[0] = 0xaa;
  b[1] = 0xbb;
  return u32(skbStoreBytes(ctx, 1, b, 0));
});
export const parse = kprobe("vfs_read", (ctx) => {
  const s: FixedArray<u8, 8> = zeroed();
  s[0] = 0x20; s[1] = 0x2d; s[2] = 0x34; s[3] = 0x32; s[4] = 0x78;
  const res: FixedArray<u64, 1> = zeroed();
  const n = strtol(s, 0, res);
  const cmp = strncmp(s, "  ");
  return u32(n * 1000 + i64(res[0] & 0xff) + (cmp + 1) * 100000);
});
export const tunnel = tc((ctx) => {
  const key: FixedArray<u32, 11> = zeroed();
  return u32(skbGetTunnelKey(ctx, key, 0));
});
`;

describe("VM packet and string helpers", () => {
  it("xdp load/store bytes and buffer length work on the packet", async () => {
    const obj = await load(SOURCE);
    const packet = new Uint8Array([1, 2, 3, 4, 5]);
    const r = obj.program("swap").run({ packet });
    expect(r.r0).toBe(5n);
    expect([...r.packet!]).toEqual([2, 1, 3, 4, 5]);
    expect(obj.program("outside").run({ packet }).r0).toBe(14n); // -EFAULT
  });

  it("skb_store_bytes writes the packet", async () => {
    const obj = await load(SOURCE);
    const r = obj.program("mark").run({ packet: new Uint8Array(20) });
    expect(r.r0).toBe(0n);
    expect([...r.packet!.subarray(0, 4)]).toEqual([0, 0xaa, 0xbb, 0]);
  });

  it("strtol parses past whitespace and a sign; strncmp compares", async () => {
    const obj = await load(SOURCE);
    // " -42x": 4 bytes consumed, value -42 (low byte 0xd6); " -" > "  " so strncmp is 1.
    expect(obj.program("parse").run({ args: [] }).r0).toBe(4n * 1000n + 0xd6n + 2n * 100000n);
  });

  it("a helper the VM does not implement names the helper and why", async () => {
    const obj = await load(SOURCE);
    expect(() => obj.program("tunnel").run({ packet: new Uint8Array(20) })).toThrow(
      /program tunnel calls bpf_skb_get_tunnel_key \(helper 20\), which the VM does not implement: it reads or changes kernel packet state/,
    );
  });
});
