/**
 * The `values` option of a prog array (libbpf's `.values = { [i] = &prog }`): the programs its
 * slots hold when the object is loaded, so tail calls work without user space filling the map.
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

/** A prog array's initial programs by slot, or undefined after reporting why not. */
export function programValues(
  m: ModuleState,
  name: string,
  init: Node,
  maxEntries: bigint | null,
): (string | null)[] | undefined {
  if (!Node.isArrayLiteralExpression(init)) {
    m.report("TSB3002", init, {
      name,
      problem: "values must be an array literal of programs (null for an empty slot)",
    });
    return undefined;
  }
  const out: (string | null)[] = [];
  let ok = true;
  init.getElements().forEach((e, slot) => {
    if (Node.isNullLiteral(e)) out.push(null);
    else if (Node.isIdentifier(e) && namesProgram(e)) out.push(e.getText());
    else {
      m.report("TSB3030", e, {
        name,
        slot: String(slot),
        expected: "a program declared in this file (or null)",
        text: e.getText(),
      });
      ok = false;
    }
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
