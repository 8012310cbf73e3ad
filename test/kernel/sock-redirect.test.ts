/**
 * Socket maps on the live kernel (test/kernel/kinds/sock-redirect.ts): the loader creates a SockMap
 * and a SockHash from their BTF definitions, user space inserts TCP socket fds through the loader's
 * map API, and an sk_msg program attached to the SockMap really redirects: what the client sends is
 * delivered to the receive queue of the socket in slot 0 (the client itself, BPF_F_INGRESS), so the
 * server never sees it.
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  loadObject,
  MapType,
  type KernelLink,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("socket map kinds");
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
/** The kernel fd under a node TCP socket (libuv's handle). */
const fdOf = (s: Socket) => (s as unknown as { _handle: { fd: number } })._handle.fd;

describe.runIf(run)("socket maps on the live kernel", () => {
  let obj: LoadedObject;
  let server: Server;
  let client: Socket;
  let accepted: Socket;
  const links: KernelLink[] = [];

  beforeAll(async () => {
    const src = readFileSync(join(import.meta.dirname, "kinds", "sock-redirect.ts"), "utf8");
    const out = await compileSource(src, "test/kernel/kinds/sock-redirect.ts", { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    obj = loadObject(out.object!);
    server = createServer();
    const conn = new Promise<Socket>((res) => server.once("connection", res));
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as { port: number }).port;
    client = connect(port, "127.0.0.1");
    await new Promise<void>((res) => client.once("connect", () => res()));
    accepted = await conn;
  });

  afterAll(() => {
    for (const l of links.splice(0)) l.detach();
    client?.destroy();
    accepted?.destroy();
    server?.close();
    obj?.close();
  });

  it("creates a sockmap and a sockhash with the sizes libbpf gives them", () => {
    const socks = obj.map("socks");
    const flows = obj.map("flows");
    expect([socks.type, socks.keySize, socks.valueSize]).toEqual([MapType.SOCKMAP, 4, 4]);
    expect([flows.type, flows.keySize, flows.valueSize]).toEqual([MapType.SOCKHASH, 8, 4]);
  });

  it("an sk_msg program on the sockmap redirects the client's data into slot 0's receive queue", async () => {
    links.push(obj.attach("toSlot", { sockMap: "socks" }));
    // The programs of a map apply to sockets added after the attach.
    obj.map("socks").update(u32(0), u32(fdOf(client)));
    obj.map("flows").update(new Uint8Array(8), u32(fdOf(accepted)));
    // An fd that is not a socket is refused.
    const file = openSync("/dev/null", "r");
    try {
      expect(() => obj.map("socks").update(u32(1), u32(file))).toThrow();
    } finally {
      closeSync(file);
    }
    let serverGot = "";
    accepted.on("data", (d) => (serverGot += d.toString()));
    const echoed = new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error("no redirected data within 5 s")), 5000);
      client.once("data", (d) => {
        clearTimeout(t);
        res(d.toString());
      });
    });
    client.write("redirected");
    expect(await echoed).toBe("redirected");
    await new Promise((r) => setTimeout(r, 100));
    expect(serverGot).toBe("");
  });
});
