/**
 * Live-kernel tests of the program kinds of test/kernel/kinds/link-kinds.ts (stdlib `tcx`, `netkit`,
 * `xdpFrags`, `xdpMapEntry`, `lwt`, `skReuseport`, `syscall`) and of `fmodRet`: each loads (the
 * fixture folder's load-everything test in program-kinds.test.ts loads them too), and here each is
 * used the way its kind is used:
 * - tcx programs are linked to the loopback device and count the datagrams we send over it;
 * - netkit links are refused on a kernel without CONFIG_NETKIT, naming the kind and the release;
 * - devmap / cpumap programs go into map entries, which the kernel accepts only for programs of
 *   that expected attach type;
 * - xdp.frags, lwt and syscall programs run under BPF_PROG_TEST_RUN, and the VM agrees;
 * - an sk_reuseport program attached to a SO_REUSEPORT group drops the datagrams sent to it;
 * - a tc action runs under BPF_PROG_TEST_RUN as in the VM; raw_tracepoint.w on bpf_test_finish fires
 *   once per test run; uprobe.session runs twice per call, kprobe.session's link is refused here;
 * - fmod_ret is refused like every BPF trampoline on this kernel.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { readBpfObject } from "../../core/object/index.ts";
import {
  createMap,
  KernelError,
  loadObject,
  LoaderError,
  MapType,
  resolveInterface,
  testRun,
  type KernelLink,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { capability, hasCommand } from "../support/env.ts";
import {
  clangForFixtures,
  compileCObject,
  kernelConfigOption,
  kernelReady,
} from "../support/kernel-setup.ts";
import { RawUdpSocket, sendUdp } from "../support/raw-udp-socket.ts";

const FIXTURE = join(import.meta.dirname, "kinds", "link-kinds.ts");
const FIXTURES = join(import.meta.dirname, "fixtures");
const run = kernelReady("tcx / netkit / devmap / lwt / sk_reuseport / syscall program kinds");
const gcc = run && capability("gcc", hasCommand("gcc"), "uprobe.session test");
const RELEASE = release().replace(/[.+]/g, "\\$&");

let bytes: Uint8Array;
let obj: LoadedObject;
let vm: VmObject;
const links: KernelLink[] = [];

function counter(i: number): bigint {
  const v = obj.map("calls").lookup(new Uint8Array(new Uint32Array([i]).buffer))!;
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
}

/** An Ethernet + IPv4 frame of `total` bytes (IPv4 total length `total - 14`). */
function ipv4Frame(total: number): Uint8Array {
  const f = new Uint8Array(total);
  f.set([0x08, 0x00], 12);
  const ipLen = total - 14;
  f.set(
    [0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1],
    14,
  );
  return f;
}

describe.runIf(run)("link-attached, map-entry, route and syscall program kinds", () => {
  beforeAll(async () => {
    const out = await compileSource(
      readFileSync(FIXTURE, "utf8"),
      "test/kernel/kinds/link-kinds.ts",
      {
        check: true,
      },
    );
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    bytes = out.object!;
    obj = loadObject(bytes);
    vm = VmObject.load(bytes);
  });

  afterAll(() => {
    for (const l of links.splice(0)) l.detach();
    obj?.close();
    vm?.dispose();
  });

  it("every program loads in its libbpf section", () => {
    expect([...obj.programs.values()].map((p) => p.section)).toEqual([
      "tcx/ingress",
      "tcx/egress",
      "netkit/primary",
      "netkit/peer",
      "xdp.frags",
      "xdp/devmap",
      "xdp/cpumap",
      "xdp.frags/devmap",
      "xdp.frags/cpumap",
      "lwt_in",
      "lwt_out",
      "lwt_xmit",
      "lwt_seg6local",
      "sk_reuseport",
      "sk_reuseport/migrate",
      "syscall",
      "action",
      "raw_tracepoint.w/bpf_test_finish",
      "kprobe.session/vfs_read",
    ]);
  });

  it("tcx/ingress and tcx/egress link to lo and see the datagrams we send over it", async () => {
    for (const name of ["tcxIn", "tcxOut"]) {
      const link = obj.attach(name, { iface: "lo" });
      links.push(link);
      expect(link.kind).toBe(name === "tcxIn" ? "tcx_ingress" : "tcx_egress");
    }
    const before = [counter(0), counter(1)];
    const sink = new RawUdpSocket();
    try {
      await sendUdp(sink.port, 5);
    } finally {
      sink.close();
    }
    expect(counter(0) - before[0]!).toBeGreaterThanOrEqual(5n);
    expect(counter(1) - before[1]!).toBeGreaterThanOrEqual(5n);
    for (const l of links.splice(0)) l.detach();
  });

  it("netkit links: refused naming the kind and the release on a kernel without CONFIG_NETKIT", () => {
    for (const [name, side] of [
      ["netkitPrimary", "PRIMARY"],
      ["netkitPeer", "PEER"],
    ] as const) {
      let err: unknown;
      try {
        links.push(obj.attach(name, { iface: "lo" }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelError);
      const msg = (err as KernelError).message;
      if (kernelConfigOption("CONFIG_NETKIT") === "n") {
        expect(msg).toMatch(
          new RegExp(
            `^BPF_LINK_CREATE \\(attaching netkit program "${name}" to lo \\(netkit/${side.toLowerCase()}\\)\\) failed: EINVAL: a BPF_PROG_TYPE_SCHED_CLS program \\(attach type BPF_NETKIT_${side}\\) on Linux ${RELEASE} cannot attach: the kernel is built without CONFIG_NETKIT`,
          ),
        );
      } else {
        expect(msg).toMatch(/the interface is not a netkit device/);
      }
    }
    expect(() => obj.attach("netkitPeer")).toThrow(
      /netkit program "netkitPeer" needs an interface/,
    );
  });

  it("devmap / cpumap programs go into map entries, which take only programs of that kind", () => {
    const lo = resolveInterface("lo");
    const entry = (fd: number, first: number) =>
      new Uint8Array(new Uint32Array([first, fd]).buffer);
    const key = new Uint8Array(4);
    using devmap = createMap({ type: MapType.DEVMAP, keySize: 4, valueSize: 8, maxEntries: 1 });
    devmap.update(key, entry(obj.program("devmapEntry").fd, lo));
    // The frags variant goes into a map of its own (the kernel keeps one frags setting per map).
    using fragsDevmap = createMap({
      type: MapType.DEVMAP,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
    });
    fragsDevmap.update(key, entry(obj.program("fragsDevmapEntry").fd, lo));
    // A plain XDP program (expected attach type BPF_XDP) is refused by the kernel's devmap.
    expect(() => devmap.update(key, entry(obj.program("frags").fd, lo))).toThrow(/EINVAL/);
    using cpumap = createMap({ type: MapType.CPUMAP, keySize: 4, valueSize: 8, maxEntries: 1 });
    cpumap.update(key, entry(obj.program("cpumapEntry").fd, 192));
    // kernel/bpf/cpumap.c cpu_map_update_elem reports any failed entry, a wrong program too, as ENOMEM.
    expect(() => cpumap.update(key, entry(obj.program("devmapEntry").fd, 192))).toThrow(/ENOMEM/);
    expect(() => obj.attach("devmapEntry", { iface: "lo" })).toThrow(
      /XDP program "devmapEntry" \(SEC\("xdp\/devmap"\)\) runs from devmap entries, not on an interface/,
    );
  });

  it("xdp.frags runs under BPF_PROG_TEST_RUN as in the VM", () => {
    for (const len of [20, 59, 60, 128]) {
      const frame = new Uint8Array(len);
      const k = testRun(obj.program("frags"), { data: frame });
      expect(k.retval).toBe(len >= 60 ? 2 : 1); // XDP_PASS : XDP_DROP
      expect(Number(vm.program("frags").run({ packet: frame }).r0)).toBe(k.retval);
    }
  });

  it("lwt programs run under BPF_PROG_TEST_RUN as in the VM (the kernel strips the Ethernet header)", () => {
    for (const name of ["lwtIn", "lwtOut", "lwtXmit"]) {
      for (const total of [14 + 20, 14 + 27, 14 + 28, 14 + 64]) {
        const frame = ipv4Frame(total);
        const k = testRun(obj.program(name), { data: frame });
        expect(k.retval, `${name} ${total}`).toBe(total - 14 < 28 ? 2 : 0); // BPF_DROP : BPF_OK
        // An L3 program sees the packet from its network header: the VM pulls the Ethernet header too.
        const r = vm.program(name).run({ packet: frame });
        expect(Number(r.r0), `${name} ${total} (VM)`).toBe(k.retval);
      }
    }
    expect(() => obj.attach("lwtIn")).toThrow(/is attached by a route, not by a BPF link/);
  });

  it("a syscall program runs from user space with its argument struct, writing the result back", () => {
    const args = new Uint8Array(16);
    const v = new DataView(args.buffer);
    v.setUint32(0, 40, true);
    v.setUint32(4, 2, true);
    const before = counter(8);
    const k = testRun(obj.program("sum"), { ctx: args });
    expect(k.retval).toBe(42);
    expect(new DataView(k.ctxOut.buffer, k.ctxOut.byteOffset).getBigUint64(8, true)).toBe(42n);
    expect(counter(8)).toBe(before + 1n);
    const r = vm.program("sum").run({ ctx: args });
    expect(Number(r.r0)).toBe(42);
    expect(new DataView(r.ctx!.buffer, r.ctx!.byteOffset).getBigUint64(8, true)).toBe(42n);
    expect(() => obj.attach("sum")).toThrow(/user space runs it with BPF_PROG_TEST_RUN/);
  });

  it("a tc action runs under BPF_PROG_TEST_RUN as in the VM; attaching it says a tc filter does", () => {
    for (const len of [20, 59, 60, 128]) {
      const frame = ipv4Frame(Math.max(len, 34));
      const k = testRun(obj.program("action"), { data: frame });
      expect(k.retval, `${frame.length}`).toBe(frame.length < 60 ? 2 : 0); // TC_ACT_SHOT : TC_ACT_OK
      expect(Number(vm.program("action").run({ packet: frame }).r0)).toBe(k.retval);
    }
    expect(() => obj.attach("action")).toThrow(/is attached by a tc filter, not by a BPF link/);
  });

  it("raw_tracepoint.w on bpf_test_finish fires once per BPF_PROG_TEST_RUN", () => {
    const link = obj.attach("testFinish");
    try {
      const before = counter(9);
      for (let i = 0; i < 3; i++) testRun(obj.program("action"), { data: ipv4Frame(64) });
      expect(counter(9) - before).toBe(3n);
    } finally {
      link.detach();
    }
  });

  it("kprobe.session loads; its link is refused naming the kind and what the kernel lacks", () => {
    if (kernelConfigOption("CONFIG_FPROBE") === "y") {
      obj.attach("vfsSession").detach();
      return;
    }
    expect(() => obj.attach("vfsSession")).toThrow(
      new RegExp(
        `^BPF_LINK_CREATE \\(attaching kprobe\\.session program "vfsSession" to 1 kernel function matching "vfs_read"\\) failed: EOPNOTSUPP: Linux ${RELEASE} is built without CONFIG_FPROBE`,
      ),
    );
  });

  it.runIf(gcc)(
    "uprobe.session runs on entry and, as the entry returned 0, on return of each call",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tsbpf-session-"));
      try {
        const bin = join(dir, "target");
        execFileSync("gcc", ["-O2", "-o", bin, join(FIXTURES, "uprobe-target.c")]);
        const src = `
        import { ArrayMap, atomicAdd, uprobeSession, type u64 } from "tsbpf";
        export const runs = new ArrayMap<u64>({ maxEntries: 1 });
        export const onWork = uprobeSession("${bin}:work", (ctx) => {
          const c = runs.lookup(0);
          if (c !== null) atomicAdd(c.value, 1);
          return 0;
        });
        export const license = "GPL";
      `;
        const out = await compileSource(src, "session.ts", { check: true });
        expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const o = loadObject(out.object!);
        try {
          const link = o.attach("onWork");
          expect(link.kind).toBe("uprobe.session");
          execFileSync(bin, ["5"]);
          link.detach();
          const v = o.map("runs").lookup(new Uint8Array(4))!;
          expect(new DataView(v.buffer, v.byteOffset).getBigUint64(0, true)).toBe(10n);
        } finally {
          o.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("sk_reuseport links to a SO_REUSEPORT group and drops every datagram sent to it", async () => {
    const a = new RawUdpSocket({ reusePort: true });
    const b = new RawUdpSocket({ reusePort: true, port: a.port });
    try {
      const link = obj.attach("reuseport", { socketFd: a.fd });
      const before = counter(7);
      await sendUdp(a.port, 4);
      await new Promise((r) => setTimeout(r, 50));
      expect(counter(7) - before).toBe(4n);
      expect(a.drain() + b.drain()).toBe(0);
      link.detach();
      await sendUdp(a.port, 3);
      await new Promise((r) => setTimeout(r, 50));
      expect(a.drain() + b.drain()).toBe(3);
      expect(counter(7) - before).toBe(4n);
    } finally {
      a.close();
      b.close();
    }
    expect(() => obj.attach("reuseport")).toThrow(/needs a socket of its SO_REUSEPORT group/);
  });

  it("fmod_ret is refused like every BPF trampoline here, naming the kind, the line and the release", async () => {
    const src = `
      import { fmodRet } from "tsbpf";
      export const override = fmodRet("security_file_open", (_ctx, file, ret) => {
        return 0;
      });
      export const license = "GPL";
    `;
    const out = await compileSource(src, "fmod.ts", { emit: "obj", check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const o = readBpfObject(out.object!);
    expect(o.programs.map((p) => p.section)).toEqual(["fmod_ret/security_file_open"]);
    let err: unknown;
    try {
      loadObject(o).close();
    } catch (e) {
      err = e;
    }
    expect((err as KernelError).code).toBe("EPERM");
    expect((err as Error).message).toMatch(
      new RegExp(
        `^BPF_PROG_LOAD \\(program "override" at fmod\\.ts:4\\) failed: EPERM: a BPF_PROG_TYPE_TRACING program \\(attach type BPF_MODIFY_RETURN\\) on Linux ${RELEASE} is refused even as root, before verification: this kernel does not allow BPF trampolines`,
      ),
    );
  });

  it("a freplace program from a C object loaded without its target is a LoaderError naming the option", () => {
    const clang = clangForFixtures("the freplace refusal test");
    if (!clang) return;
    const c = compileCObject(
      clang,
      "ext",
      '#define SEC(n) __attribute__((section(n), used))\nSEC("freplace/handler") int ext(void *ctx)\n{\n\treturn 0;\n}\nchar LICENSE[] SEC("license") = "GPL";\n',
    );
    try {
      const load = () => loadObject(readBpfObject(c.bytes)).close();
      expect(load).toThrow(LoaderError);
      expect(load).toThrow(
        /^program "ext" \(SEC\("freplace\/handler"\)\): a BPF_PROG_TYPE_EXT program replaces function "handler" of another loaded BPF program; give that program's fd as the load option freplaceTargets: \{ ext: fd \}/,
      );
    } finally {
      c.cleanup();
    }
  });
});
