/**
 * The socket-policy examples on the live kernel and in the VM:
 * - connect4-policy under `tsbpf run --cgroup <child cgroup>`: a process moved into the cgroup
 *   really connects over 127.0.0.1; a connect to the redirected port reaches the server on the
 *   port it maps to, one to the blocked port fails with EPERM, one to any other port goes through,
 *   while a process outside the cgroup is not redirected. The VM, given the same maps and the
 *   bpf_sock_addr of each connect, returns the same verdicts and rewrites the same port.
 * - tc-marker: BPF_PROG_TEST_RUN and the VM set the same `mark` and `priority` in the
 *   `__sk_buff` they hand back, for a marked port, an unmarked one and a non-IP frame.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { defaultCgroup, loadObject, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import {
  countLines,
  expectNothingLeft,
  expectRan,
  liveReady,
  ROOT,
  runExample,
} from "./support.ts";

const run = promisify(execFile);
const live = liveReady("socket-policy examples");
const python = live && capability("python3", hasCommand("python3"), "connect4-policy test");

async function exampleObject(name: string): Promise<Uint8Array> {
  const src = readFileSync(join(ROOT, "examples", `${name}.ts`), "utf8");
  const out = await compileSource(src, `examples/${name}.ts`);
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

/** Connects to 127.0.0.1:port for each port; prints the server's greeting or the errno name. */
const CONNECTS = `
import errno, json, socket, sys
out = {}
for p in sys.argv[1:]:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(p)))
        out[p] = s.recv(64).decode()
    except OSError as e:
        out[p] = errno.errorcode[e.errno]
    s.close()
print(json.dumps(out))
`;

/** Runs the connects in a child (async: the greeters live in this process's event loop). */
async function connects(ports: number[], cgroup?: string): Promise<Record<string, string>> {
  const cmd = `exec python3 -c '${CONNECTS}' ${ports.join(" ")}`;
  const { stdout, stderr } = await run("sh", [
    "-c",
    cgroup ? `echo $$ > "${cgroup}/cgroup.procs" && ${cmd}` : cmd,
  ]);
  expect(stderr).toBe("");
  return JSON.parse(stdout) as Record<string, string>;
}

/** A TCP server on 127.0.0.1 that greets each connection with `name`. */
async function greeter(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((c) => c.end(name));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A free port: listen on 0, take the number, close. */
async function freePort(): Promise<number> {
  const { server, port } = await greeter("");
  await new Promise((r) => server.close(r));
  return port;
}

/** struct bpf_sock_addr of an IPv4 TCP connect to 127.0.0.1:port. */
function sockAddr(port: number): Uint8Array {
  const b = new Uint8Array(72);
  const v = new DataView(b.buffer);
  v.setUint32(0, 2, true); // user_family AF_INET
  b.set([127, 0, 0, 1], 4); // user_ip4, network order
  v.setUint16(24, port); // user_port: network order in the low 16 bits
  v.setUint32(28, 2, true); // family
  v.setUint32(32, 1, true); // type SOCK_STREAM
  v.setUint32(36, 6, true); // protocol TCP
  return b;
}

const u16le = (n: number) => new Uint8Array(new Uint16Array([n]).buffer);

describe.runIf(live)("connect4-policy on a cgroup", () => {
  let cgroup = "";
  const servers: Server[] = [];
  beforeAll(() => {
    cgroup = join(defaultCgroup(), `tsbpf-connect4-${process.pid}`);
    mkdirSync(cgroup);
  });
  afterAll(() => {
    for (const s of servers) s.close();
    rmdirSync(cgroup);
  });

  it.runIf(python)(
    "tsbpf run --cgroup: redirected, refused and allowed connects from a process in the cgroup; the VM agrees",
    async () => {
      const target = await greeter("target");
      const other = await greeter("other");
      servers.push(target.server, other.server);
      const redirected = await freePort();
      const blockedPort = await freePort();
      let inside: Record<string, string> = {};
      let outside: Record<string, string> = {};
      const out = await runExample(
        "connect4-policy",
        [
          "--cgroup",
          cgroup,
          "--set",
          `redirects:${redirected}=${target.port}`,
          "--set",
          `blocked:${blockedPort}=1`,
          "--duration",
          "3",
        ],
        ["policy"],
        async () => {
          inside = await connects([redirected, blockedPort, other.port], cgroup);
          outside = await connects([redirected, blockedPort]);
        },
      );
      expectRan(out, ["policy"]);
      expect(out.stderr).toContain(`attached policy (cgroup/connect4) on cgroup ${cgroup}`);
      expect(inside).toEqual({
        [redirected]: "target",
        [blockedPort]: "EPERM",
        [other.port]: "other",
      });
      expect(outside).toEqual({ [redirected]: "ECONNREFUSED", [blockedPort]: "ECONNREFUSED" });
      expect(countLines(out.stdout, "verdicts")).toEqual(
        new Map([
          ["0", 1n],
          ["1", 1n],
          ["2", 1n],
        ]),
      );
      expectNothingLeft(out);

      // The VM on the same maps and the same connects: the verdicts and the port the kernel used.
      const vm = VmObject.load(await exampleObject("connect4-policy"));
      vm.map("redirects").set(u16le(redirected), u16le(target.port));
      vm.map("blocked").set(u16le(blockedPort), new Uint8Array([1]));
      const portOf = (ctx: Uint8Array) => new DataView(ctx.buffer, ctx.byteOffset).getUint16(24);
      const vmRun = (port: number) => vm.program("policy").run({ ctx: sockAddr(port) });
      const r = vmRun(redirected);
      expect(r.r0).toBe(1n);
      expect(portOf(r.ctx!)).toBe(target.port);
      expect(vmRun(blockedPort).r0).toBe(0n); // the kernel's EPERM
      const o = vmRun(other.port);
      expect([o.r0, portOf(o.ctx!)]).toEqual([1n, other.port]);
      const verdict = (k: number) =>
        new DataView(vm.map("verdicts").get(k)!.buffer).getBigUint64(0, true);
      expect([0, 1, 2].map(verdict)).toEqual([1n, 1n, 1n]);
      vm.dispose();
    },
    60_000,
  );
});

/** An Ethernet + IPv4 + UDP frame to 10.0.0.1:dport (or an ARP frame for `dport` null). */
function frame(dport: number | null): Uint8Array {
  const b = new Uint8Array(14 + 20 + 8 + 4);
  const v = new DataView(b.buffer);
  v.setUint16(12, dport === null ? 0x0806 : 0x0800);
  b[14] = 0x45;
  v.setUint16(16, 20 + 8 + 4);
  b[22] = 64;
  b[23] = 17;
  b.set([10, 0, 0, 2], 26);
  b.set([10, 0, 0, 1], 30);
  v.setUint16(34, 40000);
  v.setUint16(36, dport ?? 0);
  v.setUint16(38, 12);
  return b;
}

describe.runIf(live)("tc-marker: kernel and VM set the same mark and priority", () => {
  it("BPF_PROG_TEST_RUN ctx_out and the VM's context agree for marked, unmarked and non-IP frames", async () => {
    const bytes = await exampleObject("tc-marker");
    const classValue = new Uint8Array(new Uint32Array([0x2a, 0x10002]).buffer); // mark, priority
    const obj = loadObject(bytes);
    const vm = VmObject.load(bytes);
    try {
      obj.map("classes").update(u16le(5201), classValue);
      vm.map("classes").set(u16le(5201), classValue);
      const fields = (ctx: Uint8Array) => {
        const v = new DataView(ctx.buffer, ctx.byteOffset);
        return { mark: v.getUint32(8, true), priority: v.getUint32(32, true) };
      };
      const seen = [5201, 80, null].map((port) => {
        const data = frame(port);
        const k = testRun(obj.program("marker"), { data, ctx: new Uint8Array(192) });
        const m = vm.program("marker").run({ packet: data });
        expect(Number(m.r0)).toBe(k.retval);
        expect(fields(m.ctx!)).toEqual(fields(k.ctxOut));
        return fields(k.ctxOut);
      });
      expect(seen).toEqual([
        { mark: 0x2a, priority: 0x10002 },
        { mark: 0, priority: 0 },
        { mark: 0, priority: 0 },
      ]);
    } finally {
      obj.close();
      vm.dispose();
    }
  });
});
