/**
 * The C layout of a struct type a probe names — declared in the probe file itself or in the stdlib
 * (`SysEnterOpenatArgs`, `EthHdr`, ...) — laid out exactly as the compiler lays it out (types.ts
 * `TypeResolver`), so tools building inputs for a probe (tsbpf/test's context builders) read the
 * one definition the compiler reads.
 *
 * Consumes the probe's source, its file name and a type name; produces a `TsbType` (struct), or
 * a message saying why there is none.
 */
import { Node } from "ts-morph";
import { getDefaultHost, type FrontEndHost } from "./host.ts";
import { loadProgram } from "./project.ts";
import { TypeResolver, type TsbType } from "./types.ts";

/** The layout of struct `typeName`, looked up in the probe file first, then in the stdlib. */
export function structLayout(
  source: string,
  fileName: string,
  typeName: string,
  host: FrontEndHost = getDefaultHost(),
): { readonly type: TsbType } | { readonly error: string } {
  const program = loadProgram(source, fileName, host);
  const files = [
    program.sourceFile,
    ...program.project.getSourceFiles().filter((f) => f !== program.sourceFile),
  ];
  for (const f of files) {
    const decl = f.getInterface(typeName) ?? f.getTypeAlias(typeName);
    if (!decl || (Node.isInterfaceDeclaration(decl) && decl.getTypeParameters().length > 0))
      continue;
    const resolver = new TypeResolver();
    const type = resolver.fromDeclaration(decl, decl);
    if (type && type.kind === "struct") return { type };
    return {
      error: type
        ? `${typeName} is not a struct`
        : `${typeName} has no C layout: ${resolver.problems.map((p) => p.message).join("; ")}`,
    };
  }
  return { error: `no interface ${typeName} in ${fileName} or the stdlib` };
}

/** The layout of the context struct the stdlib declares for tracepoint `name` (`TracepointContexts`). */
export function tracepointLayout(
  name: string,
  host: FrontEndHost = getDefaultHost(),
): { readonly type: TsbType } | { readonly error: string } {
  const program = loadProgram("export {};\n", "tracepoint-context.ts", host);
  for (const f of program.project.getSourceFiles()) {
    const table = f.getInterface("TracepointContexts");
    if (!table) continue;
    const prop = table.getProperty((p) => p.getName().replace(/^["']|["']$/g, "") === name);
    const node = prop?.getTypeNode();
    if (!node) {
      const known = table.getProperties().map((p) => p.getName().replace(/^["']|["']$/g, ""));
      return {
        error: `the stdlib declares no context for tracepoint ${name} (it has: ${known.join(", ")}); declare the struct in the probe and use p.context(name, fields)`,
      };
    }
    const resolver = new TypeResolver();
    const type = resolver.fromNode(node);
    return type ? { type } : { error: resolver.problems.map((p) => p.message).join("; ") };
  }
  return { error: "the stdlib has no TracepointContexts" };
}
