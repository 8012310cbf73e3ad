/**
 * The IR text lexer and line cursor shared by the parser's files: `lex` splits one line into words,
 * numbers, strings and punctuation (`;` starts a comment), and `Line` walks those tokens with
 * expect/eat helpers that raise `IrParseError` at the offending column.
 *
 * Consumes one line of text at a time; produces tokens. Invariant: every failure is an
 * `IrParseError` carrying a 1-based line and column, never another exception.
 */
import type { IrType, Span } from "./types.ts";

/** A syntax error in IR text, with its 1-based position. */
export class IrParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`${line}:${col}: ${message}`);
    this.name = "IrParseError";
  }
}

const IR_TYPES: ReadonlySet<string> = new Set(["i1", "i8", "i16", "i32", "i64", "ptr"]);

/** One token of a line. */
export type Tok = { kind: "word" | "num" | "str" | "punct"; text: string; col: number };

/** Splits one line into tokens; `;` starts a comment. */
export function lex(line: string, lineNo: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === ";") {
      break; // comment to end of line
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (j >= line.length) throw new IrParseError("unterminated string", lineNo, i + 1);
      toks.push({ kind: "str", text: line.slice(i, j + 1), col: i + 1 });
      i = j + 1;
    } else if (c === "-" && line[i + 1] === ">") {
      toks.push({ kind: "punct", text: "->", col: i + 1 });
      i += 2;
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(line[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < line.length && /[0-9a-fA-Fx]/.test(line[j]!)) j++;
      toks.push({ kind: "num", text: line.slice(i, j), col: i + 1 });
      i = j;
    } else if (/[A-Za-z_$.]/.test(c)) {
      let j = i + 1;
      while (j < line.length && /[A-Za-z0-9_$.#]/.test(line[j]!)) j++;
      toks.push({ kind: "word", text: line.slice(i, j), col: i + 1 });
      i = j;
    } else if ("(){}[],:=!@-+".includes(c)) {
      toks.push({ kind: "punct", text: c, col: i + 1 });
      i++;
    } else {
      throw new IrParseError(`unexpected character '${c}'`, lineNo, i + 1);
    }
  }
  return toks;
}

/** A cursor over one line's tokens. */
export class Line {
  private i = 0;
  constructor(
    readonly toks: Tok[],
    readonly lineNo: number,
    readonly width: number,
  ) {}
  get done(): boolean {
    return this.i >= this.toks.length;
  }
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  /** Fails at the token just consumed. */
  failPrev(message: string): never {
    const t = this.toks[Math.max(0, this.i - 1)];
    throw new IrParseError(message, this.lineNo, t ? t.col : 1);
  }
  fail(message: string): never {
    const t = this.toks[this.i];
    throw new IrParseError(message, this.lineNo, t ? t.col : this.width + 1);
  }
  next(what: string): Tok {
    const t = this.toks[this.i];
    if (t === undefined) this.fail(`expected ${what}, found end of line`);
    this.i++;
    return t;
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === "punct" && t.text === p;
  }
  isWord(w: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === "word" && t.text === w;
  }
  eat(p: string): boolean {
    if (this.isPunct(p) || this.isWord(p)) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(p: string): void {
    if (!this.eat(p)) this.fail(`expected '${p}'`);
  }
  word(what = "a name"): string {
    const t = this.peek();
    if (t?.kind !== "word") this.fail(`expected ${what}`);
    this.i++;
    return t.text;
  }
  str(): string {
    const t = this.peek();
    if (t?.kind !== "str") this.fail("expected a string");
    this.i++;
    try {
      return JSON.parse(t.text) as string;
    } catch {
      return this.fail("malformed string");
    }
  }
  bigint(): bigint {
    const t = this.peek();
    if (t?.kind !== "num") this.fail("expected a number");
    this.i++;
    try {
      return t.text.startsWith("-") ? -BigInt(t.text.slice(1)) : BigInt(t.text);
    } catch {
      return this.fail(`malformed number '${t.text}'`);
    }
  }
  int(): number {
    const b = this.bigint();
    if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail("number too large");
    }
    return Number(b);
  }
  end(): void {
    if (!this.done) this.fail(`unexpected '${this.peek()!.text}'`);
  }
  /** A `!"file":l:c` or `!l:c` span suffix, if present. */
  span(file: string): Span | null {
    if (!this.eat("!")) return null;
    let f = file;
    if (this.peek()?.kind === "str") {
      f = this.str();
      this.expect(":");
    }
    const line = this.int();
    this.expect(":");
    const col = this.int();
    return { file: f, line, col };
  }
}

/** `v12` / `b3` / `t0`: the number after `prefix`, or a parse error. */
export function numbered(text: string, prefix: string, l: Line): number {
  if (!text.startsWith(prefix) || !/^[0-9]+$/.test(text.slice(prefix.length))) {
    l.fail(`expected ${prefix}<number>, found '${text}'`);
  }
  return Number(text.slice(prefix.length));
}

/** An IR type keyword (`i1` ... `i64`, `ptr`). */
export function irType(l: Line): IrType {
  const w = l.word("a type");
  if (!IR_TYPES.has(w)) l.failPrev(`unknown type '${w}'`);
  return w as IrType;
}
