/**
 * Public surface of the IR: the data types (types.ts), the builder, the text printer and parser, and
 * the verifier. See compiler/ir/README.md for the specification.
 */
export * from "./types.ts";
export { FuncBuilder, newFunc, successorsOf } from "./builder.ts";
export { OPERAND_FIELDS, mapOperands, operandsOf } from "./operands.ts";
export type { OperandFields } from "./operands.ts";
export type { FuncHeader } from "./builder.ts";
export { printModule, printFunc, printInstBody, defaultSpan } from "./print.ts";
export { parseModule, parseFunc, IrParseError } from "./parse.ts";
export {
  verifyModule,
  verifyFunc,
  assertValid,
  formatProblem,
  computeDominators,
  InternalCompilerError,
  MAX_STACK_BYTES,
} from "./verify.ts";
export type { VerifyProblem } from "./verify.ts";
