/**
 * Live-kernel tests of the uprobe/uretprobe, tcx and socket-filter attach kinds, plus the ELF symbol
 * reader they rely on. Fixtures are clang-compiled C (test/kernel/fixtures) and, for uprobes, a small
 * native program built with gcc into a temp dir, so call counts are exact.
 */
import { execFileSync, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { insnSpec, makeInsn } from "../../core/isa/index.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attachBySection,
  attachSocketFilter,
  attachTcx,
  attachUprobe,
  KernelError,
  listLinkIds,
  loadObject,
  LoaderError,
  parseUprobeTarget,
  readBinaryImage,
  resolveSymbolOffset,
  AttachType,
  kernelFuncId,
  loadProgram,
  ProgType,
  type KernelProgram,
  type ProgramSpec,
  type KernelLink,
  type KernelMap,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { capability, hasCommand } from "../support/env.ts";
import { clangForFixtures, kernelReady } from "../support/kernel-setup.ts";
import { libc, RawUdpSocket } from "../support/raw-udp-socket.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const run = kernelReady("uprobe / tcx / socket filter attach tests");
const clang = run ? clangForFixtures("uprobe / tcx / socket filter attach tests") : undefined;
const gcc = run && capability("gcc", hasCommand("gcc"), "uprobe tests") ? "gcc" : undefined;

let dir = "";
const objects: LoadedObject[] = [];
const linkIds: number[] = [];
const links: KernelLink[] = [];

function compileBpf(name: string): Uint8Array {
  const out = join(dir, `${name}.o`);
  execFileSync(clang!, [
    "-O2",
    "-g",
    "-target",
    "bpf",
    "-mcpu=v3",
    "-D__TARGET_ARCH_x86",
    "-I/usr/include/x86_64-linux-gnu",
    "-c",
    join(FIXTURES, `${name}.bpf.c`),
    "-o",
    out,
  ]);
  return readFileSync(out);
}

function load(name: string): LoadedObject {
  const obj = loadObject(compileBpf(name));
  objects.push(obj);
  return obj;
}

function track(link: KernelLink): KernelLink {
  links.push(link);
  if (link.links.length) linkIds.push(link.info().id);
  return link;
}

const key = (k: number) => new Uint8Array(new Uint32Array([k]).buffer);
const u64 = (m: KernelMap, k: number) =>
  new DataView(m.lookup(key(k))!.buffer).getBigUint64(0, true);
const setU32 = (m: KernelMap, k: number, v: number) =>
  m.update(key(k), new Uint8Array(new Uint32Array([v]).buffer));

/** Runs the uprobe target binary with n calls of work(); it exits 0 iff its own sum is right. */
function runTarget(bin: string, n: number): void {
  execFileSync(bin, [String(n)], { env: { ...process.env, LD_LIBRARY_PATH: dir } });
}

async function until(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !cond()) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

describe.runIf(run && clang && gcc)("uprobe, tcx and socket filter on the live kernel", () => {
  let pie = "";
  let noPie = "";
  let dynBin = "";
  let lib = "";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-attach-more-"));
    const src = join(FIXTURES, "uprobe-target.c");
    pie = join(dir, "target-pie");
    noPie = join(dir, "target-nopie");
    lib = join(dir, "libtsbwork.so");
    dynBin = join(dir, "target-dyn");
    execFileSync(gcc!, ["-O2", "-o", pie, src]);
    execFileSync(gcc!, ["-O2", "-no-pie", "-o", noPie, src]);
    execFileSync(gcc!, [
      "-O2",
      "-shared",
      "-fPIC",
      "-s",
      "-o",
      lib,
      join(FIXTURES, "uprobe-lib.c"),
    ]);
    execFileSync(gcc!, ["-O2", "-DWORK_IN_LIB", "-o", dynBin, src, `-L${dir}`, "-ltsbwork"]);
  });

  afterAll(async () => {
    for (const l of links.splice(0)) l.detach();
    for (const o of objects.splice(0)) o.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Nothing of ours may stay attached (links go away once their last fd is closed).
    expect(await until(() => !listLinkIds().some((id) => linkIds.includes(id)))).toBe(true);
  });

  it("ELF reader: function addresses match nm, and offsets map through PT_LOAD", () => {
    for (const bin of [pie, noPie]) {
      const image = readBinaryImage(bin);
      const nm = execFileSync("nm", ["--defined-only", bin], { encoding: "utf8" });
      const line = nm.split("\n").find((l) => / [Tt] work$/.test(l))!;
      const nmAddr = parseInt(line.split(" ")[0]!, 16);
      expect(image.symbols.find((s) => s.name === "work")?.value).toBe(nmAddr);
      const seg = image.segments.find((s) => nmAddr >= s.vaddr && nmAddr < s.vaddr + s.filesz)!;
      expect(resolveSymbolOffset(image, "work")).toBe(nmAddr - seg.vaddr + seg.offset);
    }
    // Non-PIE code is linked at 0x400000+, so its file offset differs from its address.
    const np = readBinaryImage(noPie);
    const addr = np.symbols.find((s) => s.name === "work")!.value;
    expect(resolveSymbolOffset(np, "work")).toBeLessThan(addr);
    // The stripped library has only .dynsym.
    const so = readBinaryImage(lib);
    expect(so.symbols.every((s) => s.dynamic)).toBe(true);
    expect(resolveSymbolOffset(so, "work")).toBeGreaterThan(0);
  });

  it("uprobe + uretprobe count every call of work() and see its argument and result", () => {
    const obj = load("uprobe-count");
    const stats = obj.map("stats");
    const entry = track(attachUprobe(obj.program("on_work_entry"), { path: pie, symbol: "work" }));
    const ret = track(obj.attach("on_work_return", { uprobe: { path: pie, symbol: "work" } }));
    expect(entry.kind).toBe("uprobe");
    expect(ret.kind).toBe("uretprobe");
    runTarget(pie, 50);
    expect([0, 1, 2, 3].map((k) => u64(stats, k))).toEqual([50n, 1225n, 50n, 2500n]);
    entry.detach();
    ret.detach();
    runTarget(pie, 10);
    expect(u64(stats, 0)).toBe(50n);
    expect(u64(stats, 2)).toBe(50n);
  });

  it("uretprobe from a libbpf section name on a non-PIE binary and on a stripped library", () => {
    const obj = load("uprobe-count");
    const stats = obj.map("stats");
    const prog = obj.program("on_work_return");
    const a = track(attachBySection(prog, `uretprobe/${noPie}:work`));
    runTarget(noPie, 7);
    expect(u64(stats, 2)).toBe(7n);
    expect(u64(stats, 3)).toBe(49n);
    a.detach();
    const b = track(attachBySection(prog, `uretprobe/${lib}:work`));
    runTarget(dynBin, 4);
    expect(u64(stats, 2)).toBe(11n);
    b.detach();
  });

  it("pid-restricted uprobe fires only in that process", async () => {
    const obj = load("uprobe-count");
    const stats = obj.map("stats");
    const child = spawn(pie, ["9", "wait"], { stdio: ["pipe", "ignore", "ignore"] });
    const exited = new Promise<number | null>((r) => child.on("exit", r));
    try {
      const link = track(
        attachUprobe(obj.program("on_work_entry"), { path: pie, symbol: "work", pid: child.pid }),
      );
      runTarget(pie, 5); // another process: not counted
      expect(u64(stats, 0)).toBe(0n);
      child.stdin!.end("x");
      expect(await exited).toBe(0);
      expect(u64(stats, 0)).toBe(9n);
      link.detach();
    } finally {
      child.kill();
    }
  });

  it("uprobe errors are clear", () => {
    const obj = load("uprobe-count");
    const prog = obj.program("on_work_entry");
    expect(() => attachUprobe(prog, { path: join(dir, "nope"), symbol: "work" })).toThrow(
      /binary not found: .*nope/,
    );
    expect(() => attachUprobe(prog, { path: "no-such-tool-xyz", symbol: "f" })).toThrow(
      /binary not found: "no-such-tool-xyz" is not in PATH/,
    );
    expect(() => attachUprobe(prog, { path: pie, symbol: "no_such_fn" })).toThrow(
      /symbol "no_such_fn" not found in .*target-pie; list its functions with: nm -D/,
    );
    expect(() => attachUprobe(prog, { path: pie, symbol: "strtol" })).toThrow(
      /"strtol" is not defined in .*imported from a shared library/,
    );
    const text = join(dir, "not-elf");
    writeFileSync(text, "#!/bin/sh\necho hi\n".repeat(8));
    expect(() => attachUprobe(prog, { path: text, symbol: "x" })).toThrow(
      /not-elf is not a valid ELF binary: wrong magic/,
    );
    expect(() => attachUprobe(prog, { path: pie, symbol: "work", pid: 0x3ffffff })).toThrow(
      /no process with pid/,
    );
    expect(() => attachBySection(prog, "uprobe")).toThrow(
      /needs a target: SEC\("uprobe\/<binary>:<function>"\)/,
    );
    expect(() => attachBySection(prog, "uprobe/bash")).toThrow(/uprobe target must be/);
    expect(parseUprobeTarget("/lib/x.so:f+0x10")).toEqual({
      path: "/lib/x.so",
      symbol: "f",
      offset: 16,
    });
    expect(parseUprobeTarget("/bin/bash:0x1f00")).toEqual({ path: "/bin/bash", offset: 0x1f00 });
  });

  it("malformed binaries give clean LoaderErrors", () => {
    const good = readFileSync(pie);
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 20), /only 20 bytes/],
      [Uint8Array.from([...good.subarray(0, 4), 1, ...good.subarray(5, 64)]), /not ELF64/],
    ];
    const badShoff = Uint8Array.from(good);
    new DataView(badShoff.buffer).setBigUint64(40, BigInt(good.length + 100), true);
    cases.push([badShoff, /section header table .* is outside the file/]);
    const badPhent = Uint8Array.from(good);
    new DataView(badPhent.buffer).setUint16(54, 12, true);
    cases.push([badPhent, /program header size 12 is not 56/]);
    for (const [bytes, msg] of cases) {
      expect(() => readBinaryImage(bytes, "case")).toThrow(LoaderError);
      expect(() => readBinaryImage(bytes, "case")).toThrow(msg);
    }
  });

  it('tcx ingress/egress and legacy SEC("tc") on lo count our UDP packets and pass them', async () => {
    const obj = load("tc-count");
    const hits = obj.map("hits");
    const rx: Socket = createSocket("udp4");
    await new Promise<void>((r) => rx.bind(0, "127.0.0.1", r));
    const port = rx.address().port;
    let received = 0;
    rx.on("message", () => received++);
    setU32(obj.map("port_cfg"), 0, port);
    const tx = createSocket("udp4");
    const send = (n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((r, j) =>
              tx.send("ping", port, "127.0.0.1", (e) => (e ? j(e) : r())),
            ),
        ),
      );
    try {
      const links = [
        track(obj.attach("tc_in", { iface: "lo" })),
        track(obj.attach("tc_out", { iface: "lo" })),
        track(obj.attach("tc_legacy", { iface: "lo" })), // bare SEC("tc"): ingress by default
      ];
      expect(links.map((l) => l.kind)).toEqual(["tcx_ingress", "tcx_egress", "tcx_ingress"]);
      // bpftool lists them as tcx links (BPF_LINK_TYPE_TCX = 11; older bpftool prints the number).
      const listed = JSON.parse(
        execFileSync("bpftool", ["-j", "link", "show"], { encoding: "utf8" }),
      ) as { id: number; type: string | number; prog_id: number }[];
      for (const l of links) {
        const row = listed.find((x) => x.id === l.info().id);
        expect(["tcx", 11]).toContain(row?.type);
        expect(row?.prog_id).toBe(l.info().progId);
      }
      await send(6);
      expect(await until(() => received === 6 && u64(hits, 2) === 6n)).toBe(true);
      expect([0, 1, 2].map((k) => u64(hits, k))).toEqual([6n, 6n, 6n]);
      for (const l of links) l.detach();
      await send(3);
      expect(await until(() => received === 9)).toBe(true);
      expect([0, 1, 2].map((k) => u64(hits, k))).toEqual([6n, 6n, 6n]);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it("tcx errors are clear", () => {
    const obj = load("tc-count");
    expect(() => attachTcx(obj.program("tc_in"), "nosuchif0")).toThrow(
      /no network interface named "nosuchif0"/,
    );
    expect(() => attachBySection(obj.program("tc_in"), "tcx/sideways", { iface: "lo" })).toThrow(
      /direction must be "ingress" or "egress"/,
    );
    expect(() => obj.attach("tc_in")).toThrow(/needs an interface/);
    const up = load("uprobe-count");
    expect(() => attachTcx(up.program("on_work_entry"), "lo")).toThrow(/not a tc classifier/);
  });

  it("socket filter counts, drops while told to, and stops after detach", async () => {
    const obj = load("socket-filter");
    const seen = obj.map("seen");
    const sock = new RawUdpSocket();
    const tx = createSocket("udp4");
    const send = (n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((r, j) =>
              tx.send("ping", sock.port, "127.0.0.1", (e) => (e ? j(e) : r())),
            ),
        ),
      );
    const drain = async (want: number) => {
      let got = 0;
      await until(() => (got += sock.drain()) >= want, 1000);
      return got;
    };
    try {
      const link = track(
        attachBySection(obj.program("count_and_filter"), "socket", { socketFd: sock.fd }),
      );
      expect(link.kind).toBe("socket_filter");
      await send(5);
      expect(await drain(5)).toBe(5);
      expect(u64(seen, 0)).toBe(5n);
      setU32(obj.map("mode"), 0, 1); // drop from now on
      await send(4);
      expect(await until(() => u64(seen, 0) === 9n)).toBe(true);
      expect(await drain(1)).toBe(0);
      link.detach();
      link.detach();
      await send(3);
      expect(await drain(3)).toBe(3);
      expect(u64(seen, 0)).toBe(9n);
      expect(() => attachSocketFilter(obj.program("count_and_filter"), 0x7fff)).toThrow(/not open/);
      const notSock = readBinaryFd();
      try {
        expect(() => attachSocketFilter(obj.program("count_and_filter"), notSock)).toThrow(
          KernelError,
        );
        expect(() => attachSocketFilter(obj.program("count_and_filter"), notSock)).toThrow(
          /is not a socket/,
        );
      } finally {
        libc().close(notSock);
      }
    } finally {
      sock.close();
      tx.close();
    }
  });
});

describe.runIf(run)("programs that need a BPF trampoline", () => {
  it("load, or fail with an explanation of the refusal (lsm, freplace, fentry with a bad id)", () => {
    const insns = [makeInsn(insnSpec("mov64_imm"), { dst: 0, imm: 0 }), makeInsn(insnSpec("exit"))];
    const specs: ProgramSpec[] = [
      {
        name: "t_lsm",
        type: ProgType.LSM,
        expectedAttachType: AttachType.LSM_MAC,
        attachBtfId: kernelFuncId("bpf_lsm_file_open"),
        insns,
      },
      {
        name: "t_fentry",
        type: ProgType.TRACING,
        expectedAttachType: AttachType.TRACE_FENTRY,
        attachBtfId: kernelFuncId("vfs_getattr"),
        insns,
      },
    ];
    for (const spec of specs) {
      let prog: KernelProgram | undefined;
      try {
        prog = loadProgram(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(KernelError);
        expect((e as KernelError).code).toBe("EPERM");
        expect((e as Error).message).toMatch(
          /before verification: this kernel does not allow BPF trampolines, which fentry\/fexit\/fmod_ret, lsm and freplace programs need \(.+\); tp_btf and raw_tp/,
        );
        continue;
      }
      prog.close();
    }
  });
});

function readBinaryFd(): number {
  return libc().open("/proc/self/exe", 0);
}
