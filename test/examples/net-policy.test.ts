/**
 * The socket-policy examples under tsbpf/test, in both VM engines and on the live kernel:
 * - tc-marker: the `mark` and `priority` a classifier writes into the `__sk_buff` (the VM's context
 *   after the run; BPF_PROG_TEST_RUN's ctx_out on the kernel) for a classified port over TCP and
 *   UDP, none for an unclassified port, and `marked` counting both; non-IP frames untouched.
 * - connect4-policy: in the VM, the verdict and the rewritten `user_port` of a bpf_sock_addr built
 *   from the stdlib's SockAddrContext; on the kernel (no test run for cgroup/connect4), the program
 *   attached to a child cgroup while a process in it really connects: the blocked port fails with
 *   EPERM, the redirected one reaches the server it maps to, another goes through.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmdirSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultCgroup } from "../../runtime/loader/index.ts";
import { ethernet, ipv4, loadProbe, packet, tcp, udp } from "../../testing/index.ts";

import { ENGINES_AND_KERNEL } from "./support.ts";

type Marker = typeof import("../../examples/tc-marker.ts");
type Connect4 = typeof import("../../examples/connect4-policy.ts");

/** `mark` (offset 8) and `priority` (offset 32) of a `__sk_buff`. */
const skbFields = (ctx: Uint8Array | undefined) => {
  const v = new DataView(ctx!.buffer, ctx!.byteOffset, ctx!.byteLength);
  return { mark: v.getUint32(8, true), priority: v.getUint32(32, true) };
};

for (const [where, opts] of ENGINES_AND_KERNEL) {
  describe(`tc-marker (${where})`, () => {
    it("marks packets to a classified port, leaves others, counts both", async (test) => {
      const p = await loadProbe<Marker>("examples/tc-marker.ts", { ...opts, test });
      p.map("classes").set(5201, { mark: 0x2a, priority: 0x10002 });
      p.map("classes").set(53, { mark: 7, priority: 1 });
      const marker = p.program("marker");
      const to = (l4: ReturnType<typeof udp> | ReturnType<typeof tcp>) =>
        packet(ethernet(), ipv4({ src: "10.0.0.2", dst: "10.0.0.1" }), l4);
      const seen = [
        to(udp({ dport: 5201 })),
        to(tcp({ dport: 5201 })),
        to(udp({ dport: 53 })),
        to(tcp({ dport: 80 })),
        packet(ethernet({ type: 0x0806 }), new Uint8Array(28)),
      ].map((f) => {
        const r = marker.run({ packet: f });
        expect(r.retName).toBe("TC_ACT_OK");
        return skbFields(r.ctxOut);
      });
      expect(seen).toEqual([
        { mark: 0x2a, priority: 0x10002 },
        { mark: 0x2a, priority: 0x10002 },
        { mark: 7, priority: 1 },
        { mark: 0, priority: 0 },
        { mark: 0, priority: 0 },
      ]);
      expect([p.map("marked").get(0), p.map("marked").get(1)]).toEqual([1, 3]);
    });
  });
}

describe("connect4-policy (vm)", () => {
  for (const engine of ["interpreter", "jit"] as const) {
    it(`${engine}: refuses blocked ports, rewrites redirected ones, counts each verdict`, async () => {
      const p = await loadProbe<Connect4>("examples/connect4-policy.ts", { engine });
      p.map("blocked").set(23, 1);
      p.map("redirects").set(8080, 8081);
      const connect4 = (port: number) => {
        const ctx = p.context("SockAddrContext", {
          user_family: 2,
          user_ip4: 0x0100007f, // 127.0.0.1 in network order
          user_port: ((port & 0xff) << 8) | (port >> 8),
          family: 2,
          type: 1,
          protocol: 6,
        });
        const r = p.program("policy").run({ ctx });
        const v = new DataView(r.ctxOut!.buffer, r.ctxOut!.byteOffset);
        return { ret: r.ret, port: v.getUint16(24), ip: v.getUint32(4, true) };
      };
      expect(connect4(23)).toEqual({ ret: 0, port: 23, ip: 0x0100007f });
      expect(connect4(8080)).toEqual({ ret: 1, port: 8081, ip: 0x0100007f });
      expect(connect4(443)).toEqual({ ret: 1, port: 443, ip: 0x0100007f });
      expect(connect4(8080).port).toBe(8081);
      expect([0, 1, 2].map((k) => p.map("verdicts").get(k))).toEqual([1, 1, 2]);
    });
  }
});

/** A TCP server on 127.0.0.1 that greets each connection with `name`. */
async function greeter(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((c) => c.end(name));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects to 127.0.0.1:port for each port; the greeting received or the error code. */
const CONNECTS = `
const fs = require("node:fs"), net = require("node:net");
if (process.argv[1]) fs.writeFileSync(process.argv[1] + "/cgroup.procs", String(process.pid));
(async () => {
  const out = {};
  for (const p of process.argv.slice(2)) {
    out[p] = await new Promise((res) => {
      let got = "";
      const s = net.connect(Number(p), "127.0.0.1");
      s.on("data", (d) => (got += d));
      s.on("end", () => res(got));
      s.on("error", (e) => res(e.code));
    });
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

/** Runs the connects in a child node process, moved into `cgroup` first when given. */
function connects(ports: number[], cgroup = ""): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", CONNECTS, cgroup, ...ports.map(String)]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", () => (err ? reject(new Error(err)) : resolve(JSON.parse(out))));
  });
}

describe("connect4-policy (kernel)", () => {
  it("a process in the cgroup: blocked → EPERM, redirected → the target, others through", async (test) => {
    const p = await loadProbe<Connect4>("examples/connect4-policy.ts", { target: "kernel", test });
    const target = await greeter("target");
    const other = await greeter("other");
    // Ports nothing listens on: a connect reaching them would be refused.
    const spare = await greeter("");
    const blocked = spare.port;
    const redirected = blocked === 65535 ? blocked - 1 : blocked + 1;
    await new Promise((r) => spare.server.close(r));
    p.map("blocked").set(blocked, 1);
    p.map("redirects").set(redirected, target.port);
    const cgroup = join(defaultCgroup(), `tsbpf-c4-${process.pid}`);
    mkdirSync(cgroup);
    let inside: Record<string, string> = {};
    let outside: Record<string, string> = {};
    try {
      await p.trigger(
        async () => {
          inside = await connects([blocked, redirected, other.port], cgroup);
          outside = await connects([blocked]);
        },
        { attach: { cgroup } },
      );
    } finally {
      target.server.close();
      other.server.close();
      rmdirSync(cgroup);
    }
    expect(inside).toEqual({
      [blocked]: "EPERM",
      [redirected]: "target",
      [other.port]: "other",
    });
    expect(outside).toEqual({ [blocked]: "ECONNREFUSED" });
    expect([0, 1, 2].map((k) => p.map("verdicts").get(k))).toEqual([1, 1, 1]);
  });
});
