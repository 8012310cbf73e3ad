/**
 * Checkpoint nops (compiler/target/bpf/checkpoints.ts): a `ja +0` where the verifier model says a
 * join gets no recorded state. The nop must keep every jump on its target (the code computes the same
 * on both VM engines as a JavaScript reference, for every input) and must lower the modelled cost;
 * the kernel's own count for a benchmark program shows the model's effect is real.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWithBpftool } from "../../bench/codegen/verifier.ts";
import { compileSource } from "../../compiler/driver.ts";
import { insertCheckpointNops, modelProcessed } from "../../compiler/target/bpf/checkpoints.ts";
import { layoutBranches } from "../../compiler/target/bpf/layout.ts";
import { minst, type MFunc, type MInst } from "../../compiler/target/bpf/mir.ts";
import { readBpfObject } from "../../core/object/index.ts";
import { makeInsn } from "../../core/isa/index.ts";
import { capability, hasCommand, hasKernelBpf } from "../support/env.ts";
import { runBoth } from "../vm-engine/support.ts";

const span = { file: "t.ts", line: 1, col: 1 };

/**
 * `x` in r1: while x is 0, 43 or 60 (at most twice) x = x * 3 + 1; then a 20-instruction tail
 * folds x into r0. Each test chain leaves for the shared tail right after its last prune point.
 */
function chainProgram(): MInst[] {
  const tail = [
    minst("mov64_reg", { dst: 0, src: 1 }),
    ...Array.from({ length: 10 }, (_, k) => [
      minst("mul64_imm", { dst: 0, imm: 31 }),
      minst("xor64_imm", { dst: 0, imm: k + 1 }),
    ]).flat(),
    minst("exit"),
  ];
  const chain = (cont: number): { id: number; insts: MInst[] }[] => [
    {
      id: cont * 10,
      insts: [
        minst("jeq64_imm", { dst: 1, imm: 0, target: cont }),
        minst("ja", { target: cont * 10 + 1 }),
      ],
    },
    {
      id: cont * 10 + 1,
      insts: [
        minst("jeq64_imm", { dst: 1, imm: 43, target: cont }),
        minst("ja", { target: cont * 10 + 2 }),
      ],
    },
    {
      id: cont * 10 + 2,
      insts: [minst("jeq64_imm", { dst: 1, imm: 60, target: cont }), minst("ja", { target: 99 })],
    },
  ];
  const f: MFunc = {
    name: "t",
    section: "xdp",
    blocks: [
      ...chain(1),
      {
        id: 1,
        insts: [
          minst("mul64_imm", { dst: 1, imm: 3 }),
          minst("add64_imm", { dst: 1, imm: 1 }),
          minst("ja", { target: 20 }),
        ],
      },
      ...chain(2),
      {
        id: 2,
        insts: [
          minst("mul64_imm", { dst: 1, imm: 3 }),
          minst("add64_imm", { dst: 1, imm: 1 }),
          minst("ja", { target: 99 }),
        ],
      },
      { id: 99, insts: tail },
    ],
    slots: [],
    spillSlots: 0,
    nextVreg: 16,
    span,
  };
  const laid = layoutBranches(f, 3);
  expect(laid.diagnostics).toEqual([]);
  return laid.insts;
}

function reference(x: bigint): bigint {
  const m = (1n << 64n) - 1n;
  for (let i = 0; i < 2 && (x === 0n || x === 43n || x === 60n); i++) x = (x * 3n + 1n) & m;
  let r = x;
  for (let k = 1; k <= 10; k++) r = ((r * 31n) & m) ^ BigInt(k);
  return r;
}

const nops = (insts: readonly MInst[]) =>
  insts.filter((i) => i.spec.kind === "ja" && i.off === 0).length;
const toInsns = (insts: readonly MInst[]) =>
  insts.map((i) =>
    makeInsn(i.spec, { dst: i.dst, src: i.src, off: i.off, imm: i.imm, imm2: i.imm2 }),
  );

describe("checkpoint nops", () => {
  it("puts a nop into the shared tail and lowers the modelled verifier cost", () => {
    const before = chainProgram();
    const after = insertCheckpointNops(before);
    expect(nops(before)).toBe(0);
    expect(nops(after)).toBeGreaterThanOrEqual(1);
    expect(after.length).toBe(before.length + nops(after));
    expect(modelProcessed(after)!).toBeLessThan(modelProcessed(before)!);
  });

  it("keeps every jump on its target: both engines agree with the reference on every input", () => {
    const before = toInsns(chainProgram());
    const after = toInsns(insertCheckpointNops(chainProgram()));
    for (const x of [0n, 43n, 60n, 1n, 2n, 130n, 181n, 255n, 1000n, 0xffff_ffff_ffffn]) {
      const want = reference(x);
      for (const program of [before, after]) {
        const o = runBoth(program, new Map(), { args: [x] });
        expect(o, `x = ${x}`).toMatchObject({ r0: want });
      }
    }
  });

  it("models a local call as a call: a function that makes one gets its nops too", () => {
    const call = minst("call_local", { imm: -1, nargs: 0, reloc: { kind: "call", callee: "g" } });
    const before = chainProgram();
    // The call goes first, keeping r1 (the callee's result lands in r0, which the tail sets).
    const withCall = [
      minst("mov64_reg", { dst: 6, src: 1 }),
      call,
      minst("mov64_reg", { dst: 1, src: 6 }),
    ];
    const shifted = [...withCall, ...before];
    const after = insertCheckpointNops(shifted);
    expect(nops(after)).toBeGreaterThanOrEqual(1);
    expect(modelProcessed(after)!).toBeLessThan(modelProcessed(shifted)!);
  });

  it("leaves code alone where every join already gets a state", () => {
    const straight = [minst("mov64_imm", { dst: 0, imm: 1 }), minst("exit")];
    expect(insertCheckpointNops(straight)).toBe(straight);
  });
});

const canLoad = capability(
  "root + bpftool",
  hasKernelBpf() && hasCommand("bpftool", ["version"]),
  "checkpoint nops measured on the kernel verifier",
);

describe.skipIf(!canLoad)("checkpoint nops on the kernel", () => {
  it("v6ext's nops make the kernel's count the model's, below the count without them", async () => {
    const file = "bench/ts/v6ext.ts";
    const source = readFileSync(join(import.meta.dirname, "../..", file), "utf8");
    const out = await compileSource(source, file, { check: true });
    expect(out.diagnostics).toEqual([]);
    const text = readBpfObject(out.object!).programs.find((p) => p.name === "walk")!;
    const path = join(mkdtempSync(join(tmpdir(), "tsbpf-ckpt-")), "v6ext.o");
    writeFileSync(path, out.object!);
    const report = loadWithBpftool(path);
    expect(report.error).toBeUndefined();
    const processed = (report.programs.get("walk") as { processed: number }).processed;
    expect(text.insns.some((i) => i.spec.kind === "ja" && i.off === 0)).toBe(true);
    // The model follows the kernel's bookkeeping exactly on this program (6.18: 132).
    expect(processed).toBe(modelProcessed(text.insns));
    expect(processed).toBeLessThan(200);
  });
});
