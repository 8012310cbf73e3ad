/**
 * The minimal global library tsbpf type-checks programs against (compiled with `noLib: true`).
 *
 * TypeScript requires these global interfaces to exist; they are deliberately empty or nearly so,
 * because tsbpf programs use none of JavaScript's runtime library. Loading this instead of
 * TypeScript's lib.es*.d.ts keeps type checking in the millisecond range.
 */
interface Array<T> {
  readonly length: number;
  [n: number]: T;
}
interface ReadonlyArray<T> {
  readonly length: number;
  readonly [n: number]: T;
}
interface Boolean {}
interface Function {}
interface CallableFunction extends Function {}
interface NewableFunction extends Function {}
interface IArguments {}
interface Number {}
interface BigInt {}
interface Object {}
interface RegExp {}
interface String {
  readonly length: number;
}
interface Symbol {}
interface TemplateStringsArray extends ReadonlyArray<string> {}
