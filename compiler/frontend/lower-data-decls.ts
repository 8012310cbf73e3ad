/**
 * Top-level data declarations: maps (`const counts = new HashMap<K, V>({ maxEntries })`), global
 * variables (`let` → .bss/.data) and compile-time constant evaluation of initialisers.
 *
 * Consumes declarations found by lower-module.ts's first phase; produces `MapDecl` and `GlobalDecl`
 * records in the `ModuleState` and registers their names in `m.top` so bodies can refer to them.
 */
import { Node, SyntaxKind } from "ts-morph";
import type { VariableDeclaration } from "ts-morph";
import {
  CONSTANTS,
  DEFAULT_STACK_DEPTH,
  MAP_KINDS,
  SHAPE_TYPE_ARGS,
  mapTypesOf,
  type MapKind,
} from "./builtins.ts";
import { parseIntegerLiteral } from "./lower-expr.ts";
import { programValues } from "./map-values.ts";
import { layoutStruct } from "./context-shapes.ts";
import { innerMapClass, innerTemplate, mapValues } from "./map-of-maps.ts";
import type { ModuleState } from "./module-state.ts";
import type { TsbType } from "./types.ts";
import { U32, U64, alignOf, sizeOf, typeName } from "./types.ts";
import type { MapHistogram } from "../ir/types.ts";

/** Adds a global variable (.bss when zero, .data otherwise) holding `value`. */
export function addGlobal(
  m: ModuleState,
  d: Node,
  name: string,
  type: TsbType,
  value: bigint,
): void {
  const size = sizeOf(type);
  const init = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size && v !== 0n; i++, v >>= 8n) init[i] = Number(v & 0xffn);
  const section = value === 0n ? ".bss" : ".data";
  m.globals.push({
    name,
    section,
    size,
    align: alignOf(type),
    init,
    type: m.sourceTypes.ref(type),
    span: m.span(d),
  });
  m.top.set(name, { k: "global", name, type });
}

/**
 * Reports why `n` is not a compile-time integer: a non-integer literal in it (TSB1002, at the
 * literal); nothing when it names a top-level declaration that was already refused (that one error
 * is enough); otherwise TSB3010 for `what`, at `at`.
 */
export function reportNotConstant(m: ModuleState, n: Node, what: string, at: Node = n): void {
  const numbers = [n, ...n.getDescendants()].filter((x) => Node.isNumericLiteral(x));
  const float = numbers.find((x) => parseIntegerLiteral(x.getText()) === null);
  if (float) return m.report("TSB1002", float, { text: float.getText() });
  const names = [n, ...n.getDescendantsOfKind(SyntaxKind.Identifier)];
  if (names.some((x) => Node.isIdentifier(x) && m.top.get(x.getText())?.k === "invalid")) return;
  m.report("TSB3010", at, { what });
}

/**
 * A compile-time integer: literals, true/false, earlier top-level constants, the stdlib's named
 * constants (XDP_PASS, BPF_ANY, ...), conversions of constants, and + - * / % << >> & | ^ ~ on constants.
 */
export function constantOf(m: ModuleState, n: Node): bigint | null {
  if (Node.isParenthesizedExpression(n)) return constantOf(m, n.getExpression());
  if (Node.isNumericLiteral(n) || Node.isBigIntLiteral(n)) return parseIntegerLiteral(n.getText());
  if (n.getKind() === SyntaxKind.TrueKeyword) return 1n;
  if (n.getKind() === SyntaxKind.FalseKeyword) return 0n;
  if (Node.isIdentifier(n)) {
    const top = m.top.get(n.getText());
    if (top) return top.k === "const" ? top.value : null;
    return CONSTANTS.get(n.getText()) ?? null;
  }
  if (Node.isPrefixUnaryExpression(n)) {
    const inner = constantOf(m, n.getOperand());
    if (inner === null) return null;
    if (n.getOperatorToken() === SyntaxKind.MinusToken) return -inner;
    if (n.getOperatorToken() === SyntaxKind.TildeToken) return ~inner;
    return n.getOperatorToken() === SyntaxKind.PlusToken ? inner : null;
  }
  if (Node.isBinaryExpression(n)) {
    const a = constantOf(m, n.getLeft());
    const b = constantOf(m, n.getRight());
    if (a === null || b === null) return null;
    switch (n.getOperatorToken().getKind()) {
      case SyntaxKind.PlusToken:
        return a + b;
      case SyntaxKind.MinusToken:
        return a - b;
      case SyntaxKind.AsteriskToken:
        return a * b;
      case SyntaxKind.SlashToken:
        return b === 0n ? 0n : a / b;
      case SyntaxKind.PercentToken:
        return b === 0n ? a : a % b;
      case SyntaxKind.LessThanLessThanToken:
        return a << b;
      case SyntaxKind.GreaterThanGreaterThanToken:
        return a >> b;
      case SyntaxKind.AmpersandToken:
        return a & b;
      case SyntaxKind.BarToken:
        return a | b;
      case SyntaxKind.CaretToken:
        return a ^ b;
      default:
        return null;
    }
  }
  if (
    Node.isCallExpression(n) &&
    n.getArguments().length === 1 &&
    /^[ui](8|16|32|64)$/.test(n.getExpression().getText())
  ) {
    return constantOf(m, n.getArguments()[0]!);
  }
  return null;
}

/** Registers a top-level map declaration (`new HashMap<K, V>({...})`) as a module map. */
export function registerMap(
  m: ModuleState,
  d: VariableDeclaration,
  name: string,
  cls: string,
  init: Node & { getTypeArguments(): Node[]; getArguments(): Node[] },
): void {
  const kind = MAP_KINDS.get(cls)!;
  if (kind.record.unsupported !== null) {
    m.report("TSB3073", init, {
      name,
      cls,
      kind: kind.record.name,
      reason: kind.record.unsupported,
    });
    m.top.set(name, { k: "invalid" });
    return;
  }
  const targs = init.getTypeArguments();
  const resolve = (i: number): TsbType | null => (targs[i] ? m.resolveType(targs[i]!) : null);
  const need = SHAPE_TYPE_ARGS[kind.shape].count;
  // A devmap's / cpumap's value may be its uapi struct instead of the u32 (DevMap<BpfDevmapVal>).
  const vs = kind.record.valueStruct;
  const entry = vs !== null && targs.length === 1 ? resolve(0) : null;
  const isU32 = entry?.kind === "int" && sizeOf(entry) === 4;
  if (entry && !isU32 && !(entry.kind === "struct" && entry.name === vs!.stdlib)) {
    m.report("TSB3090", targs[0]!, { name, cls, found: typeName(entry), type: vs!.stdlib });
    return;
  }
  const valueStruct = entry && !isU32 ? layoutStruct(vs!.struct) : null;
  if (targs.length !== need && !entry) {
    m.report("TSB3002", init, {
      name,
      problem: `${cls} needs ${need} type argument${need === 1 ? "" : "s"}${need ? " (key/value types)" : ""}`,
    });
    return;
  }
  const types = valueStruct ? { key: null, value: valueStruct } : mapTypesOf(kind.shape, resolve);
  // kernel/bpf/local_storage.c: the legacy cgroup storage's key is the cgroup's id (a u64) and it
  // takes no max_entries (one value per cgroup the program is attached to).
  const cgroupStorage = kind.kind === "cgroup_storage" || kind.kind === "percpu_cgroup_storage";
  const key = cgroupStorage ? U64 : types.key;
  const value = types.value;
  const args = SHAPE_TYPE_ARGS[kind.shape];
  if ((args.value !== null && !value) || (typeof args.key === "number" && !key)) return;
  const inner = kind.record.innerMaps ? innerMapClass(m, name, targs[need - 1]!) : undefined;
  if (kind.record.innerMaps && !inner) return;
  const opts = init.getArguments()[0];
  let maxEntries: bigint | null = null;
  let flags = 0n;
  let maxDepth: bigint = BigInt(DEFAULT_STACK_DEPTH);
  let histogram: MapHistogram | null = null;
  let badOption = false;
  let flagsGiven = false;
  let pinning = 0;
  let valuesNode: Node | undefined;
  let innerNode: Node | undefined;
  if (opts && Node.isObjectLiteralExpression(opts)) {
    for (const p of opts.getProperties()) {
      if (!Node.isPropertyAssignment(p)) continue;
      if (p.getName() === "values") {
        valuesNode = p.getInitializerOrThrow();
        continue;
      }
      if (p.getName() === "inner" && inner) {
        innerNode = p.getInitializerOrThrow();
        continue;
      }
      if (p.getName() === "pinning") {
        const init = p.getInitializerOrThrow();
        if (Node.isStringLiteral(init) && init.getLiteralValue() === "byName") pinning = 1;
        else if (!(Node.isStringLiteral(init) && init.getLiteralValue() === "none")) {
          m.report("TSB3031", init, { name, found: init.getText() });
          badOption = true;
        }
        continue;
      }
      if (p.getName() === "histogram") {
        // A wrong shape is reported and dropped; the map itself stays declared (no follow-on errors).
        histogram = histogramOption(m, name, kind, key, value, p.getInitializerOrThrow()) ?? null;
        continue;
      }
      const v = constantOf(m, p.getInitializerOrThrow());
      if (v === null) {
        reportNotConstant(m, p.getInitializerOrThrow(), `map option '${p.getName()}'`, p);
        badOption = true;
      } else if (p.getName() === "maxEntries") maxEntries = v;
      else if (p.getName() === "flags") {
        flags = v;
        flagsGiven = true;
      } else if (p.getName() === "maxDepth" && kind.shape === "stack") {
        if (v <= 0n || v > BigInt(DEFAULT_STACK_DEPTH)) {
          m.report("TSB3002", p, {
            name,
            problem: `maxDepth must be 1..${DEFAULT_STACK_DEPTH} (kernel.perf_event_max_stack)`,
          });
          return;
        }
        maxDepth = v;
      }
    }
  }
  // The option's own diagnostic is the one error; the map stays undeclared (uses stay quiet).
  if (badOption) return;
  // kernel/bpf/bpf_local_storage.c: storage maps have no capacity and allocate per owner.
  if (kind.record.storage) {
    if ((maxEntries ?? 0n) !== 0n || (flagsGiven && (flags & 1n) === 0n)) {
      m.report("TSB3002", opts ?? init, {
        name,
        problem: `a ${cls} has one value per ${kind.record.storage === "cgrp" ? "cgroup" : kind.record.storage === "sk" ? "socket" : kind.record.storage}: it takes no maxEntries and its flags must include BPF_F_NO_PREALLOC (the default)`,
      });
      return;
    }
    maxEntries = 0n;
    flags |= 1n;
  } else if (cgroupStorage) {
    if ((maxEntries ?? 0n) !== 0n) {
      m.report("TSB3002", opts ?? init, {
        name,
        problem: `a ${cls} has one value per cgroup its program is attached to: it takes no maxEntries`,
      });
      return;
    }
    maxEntries = 0n;
  } else if (maxEntries === null || maxEntries <= 0n) {
    m.report("TSB3002", opts ?? init, {
      name,
      problem: "needs { maxEntries: <positive constant> }",
    });
    return;
  }
  // kernel/bpf/ringbuf.c: the data area is a power-of-2 number of pages.
  const ring = kind.kind === "ringbuf" || kind.kind === "user_ringbuf";
  if (ring && (maxEntries < 4096n || (maxEntries & (maxEntries - 1n)) !== 0n)) {
    m.report("TSB3002", opts ?? init, {
      name,
      problem: `a ring buffer's maxEntries is its size in bytes and must be a power of two of at least 4096 (a page), not ${maxEntries}`,
    });
    return;
  }
  const template = inner && innerTemplate(m, name, cls, inner, innerNode, opts ?? init);
  if (inner && !template) return;
  let values: (string | null)[] | undefined;
  if (valuesNode && kind.kind !== "prog_array" && !template) {
    m.report("TSB3002", valuesNode, {
      name,
      problem: "only a ProgArray or a map of maps takes initial values",
    });
    return;
  }
  if (valuesNode) {
    values = template
      ? mapValues(m, name, valuesNode, template, {
          keySize: key && kind.shape === "kmap" ? sizeOf(key) : 4,
          maxEntries,
        })
      : programValues(m, name, valuesNode, maxEntries);
    if (!values) return;
  }
  const kindProblem = kind.kind === "lpm_trie" ? lpmTrieProblem(key, flags) : null;
  if (kindProblem !== null) {
    m.report("TSB3002", opts ?? init, { name, problem: kindProblem });
    return;
  }
  if (kind.shape === "stack") {
    // The kernel sizes nothing from BTF here: key_size 4 (the stack id), value_size depth * 8.
    m.maps.push({
      name,
      kind: kind.kind,
      keySize: 4,
      valueSize: Number(maxDepth) * 8,
      maxEntries: Number(maxEntries),
      flags: Number(flags),
      keyType: null,
      valueType: null,
      histogram: null,
      ...(pinning ? { pinning } : {}),
      span: m.span(d),
    });
    m.top.set(name, { k: "map", map: { name, kind, key: U32, value: null } });
    return;
  }
  const isRecord = kind.shape === "record";
  // fd arrays and redirect targets are u32 → u32 whatever their class's type arguments; a socket
  // map's value is a u32 socket fd, its key the class's key type (u32 for a SockMap).
  const u32Key = kind.record.fdArray || kind.record.redirect || (kind.record.sockets && !key);
  const u32Value =
    kind.record.fdArray || kind.record.redirect || kind.record.sockets || kind.record.innerMaps;
  m.maps.push({
    name,
    kind: kind.kind,
    keySize: u32Key ? 4 : isRecord || !key ? 0 : sizeOf(key),
    valueSize: valueStruct
      ? sizeOf(valueStruct)
      : u32Value
        ? 4
        : isRecord || !value
          ? 0
          : sizeOf(value),
    maxEntries: Number(maxEntries),
    flags: Number(flags),
    keyType: key && !isRecord ? m.sourceTypes.ref(key) : null,
    valueType: value ? m.sourceTypes.ref(value) : null,
    histogram,
    ...(values ? { values } : {}),
    ...(pinning ? { pinning } : {}),
    ...(template ? { inner: template } : {}),
    span: m.span(d),
  });
  // A u32-keyed map whose class takes no key type still passes its key by pointer where a helper
  // takes one (bpf_sk_select_reuseport's slot, bpf_sock_map_update's): a u32.
  const keyInfo = key ?? (u32Key ? U32 : null);
  m.top.set(name, {
    k: "map",
    map: { name, kind, key: keyInfo, value, ...(inner ? { inner } : {}) },
  });
}

/**
 * The `histogram` option of a map (stdlib `HistogramShape`): `"log2"` or
 * `{ kind: "linear", min, step }` with constant integers, on a hash or array map whose key (the slot)
 * and value (the count) are integers. Reports TSB3002 / TSB3010 and returns undefined when wrong.
 */
function histogramOption(
  m: ModuleState,
  name: string,
  kind: MapKind,
  key: TsbType | null,
  value: TsbType | null,
  init: Node,
): MapHistogram | undefined {
  const fail = (at: Node, problem: string): undefined => {
    m.report("TSB3002", at, { name, problem });
    return undefined;
  };
  if (!kind.record.histogram)
    return fail(init, "a histogram must be a hash or array map (key = slot, value = count)");
  if (key?.kind !== "int" || value?.kind !== "int")
    return fail(init, "a histogram's key (the slot) and value (the count) must be integers");
  const shapeText =
    'histogram must be "log2" or { kind: "linear", min: <constant>, step: <constant> }';
  if (Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init)) {
    return init.getLiteralValue() === "log2" ? { kind: "log2" } : fail(init, shapeText);
  }
  if (!Node.isObjectLiteralExpression(init)) return fail(init, shapeText);
  const field = (f: string): Node | undefined => {
    const p = init.getProperty(f);
    return p && Node.isPropertyAssignment(p) ? p.getInitializerOrThrow() : undefined;
  };
  const k = field("kind");
  if (!k || !Node.isStringLiteral(k) || k.getLiteralValue() !== "linear")
    return fail(init, shapeText);
  const num = (f: string): bigint | undefined => {
    const n = field(f);
    if (!n) return fail(init, shapeText);
    const v = constantOf(m, n);
    if (v === null) reportNotConstant(m, n, `histogram option '${f}'`);
    return v ?? undefined;
  };
  const min = num("min");
  const step = num("step");
  if (min === undefined || step === undefined) return undefined;
  if (step <= 0n)
    return fail(field("step")!, `a linear histogram's step must be positive, not ${step}`);
  return { kind: "linear", min, step };
}

/**
 * What the kernel's trie_alloc (kernel/bpf/lpm_trie.c) would refuse, or null: the flags must
 * include BPF_F_NO_PREALLOC, and the key is `struct bpf_lpm_trie_key`: a u32 `prefixlen` first,
 * then 1..256 data bytes (LPM_DATA_SIZE_MAX).
 */
function lpmTrieProblem(key: TsbType | null, flags: bigint): string | null {
  if ((flags & CONSTANTS.get("BPF_F_NO_PREALLOC")!) === 0n)
    return "an LpmTrie needs flags: BPF_F_NO_PREALLOC (the kernel allocates trie nodes on demand)";
  const first = key?.kind === "struct" ? key.fields[0] : undefined;
  if (!first || first.name !== "prefixlen" || typeName(first.type) !== "u32" || first.offset !== 0)
    return "an LpmTrie key must be a struct whose first field is 'prefixlen: u32', followed by the address bytes";
  const data = sizeOf(key!) - 4;
  if (data < 1 || data > 256)
    return `an LpmTrie key holds 1..256 address bytes after prefixlen, not ${data}`;
  return null;
}
