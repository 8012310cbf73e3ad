import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import {
  AttachType,
  attachBySection,
  attachKprobe,
  attachPerfEvent,
  attachRawTracepoint,
  attachTracepoint,
  attachTracing,
  attachXdp,
  kernelFuncId,
  kernelTracepointTypeId,
  KernelError,
  kprobePmu,
  listLinkIds,
  loadProgram,
  LoaderError,
  programInfo,
  ProgType,
  type KernelLink,
  type KernelMap,
  type KernelProgram,
  type ProgramSpec,
} from "../../runtime/loader/index.ts";
import { hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { counterInsns, counterMap, readCounter } from "./counter-program.ts";

const run = kernelReady("kernel attach tests");

interface Fixture {
  map: KernelMap;
  prog: KernelProgram;
}

const created: { close(): void }[] = [];
const progIds: number[] = [];
const linkIds: number[] = [];

function setup(spec: Omit<ProgramSpec, "insns" | "name">, ret = 0): Fixture {
  const map = counterMap();
  created.push(map);
  const prog = loadProgram({ name: "t_counter", ...spec, insns: counterInsns(map.fd, ret) });
  created.push(prog);
  progIds.push(programInfo(prog.fd).id);
  return { map, prog };
}

function track(link: KernelLink): KernelLink {
  created.push(link);
  if (link.links.length) linkIds.push(link.info().id);
  return link;
}

async function until(cond: () => boolean, trigger: () => void, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    trigger();
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

function bpftoolIds(what: "prog" | "link"): number[] {
  const out = execFileSync("bpftool", ["-j", what, "show"], { encoding: "utf8" });
  return (JSON.parse(out || "[]") as { id: number }[]).map((x) => x.id);
}

describe.runIf(run)("attaching to live kernel hooks", () => {
  afterAll(async () => {
    for (const c of created.splice(0).reverse()) c.close();
    if (!hasCommand("bpftool", ["version"])) return;
    // Links free their program after an RCU grace period (kernel/bpf/syscall.c, bpf_link_free),
    // so give the kernel a moment before asserting that nothing of ours is left.
    const ours = () => [
      ...bpftoolIds("prog").filter((id) => progIds.includes(id)),
      ...bpftoolIds("link").filter((id) => linkIds.includes(id)),
    ];
    await until(
      () => ours().length === 0,
      () => {},
      5000,
    );
    expect(ours()).toEqual([]);
  });

  it("tracepoint: counts sys_enter_getppid, stops listing the link after detach", async () => {
    const { map, prog } = setup({ type: ProgType.TRACEPOINT });
    const link = track(attachTracepoint(prog, "syscalls/sys_enter_getppid"));
    const id = link.info().id;
    expect(listLinkIds()).toContain(id);
    expect(link.info().progId).toBe(programInfo(prog.fd).id);
    const before = readCounter(map);
    for (let i = 0; i < 20; i++) void process.ppid;
    expect(readCounter(map) - before).toBeGreaterThanOrEqual(20n);
    link.detach();
    link.detach();
    eventually(() => expect(listLinkIds()).not.toContain(id));
  });

  it("raw tracepoint: counts sys_enter", async () => {
    const { map, prog } = setup({ type: ProgType.RAW_TRACEPOINT });
    track(attachRawTracepoint(prog, "sys_enter"));
    expect(
      await until(
        () => readCounter(map) > 0n,
        () => statSync("/"),
      ),
    ).toBe(true);
  });

  it("fentry and fexit on vfs_getattr count stat() calls (or fail clearly where forbidden)", async () => {
    const id = kernelFuncId("vfs_getattr");
    for (const at of [AttachType.TRACE_FENTRY, AttachType.TRACE_FEXIT]) {
      let fx: Fixture;
      try {
        fx = setup({ type: ProgType.TRACING, expectedAttachType: at, attachBtfId: id });
      } catch (e) {
        // Kernels under lockdown refuse BPF trampolines even to root: the error must say so.
        expect(e).toBeInstanceOf(KernelError);
        expect((e as KernelError).code).toBe("EPERM");
        expect((e as Error).message).toMatch(/does not allow BPF trampolines.*tp_btf and raw_tp/);
        process.stderr.write(
          "[tsbpf] NOTE fentry/fexit refused by this kernel (lockdown); checked the error only\n",
        );
        continue;
      }
      const { map, prog } = fx;
      track(attachTracing(prog, "fentry", "vfs_getattr"));
      const before = readCounter(map);
      for (let i = 0; i < 10; i++) statSync("/");
      expect(readCounter(map) - before).toBeGreaterThanOrEqual(10n);
    }
  });

  it("tp_btf: sys_enter through the BTF-typed tracepoint", async () => {
    const { map, prog } = setup({
      type: ProgType.TRACING,
      expectedAttachType: AttachType.TRACE_RAW_TP,
      attachBtfId: kernelTracepointTypeId("sys_enter"),
    });
    track(attachBySection(prog, "tp_btf/sys_enter"));
    expect(
      await until(
        () => readCounter(map) > 0n,
        () => statSync("/"),
      ),
    ).toBe(true);
  });

  it("perf_event: software cpu-clock sampling runs the program", async () => {
    const { map, prog } = setup({ type: ProgType.PERF_EVENT });
    const link = track(attachPerfEvent(prog, { frequency: 1000 }));
    expect(link.extra.length).toBeGreaterThan(0);
    const spin = () => {
      const end = Date.now() + 20;
      while (Date.now() < end);
    };
    expect(await until(() => readCounter(map) > 0n, spin)).toBe(true);
  });

  it("xdp: attaches to a veth in generic mode, sees ingress frames, detaches cleanly", async () => {
    const a = `tsbpf${process.pid % 100000}a`;
    const b = `tsbpf${process.pid % 100000}b`;
    const net = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
    const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe", encoding: "utf8" });
    ip("link", "add", a, "type", "veth", "peer", "name", b);
    try {
      ip("addr", "add", `${net}.1/30`, "dev", a);
      ip("link", "set", a, "up");
      ip("link", "set", b, "up");
      const { map, prog } = setup({ type: ProgType.XDP, expectedAttachType: AttachType.XDP }, 2);
      const link = track(attachXdp(prog, b, "generic"));
      expect(ip("link", "show", b)).toMatch(
        new RegExp(`xdpgeneric.*prog/xdp id ${programInfo(prog.fd).id}`, "s"),
      );
      const sock = createSocket("udp4");
      const send = () => sock.send("x", 9, `${net}.2`); // ARP for .2 leaves a, arrives on b
      const seen = await until(() => readCounter(map) > 0n, send);
      sock.close();
      expect(seen).toBe(true);
      link.detach();
      expect(ip("link", "show", b)).not.toMatch(/xdp/);
    } finally {
      ip("link", "del", a);
    }
  });

  it("clear errors for bad targets and for kprobes on a kernel without them", () => {
    const { prog } = setup({ type: ProgType.TRACEPOINT });
    expect(() => attachTracepoint(prog, "syscalls/no_such_tp")).toThrow(
      /no tracepoint "syscalls\/no_such_tp"/,
    );
    expect(() => attachTracepoint(prog, "nocategory")).toThrow(/category\/name/);
    expect(() => attachXdp(prog, "nosuchif0")).toThrow(/no network interface named "nosuchif0"/);
    expect(() => kernelFuncId("no_such_kernel_function_xyz")).toThrow(LoaderError);
    expect(() => attachBySection(prog, "weird/section")).toThrow(/don't know how to attach/);
    if (!kprobePmu()) {
      expect(() => attachKprobe(prog, "vfs_getattr")).toThrow(
        /kprobes are not available on this kernel.*use fentry\/vfs_getattr/,
      );
      expect(() => attachBySection(prog, "kretprobe/vfs_getattr")).toThrow(
        /use fexit\/vfs_getattr/,
      );
    }
  });
});
