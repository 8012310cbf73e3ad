/**
 * BPF_MAP_TYPE_REUSEPORT_SOCKARRAY with an sk_reuseport program (fixture
 * test/kernel/kinds/reuseport-array.ts): on the live kernel the map is created, user space stores
 * two sockets of an SO_REUSEPORT group in it, and the program attached to the group steers each
 * datagram by its length to the socket of slot 0 or 1 (every one of them, where the kernel would
 * spread them by hash), an emptied slot falling back to the kernel's own choice with -ENOENT
 * counted. The VM runs the same program on an sk_reuseport_md and reports the socket selected.
 */
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset } from "../../core/kernel/index.ts";
import { loadObject, mapInfo, type LoadedObject } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { RawUdpSocket } from "../support/raw-udp-socket.ts";

const FIXTURE = join(import.meta.dirname, "kinds", "reuseport-array.ts");
const run = kernelReady("reuseport sockarray");

async function compileFixture(): Promise<Uint8Array> {
  const out = await compileSource(readFileSync(FIXTURE, "utf8"), "reuseport-array.ts", {
    check: true,
  });
  expect(out.diagnostics).toEqual([]);
  return out.object!;
}

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

/** Slot `i` of the `calls` counters, from the kernel or the VM. */
function counter(from: LoadedObject | VmObject, i: number): bigint {
  const v =
    from instanceof VmObject ? from.map("calls").get(u32(i))! : from.map("calls").lookup(u32(i))!;
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
}

async function send(port: number, payloads: readonly string[]): Promise<void> {
  const tx = createSocket("udp4");
  try {
    for (const p of payloads)
      await new Promise<void>((r, j) => tx.send(p, port, "127.0.0.1", (e) => (e ? j(e) : r())));
  } finally {
    tx.close();
  }
  await new Promise((r) => setTimeout(r, 50));
}

describe("reuseport sockarray in the VM", () => {
  it("selects the socket of the slot the datagram's length picks, -ENOENT for an empty one", async () => {
    const vm = VmObject.load(await compileFixture());
    try {
      vm.map("group").set(u32(0), u32(11));
      const md = (len: number) => {
        const b = new Uint8Array(56);
        new DataView(b.buffer).setUint32(contextOffset("sk_reuseport_md", "len"), len, true);
        return b;
      };
      const short = vm.program("steer").run({ ctx: md(12) });
      expect(short.r0).toBe(1n);
      expect(short.socketRedirect).toEqual({
        helper: "sk_select_reuseport",
        map: "group",
        key: "00000000",
        socket: 11n,
        ingress: false,
      });
      const long = vm.program("steer").run({ ctx: md(16) });
      expect(long.socketRedirect).toBeUndefined();
      expect([counter(vm, 0), counter(vm, 1)]).toEqual([1n, 1n]);
    } finally {
      vm.dispose();
    }
  });
});

describe.runIf(run)("reuseport sockarray on the live kernel", () => {
  let obj: LoadedObject;
  const socks: RawUdpSocket[] = [];
  beforeAll(async () => {
    obj = loadObject(await compileFixture());
  });
  afterAll(() => {
    for (const s of socks) s.close();
    obj?.close();
  });

  it("is created as BPF_MAP_TYPE_REUSEPORT_SOCKARRAY (20) with a u32 slot and a u32 socket fd", () => {
    const info = mapInfo(obj.map("group").fd);
    expect([info.type, info.keySize, info.valueSize, info.maxEntries]).toEqual([20, 4, 4, 2]);
  });

  it("steers every datagram to the socket in the slot its length picks", async () => {
    const a = new RawUdpSocket({ reusePort: true });
    socks.push(a);
    for (let i = 0; i < 3; i++) socks.push(new RawUdpSocket({ reusePort: true, port: a.port }));
    const [, b, c] = socks as [RawUdpSocket, RawUdpSocket, RawUdpSocket];
    obj.map("group").update(u32(0), u32(b.fd));
    obj.map("group").update(u32(1), u32(c.fd));
    const link = obj.attach("steer", { socketFd: a.fd });
    try {
      await send(a.port, ["ping", "ping", "ping", "pingpong", "pingpong"]);
      expect(socks.map((s) => s.drain())).toEqual([0, 3, 2, 0]);
      expect([counter(obj, 0), counter(obj, 1)]).toEqual([5n, 0n]);
      // An emptied slot: the helper says -ENOENT and the kernel picks by hash among the four.
      expect(obj.map("group").delete(u32(1))).toBe(true);
      await send(a.port, ["pingpong", "pingpong"]);
      expect(socks.reduce((n, s) => n + s.drain(), 0)).toBe(2);
      expect([counter(obj, 0), counter(obj, 1)]).toEqual([5n, 2n]);
    } finally {
      link.detach();
    }
  });

  it("refuses a socket outside any SO_REUSEPORT group, as the kernel does", () => {
    const lone = new RawUdpSocket();
    socks.push(lone);
    expect(() => obj.map("group").update(u32(0), u32(lone.fd))).toThrow(/EINVAL/);
  });
});
