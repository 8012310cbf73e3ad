/**
 * Helpers of the language tests: compile a `test/frontend/cases/<name>.ts` golden case through the
 * whole compiler (`compileSource`, checked) and run its programs in the bundled VM with u64 argument
 * words, so behaviour is checked against a JavaScript reference, not only the IR's shape.
 */
import { readFileSync } from "node:fs";
import { compileSource } from "../../compiler/driver.ts";
import { formatDiagnostics } from "../../compiler/diag/index.ts";
import { VmObject } from "../../runtime/vm/api.ts";

/** Compiles a frontend case (with optional kernel BTF) and loads it; diagnostics fail loudly. */
export async function loadCase(name: string, btf?: Uint8Array): Promise<VmObject> {
  const file = `test/frontend/cases/${name}.ts`;
  const source = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
  const out = await compileSource(source, file, { check: true, ...(btf ? { btf } : {}) });
  if (out.diagnostics.some((d) => d.severity === "error") || !out.object)
    throw new Error(formatDiagnostics(out.diagnostics, { [file]: source }));
  return VmObject.load(out.object);
}

/** Runs `program` with argument words `args` and returns r0 as a signed 64-bit number. */
export function run(obj: VmObject, program: string, ...args: (number | bigint)[]): bigint {
  return BigInt.asIntN(64, obj.program(program).run({ args }).r0);
}

/** `x` wrapped to u32, as the programs compute. */
export const u32 = (x: number | bigint): bigint => BigInt.asUintN(32, BigInt(x));
