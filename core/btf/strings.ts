/**
 * BTF string tables: reading NUL-terminated names by offset, and building a deduplicated table.
 *
 * Consumes the string section of a `.BTF` blob (or produces one). The table starts with an empty string
 * at offset 0, so offset 0 always means "anonymous" (Documentation/bpf/btf.rst §2.1).
 */
import { BtfError } from "./model.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/** Reads strings out of a BTF string section, checking every offset. */
export class BtfStringReader {
  private readonly cache = new Map<number, string>();
  constructor(private readonly bytes: Uint8Array) {
    if (bytes.length > 0 && bytes[0] !== 0) {
      throw new BtfError("string section does not start with an empty string");
    }
  }

  /** The string at `offset`; `what` names the referencing field for the error message. */
  get(offset: number, what = "name"): string {
    const hit = this.cache.get(offset);
    if (hit !== undefined) return hit;
    if (offset >= this.bytes.length) {
      if (offset === 0) return "";
      throw new BtfError(
        `${what} string offset ${offset} is outside the string section (${this.bytes.length} bytes)`,
      );
    }
    const end = this.bytes.indexOf(0, offset);
    if (end < 0) throw new BtfError(`${what} string at offset ${offset} is not NUL-terminated`);
    const s = decoder.decode(this.bytes.subarray(offset, end));
    this.cache.set(offset, s);
    return s;
  }

  /** Offset of the first occurrence of `s` as a whole string, or undefined (linear scan, built lazily). */
  find(s: string): number | undefined {
    if (s === "") return 0;
    if (!this.index) {
      this.index = new Map();
      let start = 0;
      for (let i = 0; i < this.bytes.length; i++) {
        if (this.bytes[i] !== 0) continue;
        const str = decoder.decode(this.bytes.subarray(start, i));
        if (!this.index.has(str)) this.index.set(str, start);
        start = i + 1;
      }
    }
    return this.index.get(s);
  }
  private index?: Map<string, number>;
}

/** Builds a string section, storing each distinct string once. */
export class BtfStringTable {
  private readonly offsets = new Map<string, number>([["", 0]]);
  private readonly chunks: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;

  /** Offset of `s`, adding it if new. */
  add(s: string): number {
    const hit = this.offsets.get(s);
    if (hit !== undefined) return hit;
    const bytes = encoder.encode(s);
    if (bytes.includes(0)) throw new BtfError(`string ${JSON.stringify(s)} contains a NUL byte`);
    const at = this.size;
    this.chunks.push(bytes, new Uint8Array(1));
    this.size += bytes.length + 1;
    this.offsets.set(s, at);
    return at;
  }

  /** The table's bytes. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
