/**
 * The `values` option of a prog array (libbpf's `.values = { [i] = &prog }`): the programs its
 * slots hold when the object is loaded, so tail calls work without user space filling the map; and
 * the slot list every `values` option shares (map-of-maps.ts fills maps of maps' slots with it).
 *
 * Consumes the option's array literal; produces the slot list of `MapDecl.values` (program names,
 * null for an empty slot), or reports TSB3030 at an element that is not a program of this file.
 */
import { Node } from "ts-morph";
import { PROGRAM_KINDS } from "./builtins.ts";
import type { ModuleState } from "./module-state.ts";

/** True when `id` names a top-level `const x = xdp(...)` (any program kind) of the module. */
function namesProgram(id: Node): boolean {
  const decl = id.getSymbol()?.getDeclarations()[0];
  if (!decl || !Node.isVariableDeclaration(decl) || decl.getSourceFile() !== id.getSourceFile())
    return false;
  const init = decl.getInitializer();
  return (
    init !== undefined &&
    Node.isCallExpression(init) &&
    PROGRAM_KINDS.has(init.getExpression().getText())
  );
}

/**
 * A `values` option's slot list (libbpf `.values`): the array literal's elements, null for a null
 * element, otherwise what `element` makes of it (undefined after it reported why not); undefined
 * after reporting a non-literal (TSB3002, naming `what` a slot holds) or more slots than maxEntries.
 */
export function slotValues(
  m: ModuleState,
  name: string,
  init: Node,
  maxEntries: bigint | null,
  what: string,
  element: (e: Node, slot: number) => string | undefined,
): (string | null)[] | undefined {
  if (!Node.isArrayLiteralExpression(init)) {
    m.report("TSB3002", init, {
      name,
      problem: `values must be an array literal of ${what} (null for an empty slot)`,
    });
    return undefined;
  }
  const out: (string | null)[] = [];
  let ok = true;
  init.getElements().forEach((e, slot) => {
    const v = Node.isNullLiteral(e) ? null : element(e, slot);
    if (v === undefined) ok = false;
    out.push(v ?? null);
  });
  if (ok && maxEntries !== null && BigInt(out.length) > maxEntries) {
    m.report("TSB3002", init, {
      name,
      problem: `${out.length} initial values do not fit in maxEntries ${maxEntries}`,
    });
    return undefined;
  }
  return ok ? out : undefined;
}

/** Reports TSB3030: slot `slot`'s element `e` is not what the slot holds (`expected`). */
export function badSlot(
  m: ModuleState,
  name: string,
  e: Node,
  slot: number,
  expected: string,
): undefined {
  m.report("TSB3030", e, { name, slot: String(slot), expected, text: e.getText() });
  return undefined;
}

/** A prog array's initial programs by slot, or undefined after reporting why not. */
export function programValues(
  m: ModuleState,
  name: string,
  init: Node,
  maxEntries: bigint | null,
): (string | null)[] | undefined {
  return slotValues(m, name, init, maxEntries, "programs", (e, slot) => {
    if (Node.isIdentifier(e) && namesProgram(e)) return e.getText();
    return badSlot(m, name, e, slot, "a program declared in this file (or null)");
  });
}
