/**
 * The options object a program declaration may take after its body: `{ section: "<spelling>" }`
 * picks one of libbpf's second spellings of the kind's section (section-spelling.ts). A non-literal
 * object, an unknown property or a spelling libbpf lacks for this kind is a TSB error at it.
 */
import { Node } from "ts-morph";
import type { ProgramKind } from "./builtins.ts";
import type { ModuleState } from "./module-state.ts";
import { spelledSection, spellingNames } from "./section-spelling.ts";

/** What the options chose: the ELF section. */
export interface ProgramOptions {
  readonly section: string;
}

/** Reads the options argument (absent: the kind's own section); null after reporting. */
export function programOptions(
  m: ModuleState,
  kind: ProgramKind,
  target: string,
  arg: Node | undefined,
): ProgramOptions | null {
  const canonical = kind.section(target);
  if (!arg) return { section: canonical };
  if (!Node.isObjectLiteralExpression(arg)) {
    m.report("TSB3081", arg, { fn: kind.fn, problem: "it must be an object literal" });
    return null;
  }
  let section = canonical;
  for (const p of arg.getProperties()) {
    const name = Node.isPropertyAssignment(p) ? p.getName() : undefined;
    if (name !== "section") {
      m.report("TSB3081", p, {
        fn: kind.fn,
        problem: `'${p.getText()}' is not an option (the options are: section)`,
      });
      return null;
    }
    const v = (p as import("ts-morph").PropertyAssignment).getInitializer();
    if (!v || !(Node.isStringLiteral(v) || Node.isNoSubstitutionTemplateLiteral(v))) {
      m.report("TSB3081", v ?? p, {
        fn: kind.fn,
        problem: 'section must be a string literal (a libbpf spelling such as "tp")',
      });
      return null;
    }
    const spelled = spelledSection(canonical, v.getLiteralValue());
    if (spelled === undefined) {
      const names = spellingNames(canonical);
      m.report("TSB3080", v, {
        spelling: v.getLiteralValue(),
        section: canonical,
        spellings: names.length
          ? `libbpf spells it only ${names.map((n) => `"${n}"`).join(", ")}`
          : "libbpf has no other spelling of it",
      });
      return null;
    }
    section = spelled;
  }
  return { section };
}
