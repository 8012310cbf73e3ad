/**
 * Introspection of kernel BPF objects: BPF_OBJ_GET_INFO_BY_FD (program, map and link info) and the
 * *_GET_NEXT_ID walks that list every program, map or link on the system (what `bpftool prog show`
 * does). Consumes fds / ids; produces plain records.
 *
 * The info structs (struct bpf_prog_info, bpf_map_info, bpf_link_info in linux/bpf.h) are decoded
 * with the same layout machinery as bpf_attr; the kernel fills at most `info_len` bytes and ignores
 * fields it does not know, so a larger buffer is safe on older kernels.
 */
import {
  decodeAttr,
  defineLayout,
  readU32,
  type AttrLayout,
  type DecodedField,
} from "./sys/attr.ts";
import { bpf, tryBpf } from "./sys/bpf.ts";
import { ERRNO } from "./sys/errno.ts";
import { BpfCmd } from "./sys/constants.ts";
import { GET_ID, INFO } from "./sys/layouts.ts";

const PROG_INFO = defineLayout([
  ["type", "u32"],
  ["id", "u32"],
  ["tag", "u64"],
  ["jited_prog_len", "u32"],
  ["xlated_prog_len", "u32"],
  ["jited_prog_insns", "u64"],
  ["xlated_prog_insns", "u64"],
  ["load_time", "u64"],
  ["created_by_uid", "u32"],
  ["nr_map_ids", "u32"],
  ["map_ids", "u64"],
  ["name", "name"],
  ["ifindex", "u32"],
  ["gpl_compatible", "u32"],
  ["netns_dev", "u64"],
  ["netns_ino", "u64"],
  ["nr_jited_ksyms", "u32"],
  ["nr_jited_func_lens", "u32"],
  ["jited_ksyms", "u64"],
  ["jited_func_lens", "u64"],
  ["btf_id", "u32"],
  ["func_info_rec_size", "u32"],
  ["func_info", "u64"],
  ["nr_func_info", "u32"],
  ["nr_line_info", "u32"],
  ["line_info", "u64"],
  ["jited_line_info", "u64"],
  ["nr_jited_line_info", "u32"],
  ["line_info_rec_size", "u32"],
  ["jited_line_info_rec_size", "u32"],
  ["nr_prog_tags", "u32"],
  ["prog_tags", "u64"],
  ["run_time_ns", "u64"],
  ["run_cnt", "u64"],
  ["recursion_misses", "u64"],
  ["verified_insns", "u32"],
  ["attach_btf_obj_id", "u32"],
  ["attach_btf_id", "u32"],
  ["pad", "u32"],
]);

const MAP_INFO = defineLayout([
  ["type", "u32"],
  ["id", "u32"],
  ["key_size", "u32"],
  ["value_size", "u32"],
  ["max_entries", "u32"],
  ["map_flags", "u32"],
  ["name", "name"],
  ["ifindex", "u32"],
  ["btf_vmlinux_value_type_id", "u32"],
  ["netns_dev", "u64"],
  ["netns_ino", "u64"],
  ["btf_id", "u32"],
  ["btf_key_type_id", "u32"],
  ["btf_value_type_id", "u32"],
  ["pad", "u32"],
  ["map_extra", "u64"],
]);

const LINK_INFO = defineLayout([
  ["type", "u32"],
  ["id", "u32"],
  ["prog_id", "u32"],
  ["pad", "u32"],
  ["u0", "u64"],
  ["u1", "u64"],
  ["u2", "u64"],
  ["u3", "u64"],
]);

/** What the kernel reports about a program. */
export interface ProgramInfo {
  readonly type: number;
  readonly id: number;
  readonly name: string;
  /** Instructions after the verifier's rewrites (xlated), in bytes. */
  readonly xlatedLen: number;
  readonly jitedLen: number;
  /** Instructions the verifier processed (Linux 5.16+; 0 before). */
  readonly verifiedInsns: number;
  /** Cumulative run time and count; non-zero only while run stats are enabled. */
  readonly runTimeNs: bigint;
  readonly runCount: bigint;
  readonly btfId: number;
}

/** What the kernel reports about a map. */
export interface MapInfo {
  readonly type: number;
  readonly id: number;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** What the kernel reports about a link. */
export interface LinkInfo {
  readonly type: number;
  readonly id: number;
  readonly progId: number;
}

/** Which field of the kernel's info struct fills each property of a record. */
type FieldSource<T, F extends string> = { readonly [K in keyof T]-?: F };

/** The field names of a layout. */
type FieldOf<L> = L extends AttrLayout<infer F> ? F : never;

const PROG_FIELDS: FieldSource<ProgramInfo, FieldOf<typeof PROG_INFO>> = {
  type: "type",
  id: "id",
  name: "name",
  xlatedLen: "xlated_prog_len",
  jitedLen: "jited_prog_len",
  verifiedInsns: "verified_insns",
  runTimeNs: "run_time_ns",
  runCount: "run_cnt",
  btfId: "btf_id",
};

const MAP_FIELDS: FieldSource<MapInfo, FieldOf<typeof MAP_INFO>> = {
  type: "type",
  id: "id",
  name: "name",
  keySize: "key_size",
  valueSize: "value_size",
  maxEntries: "max_entries",
  flags: "map_flags",
};

const LINK_FIELDS: FieldSource<LinkInfo, FieldOf<typeof LINK_INFO>> = {
  type: "type",
  id: "id",
  progId: "prog_id",
};

/**
 * Asks BPF_OBJ_GET_INFO_BY_FD for the object behind `fd`, decodes the struct with `layout` and
 * builds the record whose properties `fields` names. Throws `KernelError` when the kernel refuses.
 */
function getInfo<T, F extends string>(
  fd: number,
  layout: AttrLayout<F>,
  fields: FieldSource<T, F>,
  what: string,
): T {
  const buf = new Uint8Array(layout.size);
  bpf(BpfCmd.OBJ_GET_INFO_BY_FD, INFO, { bpf_fd: fd, info_len: buf.length, info: buf }, what);
  const decoded: Record<F, DecodedField> = decodeAttr(layout, buf);
  const out: Record<string, DecodedField> = {};
  for (const key of Object.keys(fields) as (keyof T & string)[]) out[key] = decoded[fields[key]];
  return out as T;
}

/** Info about the program behind `fd`. */
export function programInfo(fd: number): ProgramInfo {
  return getInfo(fd, PROG_INFO, PROG_FIELDS, `program info of fd ${fd}`);
}

/** Info about the map behind `fd`. */
export function mapInfo(fd: number): MapInfo {
  return getInfo(fd, MAP_INFO, MAP_FIELDS, `map info of fd ${fd}`);
}

/** Info about the link behind `fd`. */
export function linkInfo(fd: number): LinkInfo {
  return getInfo(fd, LINK_INFO, LINK_FIELDS, `link info of fd ${fd}`);
}

function listIds(cmd: number): number[] {
  const ids: number[] = [];
  let id = 0;
  for (;;) {
    const r = tryBpf(cmd, GET_ID, { start_id: id });
    if (r.errno === ERRNO.ENOENT) return ids;
    if (r.errno !== 0) bpf(cmd, GET_ID, { start_id: id }, "listing ids");
    id = readU32(GET_ID, r.attr, "next_id");
    ids.push(id);
  }
}

/** Ids of every program loaded on the system. */
export function listProgramIds(): number[] {
  return listIds(BpfCmd.PROG_GET_NEXT_ID);
}

/** Ids of every map on the system. */
export function listMapIds(): number[] {
  return listIds(BpfCmd.MAP_GET_NEXT_ID);
}

/** Ids of every link on the system. */
export function listLinkIds(): number[] {
  return listIds(BpfCmd.LINK_GET_NEXT_ID);
}
