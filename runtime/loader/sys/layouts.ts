/**
 * The `union bpf_attr` member for each bpf(2) command we issue, field for field as in
 * include/uapi/linux/bpf.h. Unions inside a member are flattened to the one alternative we use.
 * See attr.ts for the encoding rules.
 */
import { defineLayout } from "./attr.ts";

/** BPF_MAP_CREATE. */
export const MAP_CREATE = defineLayout([
  ["map_type", "u32"],
  ["key_size", "u32"],
  ["value_size", "u32"],
  ["max_entries", "u32"],
  ["map_flags", "u32"],
  ["inner_map_fd", "u32"],
  ["numa_node", "u32"],
  ["map_name", "name"],
  ["map_ifindex", "u32"],
  ["btf_fd", "u32"],
  ["btf_key_type_id", "u32"],
  ["btf_value_type_id", "u32"],
  ["btf_vmlinux_value_type_id", "u32"],
  ["map_extra", "u64"],
]);

/** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM, MAP_GET_NEXT_KEY (value ↔ next_key), MAP_FREEZE. */
export const MAP_ELEM = defineLayout([
  ["map_fd", "u32"],
  ["key", "ptr"],
  ["value", "ptr"],
  ["flags", "u64"],
]);

/** BPF_MAP_*_BATCH. */
export const MAP_BATCH = defineLayout([
  ["in_batch", "ptr"],
  ["out_batch", "ptr"],
  ["keys", "ptr"],
  ["values", "ptr"],
  ["count", "u32"],
  ["map_fd", "u32"],
  ["elem_flags", "u64"],
  ["flags", "u64"],
]);

/** BPF_PROG_LOAD. */
export const PROG_LOAD = defineLayout([
  ["prog_type", "u32"],
  ["insn_cnt", "u32"],
  ["insns", "ptr"],
  ["license", "ptr"],
  ["log_level", "u32"],
  ["log_size", "u32"],
  ["log_buf", "ptr"],
  ["kern_version", "u32"],
  ["prog_flags", "u32"],
  ["prog_name", "name"],
  ["prog_ifindex", "u32"],
  ["expected_attach_type", "u32"],
  ["prog_btf_fd", "u32"],
  ["func_info_rec_size", "u32"],
  ["func_info", "ptr"],
  ["func_info_cnt", "u32"],
  ["line_info_rec_size", "u32"],
  ["line_info", "ptr"],
  ["line_info_cnt", "u32"],
  ["attach_btf_id", "u32"],
  ["attach_prog_fd", "u32"],
  ["core_relo_cnt", "u32"],
  ["fd_array", "ptr"],
  ["core_relos", "ptr"],
  ["core_relo_rec_size", "u32"],
  ["log_true_size", "u32"],
]);

/** BPF_OBJ_PIN / BPF_OBJ_GET. */
export const OBJ = defineLayout([
  ["pathname", "ptr"],
  ["bpf_fd", "u32"],
  ["file_flags", "u32"],
]);

/** BPF_PROG_TEST_RUN. */
export const TEST_RUN = defineLayout([
  ["prog_fd", "u32"],
  ["retval", "u32"],
  ["data_size_in", "u32"],
  ["data_size_out", "u32"],
  ["data_in", "ptr"],
  ["data_out", "ptr"],
  ["repeat", "u32"],
  ["duration", "u32"],
  ["ctx_size_in", "u32"],
  ["ctx_size_out", "u32"],
  ["ctx_in", "ptr"],
  ["ctx_out", "ptr"],
  ["flags", "u32"],
  ["cpu", "u32"],
  ["batch_size", "u32"],
]);

/** BPF_{PROG,MAP,LINK,BTF}_GET_NEXT_ID and *_GET_FD_BY_ID (`start_id` doubles as the id). */
export const GET_ID = defineLayout([
  ["start_id", "u32"],
  ["next_id", "u32"],
  ["open_flags", "u32"],
]);

/** BPF_OBJ_GET_INFO_BY_FD. */
export const INFO = defineLayout([
  ["bpf_fd", "u32"],
  ["info_len", "u32"],
  ["info", "ptr"],
]);

/** BPF_RAW_TRACEPOINT_OPEN. */
export const RAW_TRACEPOINT = defineLayout([
  ["name", "ptr"],
  ["prog_fd", "u32"],
]);

/** BPF_BTF_LOAD. */
export const BTF_LOAD = defineLayout([
  ["btf", "ptr"],
  ["btf_log_buf", "ptr"],
  ["btf_size", "u32"],
  ["btf_log_size", "u32"],
  ["btf_log_level", "u32"],
  ["btf_log_true_size", "u32"],
]);

/** BPF_LINK_CREATE (the target_btf_id / perf_event.bpf_cookie union as two views). */
export const LINK_CREATE = defineLayout([
  ["prog_fd", "u32"],
  ["target_fd", "u32"],
  ["attach_type", "u32"],
  ["flags", "u32"],
  ["target_btf_id", "u32"],
  ["pad", "u32"],
  ["cookie", "u64"],
]);

/** BPF_LINK_CREATE for perf events: `perf_event.bpf_cookie` sits right after `flags`. */
export const LINK_CREATE_PERF = defineLayout([
  ["prog_fd", "u32"],
  ["target_fd", "u32"],
  ["attach_type", "u32"],
  ["flags", "u32"],
  ["bpf_cookie", "u64"],
]);

/** BPF_LINK_DETACH. */
export const LINK_DETACH = defineLayout([["link_fd", "u32"]]);

/** BPF_ENABLE_STATS. */
export const ENABLE_STATS = defineLayout([["type", "u32"]]);

/**
 * BPF_LINK_CREATE for netfilter hooks (attach type BPF_NETFILTER, Linux 6.4+): the `netfilter`
 * member of the union after `flags` (`priority` is an s32, written as its u32 bits).
 */
export const LINK_CREATE_NETFILTER = defineLayout([
  ["prog_fd", "u32"],
  ["target_fd", "u32"],
  ["attach_type", "u32"],
  ["flags", "u32"],
  ["pf", "u32"],
  ["hooknum", "u32"],
  ["priority", "u32"],
  ["nf_flags", "u32"],
]);

/** BPF_ITER_CREATE. */
export const ITER_CREATE = defineLayout([
  ["link_fd", "u32"],
  ["flags", "u32"],
]);

/** BPF_LINK_CREATE for kprobe.multi (the `kprobe_multi` member of the union after `flags`). */
export const LINK_CREATE_KPROBE_MULTI = defineLayout([
  ["prog_fd", "u32"],
  ["target_fd", "u32"],
  ["attach_type", "u32"],
  ["flags", "u32"],
  ["kprobe_flags", "u32"],
  ["cnt", "u32"],
  ["syms", "ptr"],
  ["addrs", "ptr"],
  ["cookies", "ptr"],
]);

/** BPF_LINK_CREATE for uprobe.multi (the `uprobe_multi` member, Linux 6.6). */
export const LINK_CREATE_UPROBE_MULTI = defineLayout([
  ["prog_fd", "u32"],
  ["target_fd", "u32"],
  ["attach_type", "u32"],
  ["flags", "u32"],
  ["path", "ptr"],
  ["offsets", "ptr"],
  ["ref_ctr_offsets", "ptr"],
  ["cookies", "ptr"],
  ["cnt", "u32"],
  ["uprobe_flags", "u32"],
  ["pid", "u32"],
]);
