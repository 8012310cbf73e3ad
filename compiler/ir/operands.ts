/**
 * Which fields of an instruction are value operands: one table, `OPERAND_FIELDS`, read by both
 * `operandsOf` and `mapOperands` (results are not operands).
 *
 * Consumes `InstData` (compiler/ir/types.ts). Produces operand lists and rewritten payloads. The
 * walkers read the table instead of copying the instruction: `mapOperands` returns the payload
 * itself when no operand changes, and copies only what does (payloads are immutable, so sharing is
 * safe). Operands come in a fixed order: single fields in table order, then lists, then block-call
 * arguments.
 */
import type { BlockCall, InstData, ValueId } from "./types.ts";

type Op = InstData["op"];
/** The payload variant(s) whose opcode is K. */
type DataOf<K extends Op, D = InstData> = D extends { readonly op: infer O }
  ? K extends O
    ? D
    : never
  : never;
/** The fields of D whose type is T. */
type FieldsOf<D, T> = { [F in keyof D]-?: D[F] extends T ? F : never }[keyof D] & string;

/** Where an opcode keeps its operands. */
export interface OperandFields<D = InstData> {
  /** Fields holding one value (`ret`'s value may be null: no operand). */
  readonly values: readonly FieldsOf<D, ValueId | null>[];
  /** Fields holding a list of values (call arguments). */
  readonly lists: readonly FieldsOf<D, readonly ValueId[]>[];
  /** Fields holding a block call, whose arguments are operands. */
  readonly calls: readonly FieldsOf<D, BlockCall>[];
}

const NONE = { values: [], lists: [], calls: [] } as const;
const v = <F extends string>(...values: F[]) => ({ values, lists: [], calls: [] }) as const;

/** The operand fields of every opcode. */
export const OPERAND_FIELDS: { readonly [K in Op]: OperandFields<DataOf<K>> } = {
  const: NONE,
  coreconst: NONE,
  stackslot: NONE,
  mapref: NONE,
  funcaddr: NONE,
  globaladdr: NONE,
  unreachable: NONE,
  binary: v("lhs", "rhs"),
  icmp: v("lhs", "rhs"),
  select: v("cond", "ifTrue", "ifFalse"),
  zext: v("arg"),
  sext: v("arg"),
  trunc: v("arg"),
  ptrtoint: v("arg"),
  inttoptr: v("arg"),
  ptradd: v("base", "offset"),
  load: v("base"),
  store: v("base", "value"),
  atomic: v("base", "value"),
  cmpxchg: v("base", "expected", "value"),
  callhelper: { values: [], lists: ["args"], calls: [] },
  call: { values: [], lists: ["args"], calls: [] },
  memcpy: v("dst", "src"),
  memset: v("dst"),
  br: { values: [], lists: [], calls: ["target"] },
  condbr: { values: ["cond"], lists: [], calls: ["then", "else"] },
  ret: v("value"),
};

/** The table row of d's opcode, with field names usable on d itself. */
function fieldsOf(d: InstData): OperandFields<Record<string, never>> {
  return OPERAND_FIELDS[d.op] as unknown as OperandFields<Record<string, never>>;
}

/** Every value operand of an instruction, in the fixed order (block-call args last). */
export function operandsOf(d: InstData): ValueId[] {
  const row = fieldsOf(d);
  const r = d as unknown as Record<string, unknown>;
  const out: ValueId[] = [];
  for (const k of row.values) {
    const x = r[k] as ValueId | null;
    if (x !== null) out.push(x);
  }
  for (const k of row.lists) out.push(...(r[k] as readonly ValueId[]));
  for (const k of row.calls) out.push(...(r[k] as BlockCall).args);
  return out;
}

/** `list` through `f`: the same array when no element changes. */
function mapList(list: readonly ValueId[], f: (v: ValueId) => ValueId): readonly ValueId[] {
  let out: ValueId[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const x = f(list[i]!);
    if (out === undefined && x !== list[i]) out = list.slice(0, i);
    out?.push(x);
  }
  return out ?? list;
}

/**
 * Rewrites every value operand of an instruction through `f` (called once per operand, in the fixed
 * order); returns `d` itself when nothing changes.
 */
export function mapOperands(d: InstData, f: (v: ValueId) => ValueId): InstData {
  const row = fieldsOf(d);
  const r = d as unknown as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of row.values) {
    const x = r[k] as ValueId | null;
    if (x === null) continue;
    const y = f(x);
    if (y !== x) (out ??= { ...r })[k] = y;
  }
  for (const k of row.lists) {
    const xs = r[k] as readonly ValueId[];
    const ys = mapList(xs, f);
    if (ys !== xs) (out ??= { ...r })[k] = ys;
  }
  for (const k of row.calls) {
    const c = r[k] as BlockCall;
    const args = mapList(c.args, f);
    if (args !== c.args) (out ??= { ...r })[k] = { block: c.block, args };
  }
  return (out as InstData | undefined) ?? d;
}
