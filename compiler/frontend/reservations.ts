/**
 * Ring-buffer reservations released on every path: the kernel's verifier refuses a program in which
 * a record from `bpf_ringbuf_reserve` can reach the program's end without `bpf_ringbuf_submit` or
 * `bpf_ringbuf_discard` ("Unreleased reference"), which otherwise shows only at load time. This
 * check finds such a path at compile time and reports it at the `reserve` call, naming the path:
 * the branches it takes and the `return` it leaves through.
 *
 * Consumes one lowered function (IR before optimisation, so the spans are the source's) and the
 * module state for reporting; produces TSB3020 diagnostics. The walk follows the CFG with the set of
 * outstanding reservations as state: a reserve adds one; submit/discard of a value that is (a copy
 * of) it removes it; on the edge of a `=== null` / `!== null` test where the record is null there is
 * nothing to release. A `ret` reached with one outstanding is a leak.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { BlockId, Func, InstData, InstId, Span, ValueId } from "../ir/index.ts";
import type { ModuleState } from "./module-state.ts";

/** Helper names (compiler/ir callhelper `name`) that reserve and release a ring-buffer record. */
const RESERVE = "ringbuf_reserve";
const RELEASE: ReadonlySet<string> = new Set(["ringbuf_submit", "ringbuf_discard"]);

/** One step of a path: a branch taken (`cond` true or false) at an instruction. */
interface Step {
  readonly inst: InstId;
  readonly taken: boolean;
}

/** A search state: a block entered with some reservations outstanding, and how it was reached. */
interface State {
  readonly block: BlockId;
  readonly open: readonly InstId[];
  readonly path: readonly Step[];
}

/** Reports each reservation that some path leaves unreleased (once per reservation). */
export function checkReservations(m: ModuleState, f: Func): void {
  const defOf = (v: ValueId): InstData | undefined => {
    const d = f.values[v]?.def;
    return d?.kind === "inst" ? f.insts[d.inst]!.data : undefined;
  };
  const reserves = f.insts.flatMap((inst, id) =>
    inst.data.op === "callhelper" && inst.data.name === RESERVE && inst.result !== null
      ? [id as InstId]
      : [],
  );
  if (reserves.length === 0) return;
  const aliases = reservationAliases(f, reserves);
  const reported = new Set<InstId>();
  const seen = new Set<string>();
  const queue: State[] = [{ block: f.layout[0]!.block, open: [], path: [] }];
  const blockInsts = new Map(f.layout.map((l) => [l.block, l.insts]));
  while (queue.length > 0) {
    const s = queue.shift()!;
    const key = `${s.block}:${s.open.join(",")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const open = new Set(s.open);
    for (const id of blockInsts.get(s.block) ?? []) {
      const inst = f.insts[id]!;
      const d = inst.data;
      if (d.op === "callhelper" && d.name === RESERVE) open.add(id);
      else if (d.op === "callhelper" && RELEASE.has(d.name) && d.args[0] !== undefined) {
        for (const r of aliases.get(d.args[0]) ?? []) open.delete(r);
      } else if (d.op === "ret") {
        for (const r of open) {
          if (reported.has(r)) continue;
          reported.add(r);
          report(m, f, r, s.path, id);
        }
      } else if (d.op === "br") {
        queue.push({ block: d.target.block, open: [...open].sort(), path: s.path });
      } else if (d.op === "condbr") {
        const test = nullTest(defOf(d.cond), aliases, defOf);
        for (const taken of [true, false]) {
          const next = new Set(open);
          if (test && test.nullWhen === taken) for (const r of test.reserves) next.delete(r);
          queue.push({
            block: (taken ? d.then : d.else).block,
            open: [...next].sort(),
            path: [...s.path, { inst: id, taken }],
          });
        }
      }
      if (d.op === "ret" || d.op === "br" || d.op === "condbr" || d.op === "unreachable") break;
    }
  }
}

/** Which reservations each value may be: the reserve results and block parameters they flow into. */
function reservationAliases(f: Func, reserves: readonly InstId[]): Map<ValueId, Set<InstId>> {
  const out = new Map<ValueId, Set<InstId>>();
  for (const r of reserves) out.set(f.insts[r]!.result!, new Set([r]));
  for (let changed = true; changed;) {
    changed = false;
    for (const inst of f.insts) {
      const d = inst.data;
      const calls = d.op === "br" ? [d.target] : d.op === "condbr" ? [d.then, d.else] : [];
      for (const c of calls) {
        c.args.forEach((arg, i) => {
          const from = out.get(arg);
          const param = f.blocks[c.block]!.params[i];
          if (!from || param === undefined) return;
          const to = out.get(param) ?? new Set<InstId>();
          for (const r of from) {
            if (!to.has(r)) {
              to.add(r);
              changed = true;
            }
          }
          out.set(param, to);
        });
      }
    }
  }
  return out;
}

/** `x == null` / `x != null` on a reservation: which reservations, and on which edge x is null. */
function nullTest(
  cond: InstData | undefined,
  aliases: ReadonlyMap<ValueId, ReadonlySet<InstId>>,
  defOf: (v: ValueId) => InstData | undefined,
): { reserves: ReadonlySet<InstId>; nullWhen: boolean } | undefined {
  if (cond?.op !== "icmp" || (cond.cond !== "eq" && cond.cond !== "ne")) return undefined;
  const isNull = (v: ValueId) => {
    const d = defOf(v);
    return d?.op === "const" && d.value === 0n;
  };
  const ptr = isNull(cond.rhs) ? cond.lhs : isNull(cond.lhs) ? cond.rhs : undefined;
  const reserves = ptr === undefined ? undefined : aliases.get(ptr);
  if (!reserves) return undefined;
  return { reserves, nullWhen: cond.cond === "eq" };
}

/**
 * The source text at an IR span: the condition a branch tests (the largest expression starting
 * there, short of a `&&`/`||` chain), or the statement (`return 0;`); the line when neither.
 */
function sourceAt(m: ModuleState, span: Span, kind: "condition" | "statement"): string {
  const sf = m.sourceFile;
  let pos: number;
  try {
    pos = sf.compilerNode.getPositionOfLineAndCharacter(span.line - 1, span.col - 1);
  } catch {
    return "";
  }
  let node: Node | undefined = sf.getDescendantAtPos(pos);
  if (!node) return "";
  for (let up = node.getParent(); up && up.getStart() === pos; up = up.getParent()) {
    if (kind === "statement" ? Node.isStatement(node) : Node.isStatement(up)) break;
    if (Node.isBinaryExpression(up)) {
      const op = up.getOperatorToken().getKind();
      if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken) break;
    }
    node = up;
  }
  if (kind === "statement" && !Node.isStatement(node)) return "the end of the function";
  return `\`${node.getText().split("\n")[0]!}\``;
}

function report(
  m: ModuleState,
  f: Func,
  reserve: InstId,
  path: readonly Step[],
  ret: InstId,
): void {
  const lines = m.sourceFile.getFullText().split("\n");
  const at = f.insts[reserve]!.span;
  // The branches taken after the reservation (earlier ones only explain how the reserve was reached).
  const after = path.filter((s) => {
    const sp = f.insts[s.inst]!.span;
    return sp.line > at.line || (sp.line === at.line && sp.col > at.col);
  });
  const exit = f.insts[ret]!.span;
  const notes = [
    ...after.map((s) => {
      const sp = f.insts[s.inst]!.span;
      return {
        message: `${sourceAt(m, sp, "condition")} is ${s.taken}`,
        file: sp.file,
        line: sp.line,
        col: sp.col,
      };
    }),
    {
      message: `${sourceAt(m, exit, "statement")} returns with the record still reserved`,
      file: exit.file,
      line: exit.line,
      col: exit.col,
    },
  ];
  const where = after.length === 0 ? "" : " after the branches noted below";
  m.reportAt(
    "TSB3020",
    at,
    reserveLength(lines, at),
    { exit: `${exit.line}:${exit.col}`, where },
    notes,
  );
}

/** Length of the `x.reserve(...)` call starting at `at` (the rest of the line up to its `)`). */
function reserveLength(lines: readonly string[], at: { line: number; col: number }): number {
  const rest = (lines[at.line - 1] ?? "").slice(at.col - 1);
  const close = rest.indexOf(")");
  return close < 0 ? rest.length : close + 1;
}
