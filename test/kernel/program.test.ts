import { existsSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { insnSpec, makeInsn, type Insn } from "../../core/isa/index.ts";
import {
  createMap,
  KernelError,
  listProgramIds,
  loadProgram,
  MapType,
  openPinned,
  parseVerifierLog,
  pinObject,
  programInfo,
  ProgType,
  testRun,
  VerifierError,
} from "../../runtime/loader/index.ts";
import { BPFFS, kernelReady } from "../support/kernel-setup.ts";

const run = kernelReady("kernel program tests");
const I = (name: string, f: Parameters<typeof makeInsn>[1] = {}): Insn =>
  makeInsn(insnSpec(name), f);

const XDP_DROP = 1;
const XDP_PASS = 2;

/** XDP: drop frames whose destination MAC starts with 0xff, pass the rest (and short frames). */
const xdpDropBroadcast: Insn[] = [
  I("ldxw", { dst: 2, src: 1, off: 0 }), // r2 = ctx->data
  I("ldxw", { dst: 3, src: 1, off: 4 }), // r3 = ctx->data_end
  I("mov64_imm", { dst: 0, imm: XDP_PASS }),
  I("mov64_reg", { dst: 4, src: 2 }),
  I("add64_imm", { dst: 4, imm: 14 }),
  I("jgt64_reg", { dst: 4, src: 3, off: 3 }), // if data + 14 > data_end goto exit
  I("ldxb", { dst: 5, src: 2, off: 0 }),
  I("jne64_imm", { dst: 5, imm: 0xff, off: 1 }),
  I("mov64_imm", { dst: 0, imm: XDP_DROP }),
  I("exit"),
];

function frame(firstByte: number): Uint8Array {
  const f = new Uint8Array(64);
  f[0] = firstByte;
  f[12] = 0x08; // ethertype IPv4
  return f;
}

describe.runIf(run)("program loading and test runs", () => {
  it("loads an XDP program and test-runs it: XDP_DROP vs XDP_PASS on crafted frames", () => {
    const prog = loadProgram({ name: "xdp_drop_bc", type: ProgType.XDP, insns: xdpDropBroadcast });
    try {
      const drop = testRun(prog, { data: frame(0xff) });
      expect(drop.retval).toBe(XDP_DROP);
      const pass = testRun(prog, { data: frame(0x02), repeat: 100 });
      expect(pass.retval).toBe(XDP_PASS);
      expect(pass.dataOut).toEqual(frame(0x02));
      expect(pass.duration).toBeGreaterThanOrEqual(0);
      const info = programInfo(prog.fd);
      expect(info.name).toBe("xdp_drop_bc");
      expect(info.type).toBe(ProgType.XDP);
      expect(prog.verifiedInsns).toBeGreaterThan(5);
      expect(listProgramIds()).toContain(info.id);
    } finally {
      prog.close();
    }
  });

  it("returns the verifier log with processed-insn statistics when asked (log level 4)", () => {
    const prog = loadProgram(
      { name: "xdp_stats", type: ProgType.XDP, insns: xdpDropBroadcast },
      { logLevel: 4 },
    );
    try {
      const facts = parseVerifierLog(prog.log);
      expect(facts.processedInsns).toBe(prog.verifiedInsns);
      expect(facts.processedInsns).toBeGreaterThan(5);
    } finally {
      prog.close();
    }
  });

  it("level 2 logs every state and still loads", () => {
    const prog = loadProgram(
      { name: "xdp_l2", type: ProgType.XDP, insns: xdpDropBroadcast },
      { logLevel: 2, logSize: 256 }, // tiny buffer: must grow on ENOSPC
    );
    try {
      expect(prog.log).toMatch(/^0: .*R1/m);
      expect(prog.log.length).toBeGreaterThan(256);
    } finally {
      prog.close();
    }
  });

  it("a rejected program throws VerifierError with the log, the failing insn and the reason", () => {
    const bad = [
      I("mov64_imm", { dst: 0, imm: 0 }),
      I("ldxdw", { dst: 0, src: 2, off: 0 }),
      I("exit"),
    ];
    let err: unknown;
    try {
      loadProgram({ name: "bad_read", type: ProgType.SOCKET_FILTER, insns: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.code).toBe("EACCES");
    expect(v.insnIndex).toBe(1);
    expect(v.log).toMatch(/R2 !read_ok/);
    expect(parseVerifierLog(v.log).errorLine).toMatch(/R2 !read_ok/);
    expect(v.message).toMatch(/verifier rejected program "bad_read" at instruction 1/);
  });

  it("bad program types and empty programs are clear errors", () => {
    expect(() => loadProgram({ name: "empty", type: ProgType.XDP, insns: [] })).toThrow(
      /not a whole number of instructions/,
    );
    expect(() =>
      loadProgram({ name: "badtype", type: 999, insns: [I("mov64_imm"), I("exit")] }),
    ).toThrow(KernelError);
  });

  it("pins a map in bpffs and reopens it by path", () => {
    const path = `${BPFFS}/tsbpf_test_pin_${process.pid}`;
    const m = createMap({
      name: "pinme",
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
    });
    try {
      m.update(new Uint8Array(4), Uint8Array.of(42, 0, 0, 0));
      pinObject(m.fd, path);
      const fd = openPinned(path);
      expect(fd.fd).not.toBe(m.fd);
      fd.close();
      expect(() => openPinned(`${BPFFS}/tsbpf_no_such_pin`)).toThrow(/ENOENT/);
      expect(() => pinObject(m.fd, "relative")).toThrow(/absolute/);
    } finally {
      m.close();
      if (existsSync(path)) rmSync(path);
    }
  });
});
