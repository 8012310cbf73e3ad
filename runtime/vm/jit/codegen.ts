/**
 * JIT code generation: turns an instruction list into the source of one JavaScript function.
 *
 * Consumes `Insn[]` (lddw already resolved); produces JS source text whose function takes a `JitState`
 * and returns 0 (program exited, r0 in st.r0l/r0h) or 1 (a helper requested a tail call).
 *
 * Shape of the generated code (worked example: `L: r1 += 1; if r1 != 10 goto L; exit`):
 *
 * ```
 * for (;;) switch (pc) {
 *   case 0:                        // one case per basic block leader only
 *     do {                         // a block that branches to itself becomes a native loop
 *       if ((left -= 2) < 0) throw budgetFail(...);   // budget counted per block
 *       t = (r1l >>> 0) + 1; r1h = ...; r1l = t | 0;   // registers are int32 half pairs
 *     } while (r1l !== 10 || r1h !== 0);
 *   case 2:                        // fall-through = the not-taken edge, no dispatch
 *     ...exit...
 * }
 * ```
 *
 * Invariants: block leaders are slot 0, every valid jump/call target and every slot after a jump,
 * call or exit, so a block is straight-line code whose instructions all execute (except when it ends
 * early by an error or by a failed legacy packet load, which corrects the count). Errors the program
 * can hit (bad register, r10 write, bad jump target) are emitted as `throw` at the instruction, so they
 * fire only when executed, exactly as in the interpreter. Code is chosen by `spec.kind` (the emitter
 * table below) and then by op/width templates (templates.ts); there is no switch over opcode bytes.
 */
import { STACK_SIZE, jumpTarget } from "../../../core/isa/index.ts";
import { helperRecordById } from "../../../core/kernel/index.ts";
import type { Insn, InsnKind } from "../../../core/isa/index.ts";
import { checksMemoryFirst, registerError, writtenBy } from "../register-checks.ts";
import { MAX_CALL_FRAMES, VmMessages, layoutProgram } from "../run-context.ts";
import type { ProgramLayout } from "../run-context.ts";
import { FRAME_WORDS } from "./runtime.ts";
import {
  ALU_TEMPLATES,
  ATOMIC_UPDATE,
  NEG_TEMPLATES,
  endTemplate,
  immOperand,
  jumpCondition,
  loadTemplate,
  movsxTemplate,
  regOperand,
  storeTemplate,
} from "./templates.ts";
import type { Operand } from "./templates.ts";

/** What an emitter knows about the instruction being compiled. */
interface Site {
  readonly insn: Insn;
  /** Slot of the instruction. */
  readonly pc: number;
  /** Instructions after this one in its block (to correct the budget on an early exit). */
  readonly rest: number;
  readonly layout: ProgramLayout;
  /** Slot of the block that textually follows (fall-through), or -1. */
  readonly nextLeader: number;
  /** Whether the program makes BPF-to-BPF calls (else `exit` always ends the run). */
  readonly hasLocalCalls: boolean;
}

const lit = (s: string) => JSON.stringify(s);
const throwFail = (message: string, pc: number) => `throw fail(${lit(message)}, ${pc});`;

/** Whether a slot can be jumped to (an instruction start, or the end, which fails when reached). */
function isTarget(layout: ProgramLayout, slot: number): boolean {
  return (
    slot >= 0 && (slot === layout.slots || (slot < layout.slots && layout.indexAt[slot] !== -1))
  );
}

/** `pc = T; continue;`, or nothing when T is the fall-through block, or the bad-jump error. */
function jumpTo(site: Site, target: number): string {
  if (!isTarget(site.layout, target)) return throwFail(VmMessages.badJump(target), site.pc);
  if (target === site.nextLeader) return "";
  return `pc = ${target}; continue;`;
}

/** Access check leaving the slot in `s` and the offset in `a` (RFC 9669 §5: base register + off). */
function access(base: number, off: number, size: number, write: boolean, pc: number): string {
  const b = regOperand(base);
  const neg = off < 0 ? "a < 0 || " : "";
  const ro = write ? " || !s.writable" : "";
  return (
    `a = (${b.l} >>> 0) + ${off}; s = SL[${b.h} >>> 0]; ` +
    `if (s === undefined || ${neg}a + ${size} > s.len${ro}) ` +
    `throw fault(st, ${b.l}, ${b.h}, ${off}, ${size}, ${write}, ${pc});`
  );
}

function operand(insn: Insn): Operand {
  return insn.spec.source === "reg" ? regOperand(insn.src) : immOperand(insn.imm);
}

function emitAtomic({ insn, pc }: Site): string {
  const { spec } = insn;
  const d = regOperand(insn.src);
  const chk = access(insn.dst, insn.off, spec.memSize, true, pc);
  const upd = ATOMIC_UPDATE[spec.op];
  if (spec.width === 32) {
    const old = "t = s.view.getInt32(a, true); ";
    if (spec.op === "atomic_cmpxchg") {
      return `${chk} ${old}if (t === r0l) s.view.setInt32(a, ${d.l}, true); r0l = t; r0h = 0;`;
    }
    const nv = { add: `(t + ${d.l}) | 0`, or: `t | ${d.l}`, and: `t & ${d.l}`, xor: `t ^ ${d.l}` };
    const value = upd === "xchg" ? d.l : nv[upd!];
    const fetch = writtenBy(insn) !== null ? ` ${d.l} = t; ${d.h} = 0;` : "";
    return `${chk} ${old}s.view.setInt32(a, ${value}, true);${fetch}`;
  }
  const old = "t = s.view.getInt32(a, true); u = s.view.getInt32(a + 4, true); ";
  const put = (l: string, h: string) =>
    `s.view.setInt32(a, ${l}, true); s.view.setInt32(a + 4, ${h}, true);`;
  if (spec.op === "atomic_cmpxchg") {
    return `${chk} ${old}if (t === r0l && u === r0h) { ${put(d.l, d.h)} } r0l = t; r0h = u;`;
  }
  const body =
    upd === "add"
      ? `c = (t >>> 0) + (${d.l} >>> 0); ${put("c | 0", `(u + ${d.h} + (c > 4294967295 ? 1 : 0)) | 0`)}`
      : upd === "xchg"
        ? put(d.l, d.h)
        : put(
            `t ${{ or: "|", and: "&", xor: "^" }[upd!]} ${d.l}`,
            `u ${{ or: "|", and: "&", xor: "^" }[upd!]} ${d.h}`,
          );
  const fetch = writtenBy(insn) !== null ? ` ${d.l} = t; ${d.h} = u;` : "";
  return `${chk} ${old}${body}${fetch}`;
}

/** True for a helper that may run subprograms of the program (bpf_loop and the other callbacks). */
function callsBack(helper: number): boolean {
  return helperRecordById(helper)?.params.some((p) => p.kind === "callback") ?? false;
}

/**
 * A helper call. One that may call back into the program (`sync`: a callback helper, or callx)
 * first hands the budget and call depth to the state, where the callback's run continues them.
 */
function emitHelperCall(pc: number, nl: string, nh: string, sync: boolean): string {
  const args = [1, 2, 3, 4, 5].map((r) => `r${r}l, r${r}h`).join(", ");
  const call =
    `if (callHelper(st, ${nl}, ${nh}, ${pc}, ${args}) !== 0) { st.left = left; return 1; } ` +
    "r0l = st.rl; r0h = st.rh;";
  return sync ? `st.left = left; st.depth = depth; ${call} left = st.left;` : call;
}

function emitLocalCall(site: Site): string {
  const { pc, insn } = site;
  const target = jumpTarget(insn, pc)!;
  const save = [6, 7, 8, 9, 10]
    .flatMap((r, i) => [`F[b + ${1 + 2 * i}] = r${r}l;`, `F[b + ${2 + 2 * i}] = r${r}h;`])
    .join(" ");
  const depthCheck = `if (depth === ${MAX_CALL_FRAMES - 1}) ${throwFail(VmMessages.callDepth(), pc)}`;
  if (!isTarget(site.layout, target)) {
    return `${depthCheck} ${throwFail(VmMessages.badJump(target), pc)}`;
  }
  return (
    `${depthCheck} b = depth * ${FRAME_WORDS}; F[b] = ${pc + 1}; ${save} depth++; ` +
    `r10l = ${STACK_SIZE}; r10h = enterFrame(st, depth); pc = ${target}; continue;`
  );
}

function emitExit(site: Site): string {
  const done = "st.r0l = r0l; st.r0h = r0h; st.left = left; return 0;";
  // Without local calls the depth is always 0: keep r6–r10 out of the exit path (fewer live values).
  if (!site.hasLocalCalls) return done;
  const restore = [6, 7, 8, 9, 10]
    .flatMap((r, i) => [`r${r}l = F[b + ${1 + 2 * i}];`, `r${r}h = F[b + ${2 + 2 * i}];`])
    .join(" ");
  // `base`: the depth the run started at (0, or a callback's frame: runJit's invoker).
  return (
    `if (depth === base) { ${done} } ` +
    `depth--; b = depth * ${FRAME_WORDS}; pc = F[b]; ${restore} continue;`
  );
}

type Emitter = (site: Site) => string;

/** Code for each instruction kind; within a kind, op/width select a template. */
const EMITTERS: Readonly<Record<InsnKind, Emitter>> = {
  alu: ({ insn }) =>
    ALU_TEMPLATES[`${insn.spec.op}${insn.spec.width}`]!(regOperand(insn.dst), operand(insn)),
  mov: ({ insn }) => ALU_TEMPLATES[`mov${insn.spec.width}`]!(regOperand(insn.dst), operand(insn)),
  neg: ({ insn }) => NEG_TEMPLATES[`neg${insn.spec.width}`]!(regOperand(insn.dst)),
  movsx: ({ insn }) =>
    movsxTemplate(insn.spec.width, insn.spec.extBits, regOperand(insn.dst), regOperand(insn.src)),
  end: ({ insn }) => endTemplate(insn.spec.op, insn.spec.extBits, regOperand(insn.dst)),
  lddw: ({ insn, pc }) => {
    if (insn.src !== 0) return throwFail(VmMessages.badLddw(insn.src), pc);
    const d = regOperand(insn.dst);
    return `${d.l} = ${insn.imm | 0}; ${d.h} = ${insn.imm2 | 0};`;
  },
  ldx: ({ insn, pc }) =>
    access(insn.src, insn.off, insn.spec.memSize, false, pc) +
    " " +
    loadTemplate(insn.spec.memSize, insn.spec.extBits !== 0, regOperand(insn.dst)),
  st: ({ insn, pc }) =>
    access(insn.dst, insn.off, insn.spec.memSize, true, pc) +
    " " +
    storeTemplate(insn.spec.memSize, immOperand(insn.imm)),
  stx: ({ insn, pc }) =>
    access(insn.dst, insn.off, insn.spec.memSize, true, pc) +
    " " +
    storeTemplate(insn.spec.memSize, regOperand(insn.src)),
  atomic: emitAtomic,
  ldabs: (site) => emitPacketLoad(site, `${site.insn.imm | 0}`),
  ldind: (site) => emitPacketLoad(site, `(r${site.insn.src}l + ${site.insn.imm | 0}) | 0`),
  ja: (site) => jumpTo(site, jumpTarget(site.insn, site.pc)!),
  jcond: (site) => {
    const { insn, pc } = site;
    const cond = jumpCondition(insn.spec.op, insn.spec.width, regOperand(insn.dst), operand(insn));
    const go = jumpTo(site, jumpTarget(insn, pc)!);
    return go === "" ? "" : `if (${cond}) { ${go} }`;
  },
  call: (site) => {
    const { insn, pc } = site;
    if (insn.spec.op === "call_local") return emitLocalCall(site);
    if (insn.spec.op === "call_kfunc") return throwFail(VmMessages.kfunc(insn.imm), pc);
    return emitHelperCall(pc, `${insn.imm | 0}`, "0", callsBack(insn.imm));
  },
  callx: ({ insn, pc }) => emitHelperCall(pc, `r${insn.dst}l`, `r${insn.dst}h`, true),
  exit: emitExit,
};

function emitPacketLoad(site: Site, offset: string): string {
  return (
    `if (loadPacket(st, ${offset}, ${site.insn.spec.memSize}) === 0) ` +
    `{ st.r0l = 0; st.r0h = 0; st.left = left + ${site.rest}; return 0; } ` +
    "r0l = st.rl; r0h = st.rh;"
  );
}

/** Compiles one instruction, replacing it by its error when it can only fail. */
function emitInsn(site: Site): string {
  const { insn } = site;
  // An unresolved lddw is reported before its destination register (register-checks.ts order).
  if (insn.spec.kind === "lddw" && insn.src !== 0) {
    return throwFail(VmMessages.badLddw(insn.src), site.pc);
  }
  const err = registerError(insn);
  if (err !== null) {
    // Memory faults come before a bad written register (loads, atomics); keep that order.
    let check = "";
    if (checksMemoryFirst(insn)) {
      const atomic = insn.spec.kind === "atomic";
      const base = atomic ? insn.dst : insn.src;
      check = access(base, insn.off, insn.spec.memSize, atomic, site.pc) + " ";
    }
    return check + throwFail(err, site.pc);
  }
  return EMITTERS[site.insn.spec.kind](site);
}

const ENDS_BLOCK: ReadonlySet<InsnKind> = new Set(["ja", "jcond", "call", "callx", "exit"]);

/** Slots that start a basic block. */
function findLeaders(layout: ProgramLayout): number[] {
  const leaders = new Set<number>([0]);
  layout.insns.forEach((insn, i) => {
    const pc = layout.slotOf[i]!;
    const { spec } = insn;
    if (ENDS_BLOCK.has(spec.kind) && pc + 1 < layout.slots) leaders.add(pc + 1);
    const target = jumpTarget(insn, pc) ?? -1;
    if (target >= 0 && target < layout.slots && layout.indexAt[target] !== -1) leaders.add(target);
  });
  return [...leaders].sort((a, b) => a - b);
}

/** Generates the source of the factory `(rt) => function(st)` for a program. */
export function generateSource(insns: readonly Insn[], name = "program"): string {
  const layout = layoutProgram(insns);
  const leaders = findLeaders(layout);
  const hasLocalCalls = insns.some((i) => i.spec.op === "call_local");
  const cases: string[] = [];
  for (let b = 0; b < leaders.length; b++) {
    const start = leaders[b]!;
    const end = b + 1 < leaders.length ? leaders[b + 1]! : layout.slots;
    const nextLeader = b + 1 < leaders.length ? end : layout.slots;
    const members: number[] = [];
    for (let i = layout.indexAt[start]!; i < insns.length && layout.slotOf[i]! < end; i++) {
      members.push(i);
    }
    const slots = members.map((i) => layout.slotOf[i]!);
    const n = members.length;
    const budget = `if ((left -= ${n}) < 0) throw budgetFail(st, [${slots.join(", ")}], left + ${n});`;
    const lastInsn = insns[members[n - 1]!]!;
    const lastPc = slots[n - 1]!;
    const selfLoop =
      lastInsn.spec.kind === "jcond" &&
      lastPc + 1 + lastInsn.off === start &&
      registerError(lastInsn) === null;
    const site = (k: number): Site => ({
      insn: insns[members[k]!]!,
      pc: slots[k]!,
      rest: n - 1 - k,
      layout,
      nextLeader,
      hasLocalCalls,
    });
    if (selfLoop) {
      const body = members.slice(0, -1).map((_, k) => emitInsn(site(k)));
      const cond = jumpCondition(
        lastInsn.spec.op,
        lastInsn.spec.width,
        regOperand(lastInsn.dst),
        operand(lastInsn),
      );
      cases.push(`case ${start}: do { ${budget}\n${body.join("\n")}\n} while (${cond});`);
    } else {
      const body = members.map((_, k) => emitInsn(site(k)));
      cases.push(`case ${start}: ${budget}\n${body.join("\n")}`);
    }
  }
  const regs = Array.from({ length: 11 }, (_, r) => {
    if (r >= 1 && r <= 5) return `r${r}l = A[${2 * r - 2}], r${r}h = A[${2 * r - 1}]`;
    if (r === 10) return `r10l = ${STACK_SIZE}, r10h = st.stack0`;
    return `r${r}l = 0, r${r}h = 0`;
  }).join(", ");
  const fname = `jit_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return [
    '"use strict";',
    "const { mulhu, div64, fault, fail, budgetFail, callHelper, enterFrame, loadPacket } = rt;",
    `return function ${fname}(st) {`,
    "const SL = st.slots, F = st.frames, A = st.args;",
    `let ${regs};`,
    "let left = st.left, depth = st.depth0, pc = st.pc0, a = 0, b = 0, c = 0, t = 0, u = 0, s = SL[0];",
    "const base = depth;",
    "for (;;) { switch (pc) {",
    ...cases,
    `case ${layout.slots}: ${throwFail(VmMessages.ranOffEnd(), layout.slots)}`,
    `default: throw fail("internal JIT error: no block at slot " + pc, pc);`,
    "} }",
    "};",
  ].join("\n");
}
