/**
 * Legacy packet loads (ldabs / ldind), VM against kernel: each case is a socket filter and a tc
 * classifier of three instructions (`r6 = ctx; r0 = ld{abs,ind}{b,h,w} ...; exit`), run on one
 * Ethernet frame in the VM's interpreter and JIT and, with root, through BPF_PROG_TEST_RUN. Every
 * byte of the frame is non-zero, so a return value of 0 means the load was out of range (the
 * program exited with 0), any other the bytes read. Offsets cover data-relative reads up to and past
 * data_end, the SKF_NET_OFF and SKF_LL_OFF bases (the network header, and the link-layer header
 * before data for a socket filter, which sees the skb from its network header), offsets below them,
 * and ldind's 32-bit wrap of src + imm. All sides must return the same.
 */
import { describe, expect, it } from "vitest";
import { assembleText } from "../../core/conformance/assembler.ts";
import { loadProgram, ProgType, testRun } from "../../runtime/loader/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";
import { SKF_LL_OFF, SKF_NET_OFF } from "../../runtime/vm/packet.ts";
import { kernelReady } from "../support/kernel-setup.ts";

/** A 60-byte IPv4 frame with no zero byte anywhere. */
const FRAME = (() => {
  const f = new Uint8Array(60).map((_, i) => ((i * 37 + 11) % 251) + 1);
  f.set([0x08, 0x00], 12); // ETH_P_IP
  f[14] = 0x45;
  return f;
})();

const SIDES = {
  socket: { type: ProgType.SOCKET_FILTER, len: FRAME.length - 14 },
  tc: { type: ProgType.SCHED_CLS, len: FRAME.length },
} as const;
type Section = keyof typeof SIDES;

interface Case {
  readonly name: string;
  readonly asm: string;
}

const SIZES = [
  ["b", 1],
  ["h", 2],
  ["w", 4],
] as const;

function cases(len: number): Case[] {
  const offsets = [
    0,
    9,
    12,
    len - 4,
    len - 2,
    len - 1,
    len,
    100_000,
    -1,
    SKF_NET_OFF,
    SKF_NET_OFF + 9,
    SKF_NET_OFF + len,
    SKF_NET_OFF - 1,
    SKF_LL_OFF,
    SKF_LL_OFF + 12,
    SKF_LL_OFF + 70,
    SKF_LL_OFF - 1,
  ];
  const out: Case[] = [];
  for (const [s] of SIZES)
    for (const o of offsets) out.push({ name: `ldabs${s} ${o}`, asm: `ldabs${s} ${o}` });
  // ldind: src + imm, of which the kernel passes the low 32 bits as a signed int.
  const ind: [string, number][] = [
    ["lddw %r7, 0x100000003", 2],
    ["mov %r7, -2", 4],
    ["mov %r7, 0x7fffffff", 2],
    ["lddw %r7, 0xffffffff00000005", 0],
    [`mov %r7, ${SKF_LL_OFF}`, 12],
  ];
  for (const [s] of SIZES)
    for (const [set, imm] of ind)
      out.push({ name: `${set}; ldind${s} %r7, ${imm}`, asm: `${set}\nldind${s} %r7, ${imm}` });
  return out;
}

const program = (c: Case) => `mov %r6, %r1\n${c.asm}\nexit`;

/** The return value (low 32 bits) of `c` run in the VM on FRAME. */
function onVm(section: Section, c: Case, engine: "interpreter" | "jit"): number {
  const insns = assembleText(program(c));
  const obj = VmObject.fromObject(
    {
      programs: [{ name: "p", section, sectionOffset: 0, insns, relocs: [] }],
      subprograms: [],
      maps: [],
      license: "GPL",
      kernelVersion: 0,
    },
    { engine },
  );
  try {
    return Number(BigInt.asUintN(32, obj.program("p").run({ packet: FRAME.slice() }).r0));
  } finally {
    obj.dispose();
  }
}

describe("ldabs / ldind read the skb as the kernel does", () => {
  for (const section of Object.keys(SIDES) as Section[]) {
    const { len } = SIDES[section];
    it(`${section}: the interpreter and the JIT agree, reading big-endian from data`, () => {
      for (const c of cases(len)) {
        expect([c.name, onVm(section, c, "jit")]).toEqual([
          c.name,
          onVm(section, c, "interpreter"),
        ]);
      }
      const data = section === "socket" ? FRAME.subarray(14) : FRAME;
      const be = (at: number, n: number) =>
        [...data.subarray(at, at + n)].reduce((v, b) => v * 256 + b, 0);
      expect(onVm(section, { name: "", asm: "ldabsw 12" }, "jit")).toBe(be(12, 4));
      expect(onVm(section, { name: "", asm: `ldabsh ${len - 2}` }, "jit")).toBe(be(len - 2, 2));
      expect(onVm(section, { name: "", asm: `ldabsh ${len - 1}` }, "jit")).toBe(0);
      expect(onVm(section, { name: "", asm: `ldabsh ${SKF_LL_OFF + 12}` }, "jit")).toBe(0x0800);
      expect(onVm(section, { name: "", asm: `ldabsb ${SKF_NET_OFF}` }, "jit")).toBe(0x45);
    });

    it.skipIf(!kernelReady("ldabs / ldind differential"))(
      `${section}: the kernel's BPF_PROG_TEST_RUN returns the same for every case`,
      () => {
        const rows = cases(len).map((c) => {
          using prog = loadProgram({
            name: "ldabs",
            type: SIDES[section].type,
            insns: assembleText(program(c)),
          });
          const kernel = testRun(prog, { data: FRAME.slice() }).retval >>> 0;
          return [c.name, onVm(section, c, "jit"), kernel];
        });
        expect(rows.filter(([, vm, kernel]) => vm !== kernel)).toEqual([]);
        // Not all out of range: the cases read something on both sides.
        expect(rows.filter(([, , k]) => k !== 0).length).toBeGreaterThan(rows.length / 3);
      },
    );
  }
});
