/**
 * The parameters of ksyscall / kretsyscall programs (compiler/frontend/syscall-args.ts): integer
 * types of any width, at most six arguments, one return value; anything else is TSB3082 at the
 * parameter with file:line:col and a code frame, the one diagnostic.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../compiler/diag/index.ts";
import { compileToIr } from "../../compiler/frontend/index.ts";

const HEAD = `import { ksyscall, kretsyscall, type u8 } from "tsbpf";\nexport const license = "GPL";\n`;

function only(src: string): string {
  const r = compileToIr(src, "t.ts");
  expect(r.diagnostics).toHaveLength(1);
  return formatDiagnostic(r.diagnostics[0]!, src);
}

describe("ksyscall parameters", () => {
  it("six integer arguments and a return value compile", () => {
    const r = compileToIr(
      `${HEAD}export const a = ksyscall("mmap", (ctx, addr, len, prot: i32, flags: u8, fd: i32, off) => 0);
export const b = kretsyscall("mmap", (ctx, ret) => 0);\nimport type { i32 } from "tsbpf";\n`,
      "t.ts",
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("a seventh argument is TSB3082 at it, naming the registers", () => {
    const src = `${HEAD}// @ts-ignore\nexport const a = ksyscall("mmap", (ctx, a, b, c, d, e, f, g) => 0);\n`;
    const text = only(src);
    expect(text).toMatch(
      /^t\.ts:4:59: error TSB3082: ksyscall parameter 'g': a system call has at most 6 arguments \(registers rdi, rsi, rdx, r10, r8, r9\)\n.*4 \| export const a = ksyscall/,
    );
  });

  it("a second kretsyscall parameter and a non-integer type are TSB3082", () => {
    expect(
      only(`${HEAD}// @ts-ignore\nexport const a = kretsyscall("read", (ctx, ret, more) => 0);\n`),
    ).toMatch(
      /^t\.ts:4:49: error TSB3082: kretsyscall parameter 'more': a kretsyscall program's only parameter after ctx is the return value/,
    );
    expect(
      only(`${HEAD}// @ts-ignore\nexport const a = ksyscall("read", (ctx, fd: boolean) => 0);\n`),
    ).toMatch(
      /^t\.ts:4:41: error TSB3082: ksyscall parameter 'fd': declared bool; system-call arguments are register words: declare an integer type/,
    );
  });
});
