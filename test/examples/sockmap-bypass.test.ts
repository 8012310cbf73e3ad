/**
 * examples/sockmap-bypass.ts on the kernel and in the VM. On the kernel: the sk_msg program is
 * attached to the `sockets` SockHash, both ends of a loopback TCP connection are added under their
 * ports, and what the client sends is redirected onto the server socket's receive queue (counted as
 * redirected); a connection with only one end in the map sends through TCP (counted as passed). In
 * the VM: the same message context and map contents give the same verdict, the same counts and a
 * socket redirect to the server socket's fd.
 */
import { readFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { contextOffset } from "../../core/kernel/index.ts";
import { loadObject, type LoadedObject } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { loadProbe } from "../../testing/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = kernelReady("sockmap-bypass on the kernel");
/** The kernel fd under a node TCP socket (libuv's handle). */
const fdOf = (s: Socket) => (s as unknown as { _handle: { fd: number } })._handle.fd;
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
/** The `sockets` key of one end: its local port and its peer's, host order. */
const endsOf = (s: Socket) => new Uint8Array(new Uint32Array([s.localPort!, s.remotePort!]).buffer);
const u64At = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

let bytes: Uint8Array;

beforeAll(async () => {
  const src = readFileSync(join(ROOT, "examples/sockmap-bypass.ts"), "utf8");
  const out = await compileSource(src, "examples/sockmap-bypass.ts", { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  bytes = out.object!;
});

/** A connected loopback TCP pair. */
async function tcpPair(server: Server): Promise<{ client: Socket; accepted: Socket }> {
  const conn = new Promise<Socket>((res) => server.once("connection", res));
  const client = connect((server.address() as { port: number }).port, "127.0.0.1");
  await new Promise<void>((res) => client.once("connect", () => res()));
  return { client, accepted: await conn };
}

/** The first data `s` receives within 5 s. */
const nextData = (s: Socket) =>
  new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error("no data within 5 s")), 5000);
    s.once("data", (d) => {
      clearTimeout(t);
      res(d.toString());
    });
  });

/** An sk_msg_md for a message sent from local port `local` to remote port `remote`. */
function msgContext(local: number, remote: number, size: number): Uint8Array {
  const ctx = new Uint8Array(128);
  const v = new DataView(ctx.buffer);
  v.setUint32(contextOffset("sk_msg_md", "family"), 2, true);
  // remote_port: the network-order port in the upper half (as the kernel's ctx rewrite loads it).
  v.setUint32(
    contextOffset("sk_msg_md", "remote_port"),
    ((remote & 0xff) << 24) | ((remote >> 8) << 16),
    true,
  );
  v.setUint32(contextOffset("sk_msg_md", "local_port"), local, true);
  v.setUint32(contextOffset("sk_msg_md", "size"), size, true);
  return ctx;
}

describe.runIf(run)("sockmap-bypass on the live kernel and in the VM", () => {
  let obj: LoadedObject;
  let server: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    obj = loadObject(bytes);
    server = createServer();
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  });

  afterAll(() => {
    for (const s of sockets) s.destroy();
    server?.close();
    obj?.close();
  });

  const stat = (i: number) => u64At(obj.map("stats").lookup(u32(i))!);

  it("redirects a message onto the peer's receive queue; a lone end sends through TCP; the VM agrees", async () => {
    const link = obj.attach("bypass", { sockMap: "sockets" });
    try {
      const { client, accepted } = await tcpPair(server);
      sockets.push(client, accepted);
      // Both ends go into the map after the attach (the program applies to sockets added later).
      obj.map("sockets").update(endsOf(client), u32(fdOf(client)));
      obj.map("sockets").update(endsOf(accepted), u32(fdOf(accepted)));
      const got = nextData(accepted);
      client.write("bypassed");
      expect(await got).toBe("bypassed");
      expect([stat(0), stat(1)]).toEqual([1n, 0n]);

      // Only the client end of a second connection is in the map: no peer, so TCP carries it.
      const lone = await tcpPair(server);
      sockets.push(lone.client, lone.accepted);
      obj.map("sockets").update(endsOf(lone.client), u32(fdOf(lone.client)));
      const got2 = nextData(lone.accepted);
      lone.client.write("through tcp");
      expect(await got2).toBe("through tcp");
      expect([stat(0), stat(1)]).toEqual([1n, 1n]);

      // The VM, with the same map contents, on the same two messages.
      const vm = VmObject.load(bytes);
      try {
        for (const s of [client, accepted, lone.client])
          vm.map("sockets").set(endsOf(s), u32(fdOf(s)));
        const r = vm.program("bypass").run({
          ctx: msgContext(client.localPort!, client.remotePort!, 8),
        });
        expect(Number(r.r0)).toBe(1); // SK_PASS
        expect(r.socketRedirect).toEqual({
          helper: "msg_redirect_hash",
          map: "sockets",
          key: Buffer.from(endsOf(accepted)).toString("hex"),
          socket: BigInt(fdOf(accepted)),
          ingress: true,
        });
        const r2 = vm.program("bypass").run({
          ctx: msgContext(lone.client.localPort!, lone.client.remotePort!, 11),
        });
        expect(Number(r2.r0)).toBe(1);
        expect(r2.socketRedirect).toBeUndefined();
        const vmStat = (i: number) => u64At(vm.map("stats").get(u32(i))!);
        expect([vmStat(0), vmStat(1)]).toEqual([stat(0), stat(1)]);
      } finally {
        vm.dispose();
      }
    } finally {
      link.detach();
    }
  });
});

type Bypass = typeof import("../../examples/sockmap-bypass.ts");

describe("sockmap-bypass under tsbpf/test (vm)", () => {
  for (const engine of ["interpreter", "jit"] as const) {
    it(`${engine}: redirects to the peer's entry, passes a lone end through TCP, counts both`, async () => {
      const p = await loadProbe<Bypass>("examples/sockmap-bypass.ts", { engine });
      // A connection 40000 -> 8080: each end stored under its own ports, as fd 11 and fd 12.
      // The kernel takes no BTF key type for a SockHash; its `tsbpf.key` tag names struct Ends,
      // so user space writes the key as the struct.
      const ends = (localPort: number, remotePort: number) => ({ localPort, remotePort });
      p.map("sockets").set(ends(40000, 8080), 11);
      p.map("sockets").set(ends(8080, 40000), 12);
      // struct sk_msg_md at the kernel's offsets (its data pointers first).
      const send = (local: number, remote: number) =>
        p.program("bypass").run({
          ctx: p.context("sk_msg_md", {
            family: 2,
            local_port: local,
            // The network-order port in the upper half of the u32, as the kernel loads it.
            remote_port: ((remote & 0xff) << 24) | ((remote >> 8) << 16),
            size: 5,
          }),
        });
      expect(p.context("sk_msg_md", { family: 2, size: 5 })).toEqual(
        msgContext(0, 0, 5).slice(0, 80),
      );
      const fromClient = send(40000, 8080);
      expect(fromClient.retName).toBe("SK_PASS");
      expect(fromClient.socketRedirect).toMatchObject({
        helper: "msg_redirect_hash",
        map: "sockets",
        socket: 12n,
        ingress: true,
      });
      expect(send(8080, 40000).socketRedirect?.socket).toBe(11n);
      // A third socket whose peer (port 9999) is not in the map: no redirect, TCP carries it.
      const lone = send(40001, 9999);
      expect(lone.retName).toBe("SK_PASS");
      expect(lone.socketRedirect).toBeUndefined();
      expect([p.map("stats").get(0), p.map("stats").get(1)]).toEqual([2, 1]);
    });
  }
});
