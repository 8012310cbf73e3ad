/**
 * Live-kernel tests of the socket, cgroup and flow program kinds (stdlib/net-programs.d.ts): every
 * fixture of test/kernel/kinds is compiled from TypeScript, loaded (the verifier accepts each program
 * in its libbpf section) and attached through BPF links by the loader's section hooks: cgroup kinds
 * to a child cgroup of the cgroup v2 root, sk_lookup / flow_dissector to a fresh network namespace,
 * sk_skb / sk_msg to sockmaps, netfilter to IPv4 local_in. A process moved into the cgroup then makes
 * the socket calls (test/kernel/fixtures/socket-calls.py) and each program's call counter must have
 * moved; where the kernel can run a program without attaching it (BPF_PROG_TEST_RUN for sk_lookup,
 * flow dissector, cgroup_skb), the VM must agree on the return value.
 *
 * `tsbpf features` counts these sections, and the map kinds the fixtures create, as kernel-tested
 * (cli/commands/features.ts reads the same fixture folder); the fixtures of map kinds assert their
 * behaviour in their own files (core-maps.ts: test/kernel/core-maps.test.ts, local-storage.ts,
 * redirect-maps.ts, ...).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import {
  attachBySection,
  createMap,
  defaultCgroup,
  KernelError,
  loadObject,
  LoaderError,
  MapType,
  testRun,
  type KernelLink,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";

const KINDS = join(import.meta.dirname, "kinds");
const SOCKET_CALLS = join(import.meta.dirname, "fixtures", "socket-calls.py");
const run = kernelReady("socket / cgroup program kinds");
const python = run && capability("python3", hasCommand("python3"), "cgroup socket-call tests");

const objects = new Map<string, { bytes: Uint8Array; loaded?: LoadedObject }>();
const links: KernelLink[] = [];
let cgroup = "";
let netnsHolder: ChildProcess | undefined;

async function compileKind(file: string): Promise<Uint8Array> {
  const src = readFileSync(join(KINDS, file), "utf8");
  const out = await compileSource(src, `test/kernel/kinds/${file}`, { check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

function loaded(file: string): LoadedObject {
  const o = objects.get(file)!;
  o.loaded ??= loadObject(o.bytes);
  return o.loaded;
}

/** The `calls` counters of an object, in program order. */
function counts(obj: LoadedObject): bigint[] {
  const m = obj.map("calls");
  return Array.from({ length: m.maxEntries }, (_, i) => {
    const v = m.lookup(new Uint8Array(new Uint32Array([i]).buffer))!;
    return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
  });
}

/** Program names of an object in definition order (the counter index of each). */
const names = (obj: LoadedObject) => [...obj.programs.keys()];

/** Runs the socket-call script inside the test cgroup: the shell moves itself in, then execs. */
function socketCallsInCgroup(): { priority: number } {
  const r = spawnSync(
    "sh",
    ["-c", `echo $$ > "${cgroup}/cgroup.procs" && exec python3 "${SOCKET_CALLS}"`],
    { encoding: "utf8", timeout: 30_000 },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { priority: number };
}

function attachAll(obj: LoadedObject, opts: Parameters<LoadedObject["attach"]>[1]): void {
  for (const name of names(obj)) links.push(obj.attach(name, opts));
}

describe.runIf(run)("socket, cgroup and flow program kinds on the live kernel", () => {
  beforeAll(async () => {
    for (const f of readdirSync(KINDS).filter((n) => n.endsWith(".ts")))
      objects.set(f, { bytes: await compileKind(f) });
    cgroup = join(defaultCgroup(), `tsbpf-kinds-${process.pid}`);
    mkdirSync(cgroup);
  });

  afterAll(() => {
    for (const l of links.splice(0)) l.detach();
    for (const o of objects.values()) o.loaded?.close();
    netnsHolder?.kill();
    if (cgroup) rmdirSync(cgroup);
  });

  it("the verifier accepts every fixture program in its libbpf section", () => {
    const sections: string[] = [];
    for (const f of objects.keys())
      for (const p of loaded(f).programs.values()) sections.push(p.section);
    expect(sections).toEqual(
      expect.arrayContaining([
        "cgroup_skb/ingress",
        "cgroup_skb/egress",
        "cgroup/sock_create",
        "cgroup/connect4",
        "cgroup/recvmsg6",
        "cgroup/getsockname_unix",
        "cgroup/getsockopt",
        "cgroup/sysctl",
        "cgroup/dev",
        "sockops",
        "sk_skb/stream_parser",
        "sk_msg",
        "sk_lookup",
        "flow_dissector",
        "netfilter",
      ]),
    );
  });

  it.runIf(python)(
    "cgroup links: every bpf_sock_addr, bpf_sock, sockopt, sysctl, device, sockops and cgroup_skb program runs for a process in the cgroup",
    () => {
      const files = ["cgroup-sock-addr.ts", "cgroup-sock.ts", "cgroup-misc.ts", "cgroup-skb.ts"];
      for (const f of files) attachAll(loaded(f), { cgroup });
      const before = files.map((f) => counts(loaded(f)));
      const seen = socketCallsInCgroup();
      // sock_create set SO_PRIORITY of the script's socket (a writable bpf_sock field).
      expect(seen.priority).toBe(3);
      files.forEach((f, i) => {
        const after = counts(loaded(f));
        const moved = names(loaded(f)).filter((_, k) => after[k]! > before[i]![k]!);
        expect(moved, f).toEqual(names(loaded(f)));
      });
      // A process outside the cgroup is not seen: the counters stay where they are.
      const outside = files.map((f) => counts(loaded(f)));
      const r = spawnSync("python3", [SOCKET_CALLS], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).priority).toBe(0);
      expect(files.map((f) => counts(loaded(f)))).toEqual(outside);
    },
  );

  it("a cgroup program on a path that is not a cgroup v2 directory is a LoaderError naming the mounts", () => {
    const obj = loaded("cgroup-misc.ts");
    expect(() => obj.attach("sysctl", { cgroup: "/tmp" })).toThrow(LoaderError);
    expect(() => obj.attach("sysctl", { cgroup: "/tmp" })).toThrow(
      /\/tmp is not a cgroup v2 directory \(cgroup2 is mounted at /,
    );
  });

  it("sk_lookup and flow_dissector link to a network namespace; both run under BPF_PROG_TEST_RUN as in the VM", () => {
    netnsHolder = spawn("unshare", ["--net", "sleep", "120"], { stdio: "ignore" });
    const netns = `/proc/${netnsHolder.pid}/ns/net`;
    // Wait until unshare has exec'd into its own namespace.
    const self = readlink("/proc/self/ns/net");
    for (let i = 0; i < 200 && readlink(netns) === self; i++) spawnSync("sleep", ["0.01"]);
    expect(readlink(netns)).not.toBe(self);
    const obj = loaded("socket-level.ts");
    for (const name of ["lookup", "dissect"]) {
      const link = obj.attach(name, { netns });
      links.push(link);
      expect(link.info().progId).toBeGreaterThan(0);
    }
    const vm = VmObject.load(objects.get("socket-level.ts")!.bytes);
    // sk_lookup: a bpf_sk_lookup context for a TCP connection to 127.0.0.1:80.
    const ctx = new Uint8Array(72);
    const v = new DataView(ctx.buffer);
    v.setUint32(8, 2, true); // family AF_INET
    v.setUint32(12, 6, true); // protocol TCP
    v.setUint32(16, 0x0100007f, true); // remote_ip4 127.0.0.1
    v.setUint32(40, 0x0100007f, true); // local_ip4
    v.setUint32(60, 80, true); // local_port
    const k = testRun(obj.program("lookup"), { ctx });
    expect(k.retval).toBe(1); // SK_PASS
    expect(Number(vm.program("lookup").run({ ctx }).r0)).toBe(k.retval);
    // flow dissector: an Ethernet + IPv4 frame; the program hands it back to the kernel's dissector.
    const frame = new Uint8Array(64);
    frame.set([0x08, 0x00], 12);
    frame.set([0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17], 14);
    const fk = testRun(obj.program("dissect"), { data: frame });
    expect(fk.retval).toBe(129); // BPF_FLOW_DISSECTOR_CONTINUE
    expect(Number(vm.program("dissect").run({ packet: frame }).r0)).toBe(fk.retval);
    vm.dispose();
  });

  it("sk_skb parser/verdict and sk_msg link to sockmaps; without one the loader says what it needs", () => {
    const obj = loaded("socket-level.ts");
    expect(() => obj.attach("msg")).toThrow(
      /attaches to a sockmap or sockhash: pass the map \(attach option sockMap\)/,
    );
    const maps = [0, 1].map(() =>
      createMap({ type: MapType.SOCKMAP, keySize: 4, valueSize: 4, maxEntries: 4, name: "socks" }),
    );
    try {
      // stream_verdict and verdict exclude each other on one map (the kernel answers EBUSY).
      for (const [name, m] of [
        ["streamParser", 0],
        ["streamVerdict", 0],
        ["msg", 0],
        ["verdict", 1],
      ] as const) {
        const link = attachBySection(obj.program(name), obj.programs.get(name)!.section, {
          sockMap: maps[m]!.fd,
        });
        links.push(link);
        expect(link.info().progId).toBeGreaterThan(0);
      }
    } finally {
      for (const m of maps) m.close();
    }
  });

  it("netfilter: a link on IPv4 local_in sees loopback traffic", () => {
    const obj = loaded("socket-level.ts");
    const idx = names(obj).indexOf("nf");
    let link: KernelLink;
    try {
      link = obj.attach("nf", { netfilter: { pf: "ipv4", hook: "local_in", priority: 100 } });
    } catch (e) {
      // Only the precise refusal of a kernel without netfilter links is accepted.
      expect(e).toBeInstanceOf(KernelError);
      expect(String(e)).toMatch(/CONFIG_NETFILTER_BPF_LINK/);
      return;
    }
    links.push(link);
    const before = counts(obj)[idx]!;
    const r = spawnSync("python3", [
      "-c",
      "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'n', ('127.0.0.1', 9))",
    ]);
    expect(r.status).toBe(0);
    expect(counts(obj)[idx]!).toBeGreaterThan(before);
    expect(() => obj.attach("nf", { netfilter: { hook: "nowhere" as "local_in" } })).toThrow(
      /netfilter hook must be one of prerouting, local_in, forward, local_out, postrouting/,
    );
  });
});

function readlink(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return "";
  }
}
