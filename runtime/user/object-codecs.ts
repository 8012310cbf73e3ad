/**
 * Codecs for the maps and event records of one BPF object, from its BTF, and the facts about the
 * object a session needs (which maps stream events, whether any program prints with
 * bpf_trace_printk).
 *
 * Record types of ring buffers and perf event arrays (the kernel keeps no BTF for them) come from the
 * map's `tsbpf.record` decl tag (core/object/map-facts.ts; tsbpf writes it for `RingBuf<T>` and
 * `PerfEventArray<T>`). A map whose tags state facts but no record type, or name a type the BTF lacks,
 * gets raw bytes: nothing is guessed. Only maps without any tsbpf tag (clang objects that do not use
 * the vocabulary) get the documented fallback:
 * 1. the map's own value type when the object names one;
 * 2. else a struct named `<map>_event`, `<map>_record` or `<map>_t`, then a struct named `event`
 *    (the libbpf-tools habit: `struct event`), when the object's BTF has one;
 * 3. else, per record length, the one named struct of the object's BTF with exactly that size
 *    (perf records: that size once padded as the kernel pads raw samples, to 4 bytes short of a
 *    multiple of 8); several or none: raw bytes (printed as hex).
 *
 * Consumes a `BpfObject`; produces `Codec`s (map-codec.ts).
 */
import { findType, type Btf } from "../../core/btf/index.ts";
import { mapKindById } from "../../core/kernel/index.ts";
import { USDT_LOADER_MAPS } from "../../core/usdt/index.ts";
import {
  declaresFacts,
  findRecordType,
  parseMapFacts,
  type BpfMapDef,
  type BpfObject,
  type MapFacts,
} from "../../core/object/index.ts";
import { codecForSize, codecFromBtf } from "./codec-from-btf.ts";
import { decodeValue, type Codec, type UserValue } from "./map-codec.ts";

/** Helper ids of bpf_trace_printk and bpf_trace_vprintk (include/uapi/linux/bpf.h). */
const PRINTK_HELPERS = new Set([6, 177]);

/** The facts a map's decl tags state (record type, histogram shape). */
export function mapFacts(def: BpfMapDef): MapFacts {
  return parseMapFacts(def.tags ?? []);
}

/** Key and value codecs of a map. */
export function mapCodecs(obj: BpfObject, def: BpfMapDef): { key: Codec; value: Codec } {
  // A map created without BTF key/value types names them in its `tsbpf.key` / `tsbpf.value` tags.
  const facts = mapFacts(def);
  const tagged = (spelling: string | undefined) =>
    spelling !== undefined && obj.btf ? (findRecordType(obj.btf, spelling) ?? 0) : 0;
  return {
    key: typed(obj.btf, def.keyTypeId || tagged(facts.key), def.keySize),
    value: typed(obj.btf, def.valueTypeId || tagged(facts.value), def.valueSize),
  };
}

function typed(btf: Btf | undefined, id: number, size: number): Codec {
  if (!btf || id === 0) return codecForSize(size);
  try {
    return codecFromBtf(btf, id, size);
  } catch {
    return codecForSize(size);
  }
}

/** True for maps whose contents arrive as a stream of records. */
export function isEventMap(def: BpfMapDef): boolean {
  return (mapKindById(def.type)?.events ?? null) !== null;
}

/**
 * Whether a session shows the map as data: neither an event stream nor the loader's own bookkeeping
 * (the USDT spec, IP and mode maps, which the loader fills; core/usdt), nor a struct_ops map (its
 * value is the ops struct the kernel calls, written when it is registered).
 */
export function isDataMap(def: BpfMapDef): boolean {
  return !isEventMap(def) && !USDT_LOADER_MAPS.includes(def.name) && def.structOps === undefined;
}

/** The codec of one record of a ring buffer / perf event array (see the file comment). */
export function recordCodec(obj: BpfObject, def: BpfMapDef): Codec | undefined {
  const btf = obj.btf;
  if (!btf) return undefined;
  const facts = mapFacts(def);
  if (declaresFacts(facts)) {
    const id = facts.record === undefined ? undefined : findRecordType(btf, facts.record);
    return id === undefined ? undefined : typed(btf, id, 0);
  }
  if (def.valueTypeId && mapKindById(def.type)?.events === "ringbuf")
    return typed(btf, def.valueTypeId, 0);
  for (const name of [`${def.name}_event`, `${def.name}_record`, `${def.name}_t`, "event"]) {
    const id = findType(btf, "struct", name);
    if (id !== undefined) return typed(btf, id, 0);
  }
  return undefined;
}

/** True when some program of the object calls bpf_trace_printk / bpf_trace_vprintk. */
export function usesPrintk(obj: BpfObject): boolean {
  return [...obj.programs, ...obj.subprograms].some((p) =>
    p.insns.some((i) => i.spec.kind === "call" && i.src === 0 && PRINTK_HELPERS.has(i.imm)),
  );
}

/** Decodes a record, falling back to its bytes when there is no type or it is too short. */
export function decodeRecord(codec: Codec | undefined, bytes: Uint8Array): UserValue {
  if (!codec || bytes.length < codec.size) return bytes;
  return decodeValue(codec, bytes);
}

/** A decoder for the records of an event map (rules 1-3 of the file comment). */
export function recordDecoder(obj: BpfObject, def: BpfMapDef): (bytes: Uint8Array) => UserValue {
  const fixed = recordCodec(obj, def);
  if (fixed || !obj.btf || declaresFacts(mapFacts(def))) return (b) => decodeRecord(fixed, b);
  const btf = obj.btf;
  const perf = mapKindById(def.type)?.events === "perf_event";
  const bySize = new Map<number, Codec | undefined>();
  return (b) => {
    if (!bySize.has(b.length)) bySize.set(b.length, uniqueStructOfLength(btf, b.length, perf));
    return decodeRecord(bySize.get(b.length), b);
  };
}

function uniqueStructOfLength(btf: Btf, length: number, perf: boolean): Codec | undefined {
  const fits = (size: number) => (perf ? ((size + 4 + 7) & ~7) - 4 === length : size === length);
  let found: number | undefined;
  for (let id = 1; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    if (t.kind !== "struct" || t.name === "" || !fits(t.size)) continue;
    if (found !== undefined) return undefined;
    found = id;
  }
  return found === undefined ? undefined : typed(btf, found, length);
}
