/**
 * Parser of bpf_conformance / ubpf `.data` test files.
 *
 * Consumes the text of one file; produces its sections as plain data (`DataFile`). The rules follow
 * the upstream runner (lib/src/bpf_test_parser.cc), summarised in shared/conformance/PLUGIN-PROTOCOL.md:
 * - a line containing `--` is a section header: `-- asm`, `-- raw` (one u64 instruction per number),
 *   `-- mem` (hex bytes, may span lines), `-- result` (last line wins; `0x` = hex, else decimal),
 *   `-- error` (last non-empty line is the expected text); `-- c` and `-- no register offset` start
 *   ignored sections; any other header makes the whole file skipped (`skip` says why);
 * - `#` starts a comment anywhere on a line; blank lines are ignored.
 * Invariants: `raw`, when present, wins over `asm` (the upstream rule); malformed numbers are a
 * `DataFileError` naming the line, never a silent zero.
 */

/** A parsed `.data` file. */
export interface DataFile {
  /** Assembly lines (comments stripped, blank lines dropped), with their 1-based line numbers. */
  readonly asm: readonly { readonly text: string; readonly line: number }[];
  /** `-- raw` instructions as 64-bit little-endian words, or null when absent. */
  readonly raw: readonly bigint[] | null;
  /** `-- mem` bytes, or null when the file has no mem section. */
  readonly mem: Uint8Array | null;
  /** Expected r0 (unsigned 64-bit), or null when absent. */
  readonly result: bigint | null;
  /** Expected error text, or null when absent. */
  readonly error: string | null;
  /** Why the upstream runner would skip this file (unknown section, no result/error), or null. */
  readonly skip: string | null;
}

/** A malformed `.data` file. */
export class DataFileError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "DataFileError";
  }
}

type Section = "ignore" | "asm" | "raw" | "mem" | "result" | "error";

/** Classifies a header line the way the upstream parser does (first keyword found wins). */
function headerSection(line: string): Section | null {
  if (line.includes("asm")) return "asm";
  if (line.includes("result")) return "result";
  if (line.includes("mem")) return "mem";
  if (line.includes("raw")) return "raw";
  if (line.includes("no register offset")) return "ignore";
  if (line.includes(" c")) return "ignore";
  if (line.includes("error")) return "error";
  return null;
}

/** Parses an unsigned 64-bit number (`0x` hex or decimal), as std::stoull does for these files. */
export function parseU64(text: string, line: number): bigint {
  const t = text.trim();
  const m = /^(0x[0-9a-f]+|[0-9]+)/i.exec(t);
  if (!m) throw new DataFileError(`expected a number, got "${t}"`, line);
  const v = BigInt(m[1]!);
  if (v > 0xffffffffffffffffn) throw new DataFileError(`number ${t} exceeds 64 bits`, line);
  return v;
}

/** Parses the text of a `.data` file. */
export function parseDataFile(text: string): DataFile {
  let section: Section = "ignore";
  const asm: { text: string; line: number }[] = [];
  const raw: { text: string; line: number }[] = [];
  const mem: { text: string; line: number }[] = [];
  let result: { text: string; line: number } | null = null;
  let error: string | null = null;
  let skip: string | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/\r$/, "");
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    if (line.includes("--")) {
      const s = headerSection(line);
      if (s === null) {
        skip = `unknown section "${line.trim()}" at line ${i + 1}`;
        break;
      }
      section = s;
      continue;
    }
    if (line.trim() === "") continue;
    const entry = { text: line.trim(), line: i + 1 };
    if (section === "asm") asm.push(entry);
    else if (section === "raw") raw.push(entry);
    else if (section === "mem") mem.push(entry);
    else if (section === "result") result = entry;
    else if (section === "error") error = entry.text;
  }
  if (skip === null && result === null && error === null) skip = "no result or error section";
  const rawWords: bigint[] = [];
  for (const r of raw) for (const w of r.text.split(/\s+/)) rawWords.push(parseU64(w, r.line));
  const bytes: number[] = [];
  for (const m of mem) {
    for (const b of m.text.split(/\s+/)) {
      if (!/^(0x)?[0-9a-f]{1,2}$/i.test(b)) {
        throw new DataFileError(`expected a hex byte in -- mem, got "${b}"`, m.line);
      }
      bytes.push(parseInt(b, 16));
    }
  }
  return {
    asm,
    raw: raw.length > 0 ? rawWords : null,
    mem: mem.length > 0 ? Uint8Array.from(bytes) : null,
    result: result ? parseU64(result.text, result.line) : null,
    error,
    skip,
  };
}

/** Encodes `-- raw` words as little-endian program bytes. */
export function rawToBytes(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * 8);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, w, true));
  return out;
}
