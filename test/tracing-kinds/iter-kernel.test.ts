/**
 * BPF iterators on the live kernel: examples/tasklist.ts (SEC("iter/task")) loaded, attached with a
 * link and read through BPF_ITER_CREATE, by the API (LiveSession) and by `tsbpf run`; the listing
 * must hold this test's own process with its parent and command name. Iterators over bpf_map and tcp
 * are compiled from source here and must list a map this test created and a socket it listens on;
 * the VM, walking the same programs over the object's own maps and /proc/net/tcp's sockets
 * (runtime/vm/iter-host.ts), must print the same line for that map and that socket.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import { LiveSession } from "../../runtime/user/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { hostTcpSockets, vmMaps } from "../../runtime/vm/iter-host.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { hostTasks, loadProbe } from "../../testing/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const run = kernelReady("BPF iterator tests");

async function build(source: string, name: string): Promise<Uint8Array> {
  const out = await compileSource(source, name, { emit: "obj", check: true });
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return out.object!;
}

/** Opens, takes the iterator output events, closes. */
async function iterate(obj: Uint8Array): Promise<{ program: string; text: string }[]> {
  const s = LiveSession.open(obj);
  try {
    expect(s.iteratorsOnly).toBe(true);
    return s
      .poll()
      .flatMap((e) => (e.kind === "iter" ? [{ program: e.program, text: e.text }] : []));
  } finally {
    await s.close();
  }
}

/** This process's line of a tasklist listing: `pid ppid comm`. */
function ownLine(text: string): string[] | undefined {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[0] === String(process.pid));
}

describe.skipIf(!run)("BPF iterators on the kernel", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("tasklist (iter/task) lists this process with its parent and comm, via the API", async () => {
    const src = readFileSync(join(ROOT, "examples/tasklist.ts"), "utf8");
    const outs = await iterate(await build(src, "examples/tasklist.ts"));
    expect(outs.map((o) => o.program)).toEqual(["tasks"]);
    const comm = readFileSync(`/proc/${process.pid}/comm`, "utf8").trim();
    expect(ownLine(outs[0]!.text)).toEqual([String(process.pid), String(process.ppid), comm]);
    // Threads are skipped: every pid appears once.
    const pids = outs[0]!.text
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(new Set(pids).size).toBe(pids.length);
    expect(pids.length).toBeGreaterThan(3);
  });

  it("tsbpf run examples/tasklist.ts prints the listing and exits by itself", () => {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, "bin/tsbpf.js"), "run", join(ROOT, "examples/tasklist.ts")],
      { encoding: "utf8", timeout: 60_000 },
    );
    // The child's listing holds its parent: this process.
    expect(out).toMatch(new RegExp(`^ +${process.pid} +${process.ppid} +\\S`, "m"));
    const json = execFileSync(
      process.execPath,
      [join(ROOT, "bin/tsbpf.js"), "run", "--json", join(ROOT, "examples/tasklist.ts")],
      { encoding: "utf8", timeout: 60_000 },
    );
    const doc = JSON.parse(json.split("\n").find((l) => l.includes('"type":"iter"'))!);
    expect(doc).toMatchObject({ type: "iter", program: "tasks", target: "task" });
    expect(ownLine(doc.output)?.[0]).toBe(String(process.pid));
  });

  it("iter/bpf_map lists a map that exists while it runs, with its name and max_entries", async () => {
    const src = `
      import { ArrayMap, iter, seqPrintf, u32 } from "tsbpf";
      export const marker = new ArrayMap<u32>({ maxEntries: 4321 });
      export const maps = iter("bpf_map", (ctx) => {
        const m = ctx.map;
        if (!m) return 0;
        seqPrintf(ctx, "%u %s %u\\n", m.id, m.name, m.max_entries);
        return 0;
      });
      export const license = "GPL";
    `;
    const obj = await build(src, "maps.ts");
    const outs = await iterate(obj);
    const marker = (text: string) =>
      text
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .find((f) => f[1] === "marker");
    expect(marker(outs[0]!.text)?.[2]).toBe("4321");
    // The VM walks its own maps: the same name and size (the id is each side's own).
    const vm = VmObject.load(obj, { coreBtf: "/sys/kernel/btf/vmlinux" });
    const onVm = vm.program("maps").iterate({ elements: vmMaps(vm) });
    expect(marker(onVm.text)?.slice(1)).toEqual(marker(outs[0]!.text)?.slice(1));
  });

  it("iter/tcp lists the socket this test listens on (state LISTEN, its port)", async () => {
    const src = `
      import { iter, ntohs, seqPrintf } from "tsbpf";
      export const tcp = iter("tcp", (ctx) => {
        const sk = ctx.sk_common;
        if (!sk) return 0;
        seqPrintf(ctx, "%u %u %u\\n", sk.skc_num, ntohs(sk.skc_dport), sk.skc_state);
        return 0;
      });
      export const license = "GPL";
    `;
    const obj = await build(src, "tcp.ts");
    const outs = await iterate(obj);
    const TCP_LISTEN = "10";
    const mine = (text: string) =>
      text
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .filter((f) => f[0] === String(port));
    expect(mine(outs[0]!.text)).toEqual([[String(port), "0", TCP_LISTEN]]);
    // The VM fed /proc/net/tcp's sockets prints the same line for this socket.
    const vm = VmObject.load(obj, { coreBtf: "/sys/kernel/btf/vmlinux" });
    const onVm = vm.program("tcp").iterate({ elements: hostTcpSockets() });
    expect(mine(onVm.text)).toEqual(mine(outs[0]!.text));
  });

  it("iter/tcp over IPv6: family and address of a socket on ::1, the same in the VM", async () => {
    const v6 = createServer();
    await new Promise<void>((r) => v6.listen(0, "::1", r));
    const port6 = (v6.address() as { port: number }).port;
    try {
      const obj = await build(
        `
        import { iter, seqPrintf } from "tsbpf";
        export const tcp = iter("tcp", (ctx) => {
          const sk = ctx.sk_common;
          if (!sk) return 0;
          seqPrintf(ctx, "%u %u %pI6\\n", sk.skc_num, sk.skc_family, sk.skc_v6_rcv_saddr.in6_u.u6_addr8);
          return 0;
        });
        export const license = "GPL";
      `,
        "tcp6.ts",
      );
      const mine = (text: string) => text.split("\n").filter((l) => l.startsWith(`${port6} `));
      const onKernel = mine((await iterate(obj))[0]!.text);
      expect(onKernel).toEqual([`${port6} 10 0000:0000:0000:0000:0000:0000:0000:0001`]);
      const vm = VmObject.load(obj, { coreBtf: "/sys/kernel/btf/vmlinux" });
      expect(mine(vm.program("tcp").iterate({ elements: hostTcpSockets() }).text)).toEqual(
        onKernel,
      );
    } finally {
      await new Promise<void>((r) => v6.close(() => r()));
    }
  });

  it("seq_num counts the objects from 0 and the final NULL run sees the last one's, in both", async () => {
    const obj = await build(
      `
      import { iter, seqPrintf } from "tsbpf";
      export const walk = iter("task", (ctx) => {
        if (!ctx.task) {
          seqPrintf(ctx, "stop %u\\n", ctx.meta.seq_num);
          return 0;
        }
        seqPrintf(ctx, "%u\\n", ctx.meta.seq_num);
        return 0;
      });
      export const license = "GPL";
    `,
      "seqnum.ts",
    );
    /** `0 1 ... n-1 stop n-1`: the shape both walks must have, whatever their task counts. */
    const shape = (text: string) => {
      const lines = text.trimEnd().split("\n");
      const n = lines.length - 1;
      expect(n).toBeGreaterThan(3);
      expect(lines).toEqual([...Array.from({ length: n }, (_, i) => String(i)), `stop ${n - 1}`]);
    };
    shape((await iterate(obj))[0]!.text);
    const vm = VmObject.load(obj, { coreBtf: "/sys/kernel/btf/vmlinux" });
    shape(vm.program("walk").iterate({ elements: hostTasks() }).text);
  });

  it("returning 1 (retry this object): the kernel's read fails with EAGAIN, and so does the VM's", async (test) => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-iter-retry-"));
    try {
      const file = join(dir, "retry.ts");
      writeFileSync(
        file,
        `
        import { iter, seqPrintf } from "tsbpf";
        export const walk = iter("task", (ctx) => {
          const task = ctx.task;
          if (!task) return 0;
          if (ctx.meta.seq_num === 3) return 1;
          seqPrintf(ctx, "%u\\n", ctx.meta.seq_num);
          return 0;
        });
        export const license = "GPL";
      `,
      );
      const k = await loadProbe(file, { target: "kernel", test });
      try {
        expect(() => k.iterate("walk")).toThrow(/EAGAIN|temporarily unavailable/);
      } finally {
        await k.close();
      }
      const vm = await loadProbe(file, { coreBtf: "/sys/kernel/btf/vmlinux" });
      expect(() => vm.iterate("walk", { elements: hostTasks() })).toThrow(
        /EAGAIN.*printed so far: "0\\n1\\n2\\n"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
