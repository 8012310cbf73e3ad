/**
 * struct_ops maps: `export const cc = structOps("tcp_congestion_ops", { name: "tsbpf_cc",
 * ssthresh: (ctx, sk) => ..., ... }, { link: true })` (stdlib/struct-ops.d.ts).
 *
 * Consumes the declaration and the compile-time kernel BTF (the ops struct `tcp_congestion_ops`
 * and its kernel wrapper `bpf_struct_ops_tcp_congestion_ops`, which marks it as a struct_ops
 * type). Produces, as libbpf reads `SEC(".struct_ops.link") struct tcp_congestion_ops cc = {...}`
 * (bpf_object__init_struct_ops, bpf_map__init_kern_struct_ops):
 * - one program per function member, `cc_<member>` in `SEC("struct_ops/<member>")`
 *   (`struct_ops.s/<member>` with `sleepable`), its parameters after ctx typed from the member's
 *   function prototype as fentry's are from a kernel function's;
 * - a `StructOpsDecl`: the struct copied whole into the object's BTF (kernel-types.ts), the
 *   variable's bytes in the kernel's layout with the data members filled (a string for a char
 *   array, an integer constant for an integer or enum), and the member offset of each program.
 * Members left out stay zero. Every mistake is a TSB31xx diagnostic at the offending node.
 */
import { Node } from "ts-morph";
import type {
  CallExpression,
  Expression,
  ObjectLiteralExpression,
  VariableDeclaration,
} from "ts-morph";
import { BtfIntEncoding, BtfKindNumber, type LazyBtf } from "../../core/btf/index.ts";
import type { StructOpsDecl } from "../ir/index.ts";
import { PROGRAM_KINDS } from "./builtins.ts";
import type { KernelPrototype } from "./kernel-btf.ts";
import { constantOf } from "./lower-data-decls.ts";
import type { PendingProgram } from "./lower-module.ts";
import type { ModuleState } from "./module-state.ts";

/** True for a `structOps(...)` call. */
export function isStructOpsCall(call: CallExpression): boolean {
  return call.getExpression().getText() === "structOps";
}

/** The kernel's wrapper of a struct_ops type (kernel/bpf/bpf_struct_ops.c, BPF_STRUCT_OPS_TYPE). */
export const structOpsWrapper = (struct: string): string => `bpf_struct_ops_${struct}`;

const literalText = (n: Node | undefined): string | null =>
  n && (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n))
    ? n.getLiteralValue()
    : null;

/**
 * Registers struct_ops map `name` (pushed to `m.structOps`) and returns its member programs for
 * the second pass; reports each problem and returns what is still consistent.
 */
export function registerStructOps(
  m: ModuleState,
  d: VariableDeclaration,
  name: string,
  call: CallExpression,
): PendingProgram[] {
  const [structArg, membersArg, optsArg] = call.getArguments();
  const struct = literalText(structArg);
  if (struct === null || struct === "") {
    m.report("TSB3100", structArg ?? call, {
      problem:
        'the first argument is the kernel ops struct\'s name, a string literal such as "tcp_congestion_ops"',
    });
    return [];
  }
  if (!membersArg || !Node.isObjectLiteralExpression(membersArg)) {
    m.report("TSB3100", membersArg ?? call, {
      problem: "the second argument is an object literal of the struct's members",
    });
    return [];
  }
  const opts = options(m, optsArg);
  if (!opts) return [];
  const loaded = m.kernelBtf();
  if ("error" in loaded) {
    m.report("TSB3014", structArg!, {
      what: "struct_ops type",
      name: struct,
      source: m.btfName,
      reason: loaded.error,
    });
    return [];
  }
  const kbtf = loaded.btf;
  const btf = kbtf.btf;
  const structId = btf.find(BtfKindNumber.struct, struct);
  const wrapper = btf.find(BtfKindNumber.struct, structOpsWrapper(struct));
  if (structId === undefined || wrapper === undefined) {
    const file = typeof m.btfSource === "string" ? m.btfSource : "<btf file>";
    m.report("TSB3101", structArg!, {
      struct,
      source: m.btfName,
      reason:
        structId === undefined
          ? `it has no struct ${struct}`
          : `struct ${struct} exists but there is no ${structOpsWrapper(struct)}, so the kernel does not register it as a struct_ops type`,
      hint: `list the struct_ops types with \`bpftool btf dump file ${file} | grep "STRUCT 'bpf_struct_ops_"\``,
    });
    return [];
  }
  const size = btf.type(structId).type;
  const data = new Uint8Array(size);
  const funcs: { offset: number; program: string }[] = [];
  const programs: PendingProgram[] = [];
  const kind = PROGRAM_KINDS.get(opts.sleepable ? "structOpsSleepable" : "structOps")!;
  for (const prop of membersArg.getProperties()) {
    if (!Node.isPropertyAssignment(prop)) {
      m.report("TSB3100", prop, {
        problem: `write each member as \`member: value\` (a function member as \`member: (ctx, ...args) => ...\`)`,
      });
      continue;
    }
    const member = literalText(prop.getNameNode()) ?? prop.getName();
    const init = prop.getInitializerOrThrow();
    const om = kbtf.opsMember(struct, member);
    if (!om) {
      const near = m.kernelTypes();
      const nearest = "error" in near ? [] : near.nearest(structId, member);
      m.report("TSB3102", prop.getNameNode(), {
        struct,
        member,
        nearest:
          nearest.length > 0 ? `; did you mean ${nearest.map((n) => `'${n}'`).join(", ")}?` : "",
      });
      continue;
    }
    const isFn = Node.isArrowFunction(init) || Node.isFunctionExpression(init);
    if (om.kind === "func") {
      if (!isFn) {
        m.report("TSB3103", init, {
          member,
          struct,
          what: `a function pointer (\`${signature(om.proto)}\`)`,
          expected: "a program, an arrow function `(ctx, ...args) => ...`",
          found: init.getText().split("\n")[0]!,
        });
        continue;
      }
      const params = init.getParameters();
      if (params.length - 1 > om.proto.params.length) {
        const n = om.proto.params.length;
        m.report("TSB3104", params[n + 1]!, {
          member,
          struct,
          proto: signature(om.proto),
          count: n,
          s: n === 1 ? "" : "s",
          found: params.length - 1,
        });
        continue;
      }
      const program = `${name}_${member}`;
      funcs.push({ offset: om.offset, program });
      programs.push({
        name: program,
        kind,
        target: member,
        section: kind.section(member),
        body: init,
        decl: d,
        call,
        proto: om.proto,
      });
      continue;
    }
    const cType = describe(btf, om.type);
    if (isFn) {
      m.report("TSB3103", init, {
        member,
        struct,
        what: `data (${cType})`,
        expected: "a string or integer constant",
        found: "a function",
      });
      continue;
    }
    const problem = fillData(m, btf, om.type, init, data.subarray(om.offset));
    if (problem) m.report("TSB3105", init, { member, struct, cType, problem });
  }
  const kt = m.kernelTypes();
  if ("error" in kt) return programs; // reported above: the BTF loaded once already
  const decl: StructOpsDecl = {
    name,
    struct,
    section: opts.link ? ".struct_ops.link" : ".struct_ops",
    typeId: kt.localOps(structId),
    data,
    funcs,
  };
  m.structOps.push(decl);
  return programs;
}

/** The options object: `{ link?: boolean, sleepable?: boolean }` with literal values. */
function options(
  m: ModuleState,
  n: Node | undefined,
): { link: boolean; sleepable: boolean } | null {
  const out = { link: true, sleepable: false };
  if (!n) return out;
  if (!Node.isObjectLiteralExpression(n)) {
    m.report("TSB3100", n, { problem: "the options are an object literal `{ link, sleepable }`" });
    return null;
  }
  for (const p of (n as ObjectLiteralExpression).getProperties()) {
    const key = Node.isPropertyAssignment(p) ? p.getName() : null;
    const v = Node.isPropertyAssignment(p) ? p.getInitializer() : undefined;
    const isBool = v && (Node.isTrueLiteral(v) || Node.isFalseLiteral(v));
    if ((key !== "link" && key !== "sleepable") || !isBool) {
      m.report("TSB3100", p, {
        problem: "the options are `link` and `sleepable`, each `true` or `false`",
      });
      return null;
    }
    out[key] = Node.isTrueLiteral(v);
  }
  return out;
}

/** `u32 (*)(struct sock *sk)`-like text of a member's prototype, for messages. */
function signature(p: KernelPrototype): string {
  const args = p.params.map((x) =>
    x.cType.endsWith("*") ? `${x.cType}${x.name}` : `${x.cType} ${x.name}`,
  );
  return `${p.returnCType} (*${p.name.slice(p.name.indexOf(".") + 1)})(${args.join(", ")})`;
}

/** A short C spelling of a data member's type: `char[16]`, `u32`, `struct module *`. */
function describe(btf: LazyBtf, id: number): string {
  const r = btf.resolve(id);
  const t = btf.type(r);
  if (t.kind === BtfKindNumber.array) {
    const a = btf.array(r);
    return `${btf.name(btf.resolve(a.type)) || "(anon)"}[${a.nelems}]`;
  }
  if (t.kind === BtfKindNumber.ptr) return "a pointer";
  const label = btf.name(id) || btf.name(r) || "(anon)";
  if (t.kind === BtfKindNumber.struct) return `struct ${label}`;
  if (t.kind === BtfKindNumber.union) return `union ${label}`;
  if (t.kind === BtfKindNumber.enum || t.kind === BtfKindNumber.enum64) return `enum ${label}`;
  return label;
}

/**
 * Writes the initial value of a data member of type `id` into `out` (its bytes): a string into a
 * char array (NUL-terminated), an integer constant into an integer or enum. Returns the problem,
 * or null.
 */
function fillData(
  m: ModuleState,
  btf: LazyBtf,
  id: number,
  init: Expression,
  out: Uint8Array,
): string | null {
  const r = btf.resolve(id);
  const t = btf.type(r);
  if (t.kind === BtfKindNumber.array) {
    const a = btf.array(r);
    const elem = btf.resolve(a.type);
    if (btf.type(elem).kind !== BtfKindNumber.int || btf.type(elem).type !== 1)
      return "tsbpf fills only integer, enum and char-array members; leave it out (zero)";
    const text = literalText(init);
    if (text === null) return "a char array takes a string literal";
    const bytes = new TextEncoder().encode(text);
    if (bytes.length >= a.nelems)
      return `"${text}" is ${bytes.length} bytes; it must fit in ${a.nelems} with its NUL`;
    out.set(bytes);
    return null;
  }
  let signed: boolean;
  if (t.kind === BtfKindNumber.int) signed = ((btf.word(r) >>> 24) & BtfIntEncoding.SIGNED) !== 0;
  else if (t.kind === BtfKindNumber.enum || t.kind === BtfKindNumber.enum64) signed = t.kindFlag;
  else return "tsbpf fills only integer, enum and char-array members; leave it out (zero)";
  const size = t.type;
  const v = constantOf(m, init);
  if (v === null) return "an integer member takes an integer constant";
  const bits = BigInt(size * 8);
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < lo || v > hi) return `${v} does not fit in ${size} byte${size === 1 ? "" : "s"}`;
  let u = BigInt.asUintN(Number(bits), v);
  for (let i = 0; i < size; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return null;
}
