/**
 * Maps of maps (`new HashOfMaps<K, M>({ ..., inner: { maxEntries } })`, `ArrayOfMaps<M>`): the inner
 * map class M (the last type argument) and the `inner` option make the inner map template libbpf
 * writes as `__array(values, struct inner)`; the `values` option names maps of this file that the
 * slots hold at load time (libbpf's `.values`).
 *
 * Consumes the declaration's type argument and option nodes; produces the template (`MapDecl.inner`),
 * the inner maps' `MapInfo` (what a lookup yields) and the slot list, or reports TSB3070 (a class that
 * cannot be an inner map), TSB3071 (an initial map that differs from the template), TSB3072 (no
 * `inner` option) and TSB3002 / TSB3010 for malformed options.
 */
import { Node } from "ts-morph";
import { innerMapMismatch, mapKind } from "../../core/kernel/index.ts";
import type { MapTemplate } from "../ir/types.ts";
import { MAP_KINDS, SHAPE_TYPE_ARGS, mapTypesOf } from "./builtins.ts";
import { constantOf, reportNotConstant } from "./lower-data-decls.ts";
import { badSlot, slotValues } from "./map-values.ts";
import type { MapInfo, ModuleState } from "./module-state.ts";
import { sizeOf } from "./types.ts";

/** Shapes of the classes that can be inner maps: keyed maps, arrays and the key-less element maps. */
const INNER_SHAPES: ReadonlySet<string> = new Set(["kv", "v", "value"]);

/**
 * The inner map class of map of maps `name` (its type argument `targ`, `HashMap<u32, u64>`), as the
 * `MapInfo` its lookups yield; undefined after reporting why not.
 */
export function innerMapClass(m: ModuleState, name: string, targ: Node): MapInfo | undefined {
  const cls = Node.isTypeReference(targ) ? targ.getTypeName().getText() : undefined;
  const kind = cls === undefined ? undefined : MAP_KINDS.get(cls);
  if (!kind || !INNER_SHAPES.has(kind.shape) || kind.record.storage || kind.record.innerMaps) {
    m.report("TSB3070", targ, { name, inner: targ.getText() });
    return undefined;
  }
  const targs = (targ as Node & { getTypeArguments(): Node[] }).getTypeArguments();
  const need = SHAPE_TYPE_ARGS[kind.shape].count;
  if (targs.length !== need) {
    m.report("TSB3002", targ, { name, problem: `${cls} needs ${need} type arguments` });
    return undefined;
  }
  const { key, value } = mapTypesOf(kind.shape, (i) => m.resolveType(targs[i]!));
  if (!value || (SHAPE_TYPE_ARGS[kind.shape].key !== null && !key)) return undefined;
  return { name: `${name}[inner]`, kind, key, value };
}

/**
 * The inner map template from the class and the `inner` option (`{ maxEntries, flags? }`, constant
 * integers), or undefined after reporting why not.
 */
export function innerTemplate(
  m: ModuleState,
  name: string,
  cls: string,
  inner: MapInfo,
  option: Node | undefined,
  at: Node,
): MapTemplate | undefined {
  if (!option || !Node.isObjectLiteralExpression(option)) {
    m.report("TSB3072", option ?? at, {
      name,
      cls,
      option: "{ inner: { maxEntries: <constant> } }",
    });
    return undefined;
  }
  let maxEntries: bigint | null = null;
  let flags = 0n;
  for (const p of option.getProperties()) {
    if (!Node.isPropertyAssignment(p)) continue;
    const v = constantOf(m, p.getInitializerOrThrow());
    if (v === null) {
      reportNotConstant(m, p.getInitializerOrThrow(), `inner map option '${p.getName()}'`, p);
      return undefined;
    }
    if (p.getName() === "maxEntries") maxEntries = v;
    else if (p.getName() === "flags") flags = v;
  }
  if (maxEntries === null || maxEntries <= 0n) {
    m.report("TSB3072", option, { name, cls, option: "inner.maxEntries (a positive constant)" });
    return undefined;
  }
  return {
    kind: inner.kind.kind,
    keySize: inner.key ? sizeOf(inner.key) : 0,
    valueSize: inner.value ? sizeOf(inner.value) : 0,
    maxEntries: Number(maxEntries),
    flags: Number(flags),
    keyType: inner.key ? m.sourceTypes.ref(inner.key) : null,
    valueType: inner.value ? m.sourceTypes.ref(inner.value) : null,
  };
}

/** How map `x` differs from the template in what the kernel compares (`innerMapMismatch`), or null. */
function templateMismatch(x: MapTemplate, t: MapTemplate): string | null {
  const shape = (m: MapTemplate) => ({ ...m, type: mapKind(m.kind)?.id ?? -1 });
  switch (innerMapMismatch(shape(x), shape(t))) {
    case null:
      return null;
    case "type":
      return `its kind is ${x.kind}, the template's ${t.kind}`;
    case "key size":
      return `its key is ${x.keySize} bytes, the template's ${t.keySize}`;
    case "value size":
      return `its value is ${x.valueSize} bytes, the template's ${t.valueSize}`;
    case "flags":
      return `its flags are ${x.flags}, the template's ${t.flags}`;
    case "max_entries":
      return `it holds ${x.maxEntries} entries, the template ${t.maxEntries}`;
  }
}

/**
 * The `values` option of a map of maps: per slot (slot i is key i), the name of a map declared
 * earlier in this file, or null; undefined after reporting why not.
 */
export function mapValues(
  m: ModuleState,
  name: string,
  init: Node,
  template: MapTemplate,
  outer: { keySize: number; maxEntries: bigint },
): (string | null)[] | undefined {
  if (outer.keySize !== 4) {
    m.report("TSB3002", init, {
      name,
      problem: `initial values need a 4-byte key (slot i is stored at key i, as libbpf does), not ${outer.keySize} bytes`,
    });
    return undefined;
  }
  return slotValues(m, name, init, outer.maxEntries, "maps", (e, slot) => {
    const decl = Node.isIdentifier(e) ? m.maps.find((x) => x.name === e.getText()) : undefined;
    if (!decl || m.top.get(e.getText())?.k !== "map")
      return badSlot(m, name, e, slot, "a map declared earlier in this file (or null)");
    const problem = templateMismatch(decl, template);
    if (problem === null) return decl.name;
    m.report("TSB3071", e, { name, slot: String(slot), text: e.getText(), problem });
    return undefined;
  });
}
