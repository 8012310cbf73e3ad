/**
 * Decodes a `.BTF` blob (or /sys/kernel/btf/vmlinux) into the plain `Btf` model.
 *
 * Consumes raw little-endian bytes; produces `Btf` with names resolved and ids as array indices.
 * Every count read from the file is checked against the remaining bytes before it drives a loop, and
 * every type reference is checked against the number of types, so malformed input gives `BtfError`.
 * Record layouts: Documentation/bpf/btf.rst §2.2 (struct btf_type and the per-kind trailing data).
 */
import { BTF_HEADER_SIZE, checkMagic, subRange, viewOf } from "./header.ts";
import {
  BtfError,
  BtfKindNumber,
  type Btf,
  type BtfKind,
  type BtfMember,
  type BtfType,
} from "./model.ts";
import { BtfStringReader } from "./strings.ts";
import { typeRefs } from "./query.ts";

const KIND_BY_NUMBER: readonly BtfKind[] = (() => {
  const out: BtfKind[] = [];
  for (const [k, n] of Object.entries(BtfKindNumber)) out[n] = k as BtfKind;
  return out;
})();

/** The validated parts of a `.BTF` blob. */
export interface BtfSections {
  readonly types: Uint8Array;
  readonly strings: Uint8Array;
}

/** Splits a `.BTF` blob into its type and string sections, validating the header. */
export function splitBtf(bytes: Uint8Array): BtfSections {
  checkMagic(bytes, "BTF");
  if (bytes.length < BTF_HEADER_SIZE) {
    throw new BtfError(`BTF is truncated: ${bytes.length} bytes, header needs ${BTF_HEADER_SIZE}`);
  }
  const v = viewOf(bytes);
  const hdrLen = v.getUint32(4, true);
  if (hdrLen < BTF_HEADER_SIZE || hdrLen > bytes.length) {
    throw new BtfError(`BTF header length ${hdrLen} is invalid (blob is ${bytes.length} bytes)`);
  }
  const typeOff = v.getUint32(8, true);
  const typeLen = v.getUint32(12, true);
  const strOff = v.getUint32(16, true);
  const strLen = v.getUint32(20, true);
  if (typeOff % 4 !== 0)
    throw new BtfError(`BTF type section offset ${typeOff} is not 4-byte aligned`);
  if (typeLen % 4 !== 0)
    throw new BtfError(`BTF type section length ${typeLen} is not a multiple of 4`);
  const t = subRange(bytes, hdrLen, typeOff, typeLen, "BTF type section");
  const s = subRange(bytes, hdrLen, strOff, strLen, "BTF string section");
  return { types: bytes.subarray(t.start, t.end), strings: bytes.subarray(s.start, s.end) };
}

/** Decodes a `.BTF` blob. Throws `BtfError` naming the first problem found. */
export function decodeBtf(bytes: Uint8Array): Btf {
  const { types: tb, strings: sb } = splitBtf(bytes);
  const strs = new BtfStringReader(sb);
  const v = viewOf(tb);
  const types: BtfType[] = [{ kind: "void" }];
  let at = 0;
  const need = (n: number, id: number, what: string) => {
    if (at + n > tb.length) {
      throw new BtfError(
        `type ${id} (${what}) is truncated: needs ${n} bytes at offset ${at}, type section is ${tb.length}`,
      );
    }
  };
  while (at < tb.length) {
    const id = types.length;
    need(12, id, "header");
    const nameOff = v.getUint32(at, true);
    const info = v.getUint32(at + 4, true);
    const sizeOrType = v.getUint32(at + 8, true);
    at += 12;
    const vlen = info & 0xffff;
    const kindNum = (info >>> 24) & 0x1f;
    const kindFlag = (info & 0x80000000) !== 0;
    const kind = KIND_BY_NUMBER[kindNum];
    if (kind === undefined || kind === "void")
      throw new BtfError(`type ${id} has unknown kind ${kindNum}`);
    const name = strs.get(nameOff, `type ${id} name`);
    const u32 = (o: number) => v.getUint32(at + o, true);
    switch (kind) {
      case "int": {
        need(4, id, kind);
        const x = u32(0);
        at += 4;
        types.push({
          kind,
          name,
          size: sizeOrType,
          encoding: (x >>> 24) & 0xf,
          bitOffset: (x >>> 16) & 0xff,
          bits: x & 0xff,
        });
        break;
      }
      case "ptr":
      case "typedef":
      case "volatile":
      case "const":
      case "restrict":
        types.push({ kind, name, type: sizeOrType });
        break;
      case "type_tag":
        types.push(
          kindFlag ? { kind, name, type: sizeOrType, kindFlag } : { kind, name, type: sizeOrType },
        );
        break;
      case "array":
        need(12, id, kind);
        types.push({ kind, type: u32(0), indexType: u32(4), nelems: u32(8) });
        at += 12;
        break;
      case "struct":
      case "union": {
        need(12 * vlen, id, kind);
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const off = u32(8);
          members.push({
            name: strs.get(u32(0), `type ${id} member ${i} name`),
            type: u32(4),
            bitOffset: kindFlag ? off & 0xffffff : off,
            bitfieldSize: kindFlag ? off >>> 24 : 0,
          });
        }
        types.push({ kind, name, size: sizeOrType, members, kindFlag });
        break;
      }
      case "enum": {
        need(8 * vlen, id, kind);
        const values = [];
        for (let i = 0; i < vlen; i++, at += 8) {
          const raw = u32(4);
          values.push({
            name: strs.get(u32(0), `type ${id} enumerator ${i}`),
            value: kindFlag ? raw | 0 : raw,
          });
        }
        types.push({ kind, name, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case "enum64": {
        need(12 * vlen, id, kind);
        const values = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const raw = (BigInt(u32(8)) << 32n) | BigInt(u32(4));
          values.push({
            name: strs.get(u32(0), `type ${id} enumerator ${i}`),
            value: kindFlag ? BigInt.asIntN(64, raw) : raw,
          });
        }
        types.push({ kind, name, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case "fwd":
        types.push({ kind, name, isUnion: kindFlag });
        break;
      case "func":
        types.push({ kind, name, type: sizeOrType, linkage: vlen });
        break;
      case "func_proto": {
        need(8 * vlen, id, kind);
        const params = [];
        for (let i = 0; i < vlen; i++, at += 8) {
          params.push({ name: strs.get(u32(0), `type ${id} param ${i}`), type: u32(4) });
        }
        types.push({ kind, returnType: sizeOrType, params });
        break;
      }
      case "var":
        need(4, id, kind);
        types.push({ kind, name, type: sizeOrType, linkage: u32(0) });
        at += 4;
        break;
      case "datasec": {
        need(12 * vlen, id, kind);
        const vars = [];
        for (let i = 0; i < vlen; i++, at += 12)
          vars.push({ type: u32(0), offset: u32(4), size: u32(8) });
        types.push({ kind, name, size: sizeOrType, vars });
        break;
      }
      case "float":
        types.push({ kind, name, size: sizeOrType });
        break;
      case "decl_tag": {
        need(4, id, kind);
        const componentIdx = v.getInt32(at, true);
        at += 4;
        types.push(
          kindFlag
            ? { kind, name, type: sizeOrType, componentIdx, kindFlag }
            : { kind, name, type: sizeOrType, componentIdx },
        );
        break;
      }
    }
  }
  const btf: Btf = { types };
  checkRefs(btf);
  return btf;
}

/** Throws if any type reference points past the last type. */
export function checkRefs(btf: Btf): void {
  const n = btf.types.length;
  for (let id = 1; id < n; id++) {
    for (const ref of typeRefs(btf.types[id]!)) {
      if (ref >= n)
        throw new BtfError(
          `type ${id} (${btf.types[id]!.kind}) refers to type ${ref}, but there are only ${n} types`,
        );
    }
  }
}
