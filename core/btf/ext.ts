/**
 * Decodes and encodes `.BTF.ext`: per-section func_info, line_info and CO-RE relocation records.
 *
 * Consumes the `.BTF.ext` bytes plus the `.BTF` blob whose string table they index (section names,
 * file names, source lines and access strings all live in `.BTF`'s strings); produces `BtfExt`.
 * Layout (libbpf's struct btf_ext_header and btf_ext_info_sec; Documentation/bpf/btf.rst §4.2):
 *
 * ```
 *   header: magic u16 | version u8 | flags u8 | hdr_len u32
 *           func_info_off u32 | func_info_len u32 | line_info_off u32 | line_info_len u32
 *           [core_relo_off u32 | core_relo_len u32]          (present when hdr_len >= 32)
 *   each info block: rec_size u32, then { sec_name_off u32, num_info u32, num_info × record }*
 * ```
 *
 * Records: func_info {insn_off, type_id}; line_info {insn_off, file_name_off, line_off, line<<10|col};
 * core_relo {insn_off, type_id, access_str_off, kind}. insn_off is in bytes in the file.
 */
import { checkMagic, subRange, viewOf } from "./header.ts";
import {
  BtfError,
  type BtfCoreRelo,
  type BtfExt,
  type BtfExtSection,
  type BtfFuncInfo,
  type BtfLineInfo,
} from "./model.ts";
import { BtfStringReader } from "./strings.ts";
import { splitBtf } from "./unmarshal.ts";
import { BTF_MAGIC, BTF_VERSION } from "./header.ts";

const HDR_BASE = 24;
const HDR_CORE = 32;
const FUNC_REC = 8;
const LINE_REC = 16;
const CORE_REC = 16;

function decodeInfo<T>(
  bytes: Uint8Array,
  start: number,
  end: number,
  minRec: number,
  what: string,
  strs: BtfStringReader,
  read: (v: DataView, at: number) => T,
): BtfExtSection<T>[] {
  const out: BtfExtSection<T>[] = [];
  if (end === start) return out;
  const v = viewOf(bytes);
  if (end - start < 4) throw new BtfError(`BTF.ext ${what} is too short for its record size`);
  const recSize = v.getUint32(start, true);
  if (recSize < minRec || recSize % 4 !== 0 || recSize > 1024) {
    throw new BtfError(`BTF.ext ${what} record size ${recSize} is invalid (at least ${minRec})`);
  }
  let at = start + 4;
  while (at < end) {
    if (at + 8 > end) throw new BtfError(`BTF.ext ${what} section header at ${at} is truncated`);
    const section = strs.get(v.getUint32(at, true), `BTF.ext ${what} section name`);
    const num = v.getUint32(at + 4, true);
    at += 8;
    if (num === 0) throw new BtfError(`BTF.ext ${what} for section ${section} has zero records`);
    if (num * recSize > end - at) {
      throw new BtfError(
        `BTF.ext ${what} for section ${section}: ${num} records overrun the block`,
      );
    }
    const records: T[] = [];
    for (let i = 0; i < num; i++, at += recSize) records.push(read(v, at));
    out.push({ section, records });
  }
  return out;
}

/** Decodes `.BTF.ext` bytes; `btfBytes` is the `.BTF` blob of the same object (for its strings). */
export function decodeBtfExt(bytes: Uint8Array, btfBytes: Uint8Array): BtfExt {
  checkMagic(bytes, "BTF.ext");
  const v = viewOf(bytes);
  const hdrLen = v.getUint32(4, true);
  if (hdrLen < HDR_BASE || hdrLen > bytes.length) {
    throw new BtfError(
      `BTF.ext header length ${hdrLen} is invalid (blob is ${bytes.length} bytes)`,
    );
  }
  const strs = new BtfStringReader(splitBtf(btfBytes).strings);
  const range = (o: number, what: string) =>
    subRange(bytes, hdrLen, v.getUint32(o, true), v.getUint32(o + 4, true), `BTF.ext ${what}`);
  const f = range(8, "func_info");
  const l = range(16, "line_info");
  const funcInfo = decodeInfo<BtfFuncInfo>(
    bytes,
    f.start,
    f.end,
    FUNC_REC,
    "func_info",
    strs,
    (dv, at) => ({
      insnOff: dv.getUint32(at, true),
      typeId: dv.getUint32(at + 4, true),
    }),
  );
  const lineInfo = decodeInfo<BtfLineInfo>(
    bytes,
    l.start,
    l.end,
    LINE_REC,
    "line_info",
    strs,
    (dv, at) => {
      const lc = dv.getUint32(at + 12, true);
      return {
        insnOff: dv.getUint32(at, true),
        fileName: strs.get(dv.getUint32(at + 4, true), "line_info file name"),
        line: strs.get(dv.getUint32(at + 8, true), "line_info line"),
        lineNum: lc >>> 10,
        column: lc & 0x3ff,
      };
    },
  );
  let coreRelo: BtfExtSection<BtfCoreRelo>[] = [];
  if (hdrLen >= HDR_CORE) {
    const c = range(24, "core_relo");
    coreRelo = decodeInfo<BtfCoreRelo>(
      bytes,
      c.start,
      c.end,
      CORE_REC,
      "core_relo",
      strs,
      (dv, at) => ({
        insnOff: dv.getUint32(at, true),
        typeId: dv.getUint32(at + 4, true),
        accessStr: strs.get(dv.getUint32(at + 8, true), "core_relo access string"),
        kind: dv.getUint32(at + 12, true),
      }),
    );
  }
  return { funcInfo, lineInfo, coreRelo };
}

/** Every string `encodeBtfExt` needs in `.BTF`'s string table: pass these to `encodeBtf`. */
export function btfExtStrings(ext: BtfExt): string[] {
  const out: string[] = [];
  for (const s of ext.funcInfo) out.push(s.section);
  for (const s of ext.lineInfo) {
    out.push(s.section);
    for (const r of s.records) out.push(r.fileName, r.line);
  }
  for (const s of ext.coreRelo) {
    out.push(s.section);
    for (const r of s.records) out.push(r.accessStr);
  }
  return out;
}

/**
 * Encodes `ext`. Strings are looked up in the string table of `btfBytes`, which must contain them all
 * (encode it with `encodeBtf(btf, btfExtStrings(ext))`); a missing string is a `BtfError`.
 */
export function encodeBtfExt(ext: BtfExt, btfBytes: Uint8Array): Uint8Array {
  const strs = new BtfStringReader(splitBtf(btfBytes).strings);
  const off = (s: string, what: string) => {
    const o = strs.find(s);
    if (o === undefined)
      throw new BtfError(
        `BTF.ext ${what} string ${JSON.stringify(s)} is not in the BTF string table`,
      );
    return o;
  };
  const words: number[] = [];
  const block = <T>(
    secs: readonly BtfExtSection<T>[],
    recSize: number,
    what: string,
    rec: (r: T) => number[],
  ) => {
    const start = words.length;
    if (secs.length === 0) return { off: start * 4, len: 0 };
    words.push(recSize);
    for (const s of secs) {
      if (s.records.length === 0) continue;
      words.push(off(s.section, `${what} section`), s.records.length);
      for (const r of s.records) words.push(...rec(r));
    }
    return { off: start * 4, len: (words.length - start) * 4 };
  };
  const f = block(ext.funcInfo, FUNC_REC, "func_info", (r) => [r.insnOff, r.typeId]);
  const l = block(ext.lineInfo, LINE_REC, "line_info", (r) => {
    if (r.column > 0x3ff || r.lineNum > 0x3fffff)
      throw new BtfError(`line_info ${r.lineNum}:${r.column} is out of range`);
    return [
      r.insnOff,
      off(r.fileName, "line_info file"),
      off(r.line, "line_info line"),
      (r.lineNum << 10) | r.column,
    ];
  });
  const c = block(ext.coreRelo, CORE_REC, "core_relo", (r) => [
    r.insnOff,
    r.typeId,
    off(r.accessStr, "core_relo access"),
    r.kind,
  ]);
  const out = new Uint8Array(HDR_CORE + words.length * 4);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, BTF_VERSION);
  v.setUint32(4, HDR_CORE, true);
  [f.off, f.len, l.off, l.len, c.off, c.len].forEach((x, i) => v.setUint32(8 + i * 4, x, true));
  words.forEach((x, i) => v.setUint32(HDR_CORE + i * 4, x >>> 0, true));
  return out;
}
