/**
 * BPF_MAP_TYPE_REUSEPORT_SOCKARRAY (test/kernel/kinds/reuseport-array.ts): an sk_reuseport program
 * attached to a SO_REUSEPORT group of two UDP sockets selects slot 0's socket. On the kernel every
 * datagram sent to the group lands on the socket user space stored in slot 0, moves with the slot,
 * and is dropped while the slot is empty; a socket outside any group is refused. In the VM (both
 * engines) the same program run gives the same verdicts and reports the selected socket's fd.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { CONTEXT_LAYOUTS } from "../../core/kernel/index.ts";
import { loadObject, type LoadedObject } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { RawUdpSocket, sendUdp } from "../support/raw-udp-socket.ts";

const run = kernelReady("reuseport_sockarray");
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const [SK_DROP, SK_PASS] = [0, 1];

let bytes: Uint8Array;
beforeAll(async () => {
  const file = "test/kernel/kinds/reuseport-array.ts";
  const src = readFileSync(join(import.meta.dirname, "../..", file), "utf8");
  const out = await compileSource(src, file, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  bytes = out.object!;
});

/** Sends `n` datagrams to 127.0.0.1:`port`, then gives the kernel a moment to queue them. */
async function send(port: number, n: number): Promise<void> {
  await sendUdp(port, n);
  await new Promise((r) => setTimeout(r, 50));
}

for (const engine of ["interpreter", "jit"] as const) {
  describe(`reuseport_sockarray in the VM (${engine})`, () => {
    it("selects slot 0's socket, and drops while the slot is empty", () => {
      const vm = VmObject.load(bytes, { engine });
      const ctx = new Uint8Array(CONTEXT_LAYOUTS.sk_reuseport_md!.size);
      const pick = () => vm.program("pick").run({ ctx });
      expect(Number(pick().r0)).toBe(SK_DROP);
      vm.map("group").set(u32(0), u32(41));
      const r = pick();
      expect(Number(r.r0)).toBe(SK_PASS);
      expect(r.socketRedirect).toMatchObject({
        helper: "sk_select_reuseport",
        map: "group",
        socket: 41n,
      });
      vm.map("group").delete(u32(0));
      expect(Number(pick().r0)).toBe(SK_DROP);
      vm.dispose();
    });
  });
}

describe.runIf(run)("reuseport_sockarray on the live kernel", () => {
  let obj: LoadedObject;
  beforeAll(() => {
    obj = loadObject(bytes);
  });
  afterAll(() => obj?.close());

  it("every datagram goes to the socket in slot 0, follows the slot, and is dropped while it is empty", async () => {
    expect(obj.map("group").type).toBe(20); // BPF_MAP_TYPE_REUSEPORT_SOCKARRAY
    const a = new RawUdpSocket({ reusePort: true });
    const b = new RawUdpSocket({ reusePort: true, port: a.port });
    const loner = new RawUdpSocket();
    try {
      const link = obj.attach("pick", { socketFd: a.fd });
      try {
        await send(a.port, 3);
        expect([a.drain(), b.drain()]).toEqual([0, 0]); // empty slot: -ENOENT, SK_DROP
        obj.map("group").update(u32(0), u32(b.fd));
        await send(a.port, 4);
        expect([a.drain(), b.drain()]).toEqual([0, 4]);
        obj.map("group").update(u32(0), u32(a.fd));
        await send(a.port, 2);
        expect([a.drain(), b.drain()]).toEqual([2, 0]);
        // Only a socket of a SO_REUSEPORT group fits in the array.
        expect(() => obj.map("group").update(u32(1), u32(loner.fd))).toThrow(/EINVAL/);
      } finally {
        link.detach();
      }
    } finally {
      a.close();
      b.close();
      loner.close();
    }
  });
});
