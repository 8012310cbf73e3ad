/**
 * Encodes the plain `Btf` model into a `.BTF` blob (header, type section, deduplicated string section).
 *
 * Consumes `Btf` (types[0] must be void; it is implicit and not written); produces little-endian bytes
 * that `decodeBtf()` maps back to an equal model and that the kernel and libbpf accept.
 * Field ranges (vlen < 65536, bitfield sizes < 256, bit offsets < 2^24 with kind_flag) are checked.
 */
import { BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION } from "./header.ts";
import { BtfError, BtfKindNumber, type Btf, type BtfType } from "./model.ts";
import { BtfStringTable } from "./strings.ts";

/** Growable little-endian u32 buffer. */
class U32Writer {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;
  u32(x: number): void {
    if (this.length + 4 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.view.setUint32(this.length, x >>> 0, true);
    this.length += 4;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function info(kind: number, vlen: number, kindFlag: boolean, id: number): number {
  if (vlen > 0xffff) throw new BtfError(`type ${id} has ${vlen} entries (at most 65535)`);
  return ((kindFlag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}

function checkU32(x: number, what: string): number {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
    throw new BtfError(`${what} ${x} is not a u32`);
  return x;
}

function writeType(w: U32Writer, strs: BtfStringTable, t: BtfType, id: number): void {
  if (t.kind === "void") throw new BtfError(`type ${id} is void; only type 0 may be void`);
  const k = BtfKindNumber[t.kind];
  const name = "name" in t ? strs.add(t.name) : 0;
  const head = (vlen: number, flag: boolean, sizeOrType: number) => {
    w.u32(name);
    w.u32(info(k, vlen, flag, id));
    w.u32(checkU32(sizeOrType, `type ${id} size/type`));
  };
  switch (t.kind) {
    case "int":
      head(0, false, t.size);
      w.u32(((t.encoding & 0xf) << 24) | ((t.bitOffset & 0xff) << 16) | (t.bits & 0xff));
      break;
    case "ptr":
    case "typedef":
    case "volatile":
    case "const":
    case "restrict":
    case "type_tag":
      head(0, t.kindFlag ?? false, t.type);
      break;
    case "array":
      head(0, false, 0);
      w.u32(t.type);
      w.u32(t.indexType);
      w.u32(checkU32(t.nelems, `type ${id} nelems`));
      break;
    case "struct":
    case "union":
      head(t.members.length, t.kindFlag, t.size);
      for (const m of t.members) {
        w.u32(strs.add(m.name));
        w.u32(m.type);
        if (t.kindFlag) {
          if (m.bitOffset > 0xffffff || m.bitfieldSize > 0xff) {
            throw new BtfError(
              `type ${id} member ${m.name}: bit offset/size out of range for kind_flag`,
            );
          }
          w.u32((m.bitfieldSize << 24) | m.bitOffset);
        } else {
          if (m.bitfieldSize !== 0) {
            throw new BtfError(
              `type ${id} member ${m.name} is a bitfield but the struct has no kind_flag`,
            );
          }
          w.u32(checkU32(m.bitOffset, `type ${id} member offset`));
        }
      }
      break;
    case "enum":
      head(t.values.length, t.signed, t.size);
      for (const e of t.values) {
        w.u32(strs.add(e.name));
        w.u32(e.value);
      }
      break;
    case "enum64":
      head(t.values.length, t.signed, t.size);
      for (const e of t.values) {
        const raw = BigInt.asUintN(64, e.value);
        w.u32(strs.add(e.name));
        w.u32(Number(raw & 0xffffffffn));
        w.u32(Number(raw >> 32n));
      }
      break;
    case "fwd":
      head(0, t.isUnion, 0);
      break;
    case "func":
      head(t.linkage, false, t.type);
      break;
    case "func_proto":
      head(t.params.length, false, t.returnType);
      for (const p of t.params) {
        w.u32(strs.add(p.name));
        w.u32(p.type);
      }
      break;
    case "var":
      head(0, false, t.type);
      w.u32(t.linkage);
      break;
    case "datasec":
      head(t.vars.length, false, t.size);
      for (const x of t.vars) {
        w.u32(x.type);
        w.u32(x.offset);
        w.u32(x.size);
      }
      break;
    case "float":
      head(0, false, t.size);
      break;
    case "decl_tag":
      head(0, t.kindFlag ?? false, t.type);
      w.u32(t.componentIdx);
      break;
  }
}

/**
 * Encodes `btf`. `extraStrings` are added to the string table too (the `.BTF.ext` section names,
 * file names and source lines live in `.BTF`'s string table; see `encodeBtfExt`).
 */
export function encodeBtf(btf: Btf, extraStrings: Iterable<string> = []): Uint8Array {
  if (btf.types[0]?.kind !== "void") throw new BtfError("types[0] must be void");
  const strs = new BtfStringTable();
  const w = new U32Writer();
  for (let id = 1; id < btf.types.length; id++) writeType(w, strs, btf.types[id]!, id);
  for (const s of extraStrings) strs.add(s);
  const typeBytes = w.bytes();
  const strBytes = strs.toBytes();
  const out = new Uint8Array(BTF_HEADER_SIZE + typeBytes.length + strBytes.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, BTF_VERSION);
  v.setUint8(3, 0);
  v.setUint32(4, BTF_HEADER_SIZE, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, typeBytes.length, true);
  v.setUint32(16, typeBytes.length, true);
  v.setUint32(20, strBytes.length, true);
  out.set(typeBytes, BTF_HEADER_SIZE);
  out.set(strBytes, BTF_HEADER_SIZE + typeBytes.length);
  return out;
}
